// The service configuration's schema, built into the binary. It must equal
// schemas/serve.schema.json (a test checks).
enum ServeSchema {
    static let text = ###"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Bulwark service",
  "description": "The configuration of bulwark serve. See docs/service.md.",
  "type": "object",
  "properties": {
    "listen": {
      "description": "Where to listen. Plain HTTP is allowed on a loopback address only, unless allow_plain_http says otherwise.",
      "type": "object",
      "properties": {
        "host": {"type": "string", "minLength": 1, "default": "127.0.0.1"},
        "port": {"type": "integer", "minimum": 0, "maximum": 65535, "default": 8799},
        "allow_plain_http": {"type": "boolean", "default": false}
      },
      "additionalProperties": false
    },
    "tls": {
      "description": "Serve HTTPS with this certificate chain and key (PEM files).",
      "type": "object",
      "required": ["certificate", "key"],
      "properties": {
        "certificate": {"type": "string", "minLength": 1},
        "key": {"type": "string", "minLength": 1}
      },
      "additionalProperties": false
    },
    "providers": {
      "type": "object",
      "properties": {
        "directory": {"type": "string", "minLength": 1, "default": "providers"},
        "only": {
          "description": "Serve only these provider ids (default: every enabled provider of the directory).",
          "type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true
        }
      },
      "additionalProperties": false
    },
    "catalog": {
      "type": "object",
      "properties": {
        "path": {"type": "string", "minLength": 1, "description": "The embedded SQLite catalog (default: the CLI's)."}
      },
      "additionalProperties": false
    },
    "auth": {
      "type": "object",
      "required": ["mode"],
      "properties": {
        "mode": {"enum": ["noauth", "keystone"]},
        "keystone": {
          "description": "The service's own credentials, used to validate callers' tokens (GET /v3/auth/tokens).",
          "type": "object",
          "required": ["auth_url", "username", "password", "project_name"],
          "properties": {
            "auth_url": {"type": "string", "pattern": "^https?://"},
            "username": {"type": "string", "minLength": 1},
            "password": {"type": "string", "minLength": 1, "writeOnly": true},
            "project_name": {"type": "string", "minLength": 1},
            "user_domain_name": {"type": "string", "default": "Default"},
            "project_domain_name": {"type": "string", "default": "Default"},
            "ca_file": {"type": "string"},
            "cache_seconds": {
              "description": "How long a validated token is trusted before Keystone is asked again (a revoked token is refused within this time).",
              "type": "integer", "minimum": 0, "maximum": 3600, "default": 60
            },
            "cache_entries": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 10000},
            "admin_roles": {"type": "array", "items": {"type": "string"}, "default": ["admin"]}
          },
          "additionalProperties": false
        }
      },
      "additionalProperties": false,
      "if": {"properties": {"mode": {"const": "keystone"}}},
      "then": {"required": ["keystone"]}
    },
    "limits": {
      "type": "object",
      "properties": {
        "operations": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 16,
                       "description": "Operations (protect, delete, restore, verify) running at once; more wait their turn."},
        "operations_per_provider": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 8},
        "request_body_bytes": {"type": "integer", "minimum": 1024, "maximum": 268435456, "default": 1048576},
        "plans_per_project": {"type": "integer", "minimum": -1, "default": 50,
                              "description": "The default plans quota (-1: unlimited); a project's own quota overrides it."}
      },
      "additionalProperties": false
    },
    "scheduler": {
      "description": "The scheduler of triggers and scheduled operations.",
      "type": "object",
      "properties": {
        "enabled": {"type": "boolean", "default": true,
                    "description": "Run scheduled operations in this server (false: triggers and scheduled operations are kept and served, but nothing fires here)."},
        "minimum_interval_seconds": {"type": "integer", "minimum": 1, "maximum": 31622400, "default": 3600,
                                     "description": "The shortest time allowed between two fire times of a trigger (Karbor's 3600). Lower it for tests."}
      },
      "additionalProperties": false
    },
    "shutdown_grace_seconds": {
      "description": "After SIGTERM, how long running operations may go on before they are cancelled.",
      "type": "number", "minimum": 0, "maximum": 86400, "default": 60
    },
    "log_level": {"enum": ["trace", "debug", "info", "notice", "warning", "error", "critical"], "default": "info"}
  },
  "additionalProperties": false
}
"""###
}
