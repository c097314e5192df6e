// The provider file's schema, built into the binary so providers validate wherever it
// runs. It must equal schemas/provider.schema.json (a test checks).
enum ProviderSchema {
    static let text = ###"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Bulwark provider",
  "description": "One provider: its plugins, its bank, and their options. See README, Providers.",
  "type": "object",
  "required": ["id", "name", "bank"],
  "properties": {
    "id": {
      "description": "Stable identifier; part of bank keys, so letters, digits and _ . - only.",
      "type": "string", "pattern": "^[A-Za-z0-9_.-]+$", "minLength": 1, "maxLength": 128
    },
    "name": {"type": "string", "minLength": 1},
    "description": {"type": "string"},
    "enabled": {"type": "boolean", "default": true},
    "plugin_path": {
      "description": "Directories or library files searched for plugins before BULWARK_PLUGIN_PATH and the build's output.",
      "type": "array", "items": {"type": "string", "minLength": 1}
    },
    "concurrency": {
      "description": "How many hooks may run at once (the command's --concurrency overrides it).",
      "type": "integer", "minimum": 1, "maximum": 4096, "default": 16
    },
    "hooks": {
      "description": "Commands a plan of this provider may name for its pre_protect, post_protect, pre_restore and post_restore phases (docs/service.md, Plan hooks). They run with the rights of the server or CLI that runs the operation; only this file defines them.",
      "type": "object",
      "propertyNames": {"pattern": "^[A-Za-z0-9_.-]{1,64}$"},
      "additionalProperties": {
        "type": "object",
        "properties": {
          "command": {"description": "The program (a path, or a name looked up in PATH) and its arguments; no shell.",
                      "type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
          "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400, "default": 300},
          "environment": {"type": "object", "additionalProperties": {"type": "string"}}
        },
        "required": ["command"],
        "additionalProperties": false
      }
    },
    "lease_ttl": {
      "description": "Seconds an engine's lease lasts without renewal; after a crash, checkpoints it owned are marked error once it expires.",
      "type": "integer", "minimum": 2, "maximum": 86400, "default": 30
    },
    "hook_timeout": {
      "description": "Seconds a protection plugin's hook may run. Past it the hook is cancelled (is_cancelled answers true); a hook that has not returned hook_cancel_grace seconds later ends its resource in error and is abandoned (docs/decisions.md, Hook timeouts). A plugin's entry may set its own.",
      "type": "number", "exclusiveMinimum": 0, "maximum": 604800, "default": 21600
    },
    "hook_cancel_grace": {
      "description": "Seconds a hook cancelled for its timeout has to return before the host gives up on it.",
      "type": "number", "minimum": 0, "maximum": 3600, "default": 30
    },
    "protectables": {
      "description": "Options for protectable plugins, by resource type. Types not named here run with empty options.",
      "type": "object", "additionalProperties": {"type": "object"}
    },
    "plugins": {
      "description": "The protection plugins, by the name their library declares (or an alias such as Karbor's karbor-noop-protection-plugin).",
      "type": "array", "minItems": 1,
      "items": {
        "oneOf": [
          {"type": "string", "minLength": 1},
          {
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": {
              "name": {"type": "string", "minLength": 1},
              "options": {"type": "object"},
              "hook_timeout": {"description": "This plugin's own hook_timeout, over the provider's.",
                               "type": "number", "exclusiveMinimum": 0, "maximum": 604800}
            }
          }
        ]
      }
    },
    "bank": {
      "type": "object", "required": ["plugin"], "additionalProperties": false,
      "properties": {"plugin": {"type": "string", "minLength": 1}, "options": {"type": "object"}}
    }
  },
  "additionalProperties": false
}
"""###
}
