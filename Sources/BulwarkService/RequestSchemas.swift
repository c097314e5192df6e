import BulwarkSchema

/// The JSON Schemas every request body is checked against before a handler sees it.
/// The OpenAPI document (docs/openapi.json) uses the same shapes.
enum RequestSchemas {
    private static func compile(_ text: String) -> JSONSchema {
        do { return try JSONSchema(text: text) } catch { fatalError("a built-in request schema does not compile: \(error)") }
    }

    static let resource = #"""
    {"type": "object", "required": ["id", "type"],
     "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 1024},
                    "type": {"type": "string", "minLength": 1, "maxLength": 255},
                    "name": {"type": "string", "maxLength": 1024},
                    "extra_info": {"type": ["object", "null"]}},
     "additionalProperties": false}
    """#

    static let planCreate = compile(#"""
    {"type": "object", "required": ["plan"], "additionalProperties": false,
     "properties": {"plan": {"type": "object", "required": ["name", "provider_id", "resources"], "additionalProperties": false,
       "properties": {
         "name": {"type": "string", "minLength": 1, "maxLength": 255},
         "description": {"type": ["string", "null"], "maxLength": 4096},
         "provider_id": {"type": "string", "minLength": 1, "maxLength": 255},
         "resources": {"type": "array", "minItems": 1, "maxItems": 100000, "items": \#(resource)},
         "parameters": {"type": ["object", "null"], "additionalProperties": {"type": "object"}}}}}}
    """#)

    static let planUpdate = compile(#"""
    {"type": "object", "required": ["plan"], "additionalProperties": false,
     "properties": {"plan": {"type": "object", "minProperties": 1, "additionalProperties": false,
       "properties": {
         "name": {"type": "string", "minLength": 1, "maxLength": 255},
         "description": {"type": ["string", "null"], "maxLength": 4096},
         "status": {"enum": ["started", "suspended"]},
         "resources": {"type": "array", "minItems": 1, "maxItems": 100000, "items": \#(resource)}}}}}
    """#)

    static let checkpointCreate = compile(#"""
    {"type": "object", "required": ["checkpoint"], "additionalProperties": false,
     "properties": {"checkpoint": {"type": "object", "required": ["plan_id"], "additionalProperties": false,
       "properties": {
         "plan_id": {"type": "string", "minLength": 1, "maxLength": 255},
         "extra-info": {"type": ["object", "null"]},
         "extra_info": {"type": ["object", "null"]}}}}}
    """#)

    static let checkpointResetState = compile(#"""
    {"type": "object", "required": ["os-resetState"], "additionalProperties": false,
     "properties": {"os-resetState": {"type": "object", "required": ["state"], "additionalProperties": false,
       "properties": {"state": {"enum": ["available", "error"]}}}}}
    """#)

    static let restoreCreate = compile(#"""
    {"type": "object", "required": ["restore"], "additionalProperties": false,
     "properties": {"restore": {"type": "object", "required": ["provider_id", "checkpoint_id"], "additionalProperties": false,
       "properties": {
         "provider_id": {"type": "string", "minLength": 1, "maxLength": 255},
         "checkpoint_id": {"type": "string", "minLength": 1, "maxLength": 255},
         "restore_target": {"type": ["string", "null"], "maxLength": 2048},
         "restore_auth": {"oneOf": [{"type": "null"},
           {"type": "object", "required": ["type", "username", "password"], "additionalProperties": false,
            "properties": {"type": {"const": "password"}, "username": {"type": "string", "maxLength": 255},
                           "password": {"type": "string", "maxLength": 1024, "writeOnly": true}}}]},
         "parameters": {"type": ["object", "null"], "additionalProperties": {"type": "object"}}}}}}
    """#)

    static let verificationCreate = compile(#"""
    {"type": "object", "required": ["verification"], "additionalProperties": false,
     "properties": {"verification": {"type": "object", "required": ["provider_id", "checkpoint_id"], "additionalProperties": false,
       "properties": {
         "provider_id": {"type": "string", "minLength": 1, "maxLength": 255},
         "checkpoint_id": {"type": "string", "minLength": 1, "maxLength": 255},
         "parameters": {"type": ["object", "null"], "additionalProperties": {"type": "object"}}}}}}
    """#)

    static let serviceUpdate = compile(#"""
    {"type": "object", "required": ["status"], "additionalProperties": false,
     "properties": {"status": {"enum": ["enabled", "disabled"]},
                    "disabled_reason": {"type": ["string", "null"], "maxLength": 255}}}
    """#)

    static let quotaUpdate = compile(#"""
    {"type": "object", "required": ["quota"], "additionalProperties": false,
     "properties": {"quota": {"type": "object", "minProperties": 1, "additionalProperties": false,
       "properties": {"plans": {"type": "integer", "minimum": -1, "maximum": 2147483647},
                      "checkpoints": {"type": "integer", "minimum": -1, "maximum": 2147483647}}}}}
    """#)

    static let quotaClassUpdate = compile(#"""
    {"type": "object", "required": ["quota_class"], "additionalProperties": false,
     "properties": {"quota_class": {"type": "object", "minProperties": 1, "additionalProperties": false,
       "properties": {"plans": {"type": "integer", "minimum": -1, "maximum": 2147483647},
                      "checkpoints": {"type": "integer", "minimum": -1, "maximum": 2147483647}}}}}
    """#)
}
