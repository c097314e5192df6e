#!/usr/bin/env python3
"""Writes docs/openapi.json, the OpenAPI 3.1 document of bulwark serve's v1 API, and
Sources/BulwarkService/OpenAPIDocument.swift, which embeds it (the server serves it at
/openapi.json and checks every request body against its components). Run after editing
this file: python3 scripts/openapi.py. A test checks that both outputs are current."""
import json, os

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def obj(props, required=(), extra=False):
    s = {"type": "object", "properties": props}
    if required: s["required"] = list(required)
    if not extra: s["additionalProperties"] = False
    return s

string = {"type": "string"}
nstring = {"type": ["string", "null"]}
anyobj = {"type": "object"}
nobj = {"type": ["object", "null"]}
params_map = {"type": ["object", "null"], "additionalProperties": {"type": "object"}}
resource_in = obj({"id": {"type": "string", "minLength": 1, "maxLength": 1024},
                   "type": {"type": "string", "minLength": 1, "maxLength": 255},
                   "name": {"type": "string", "maxLength": 1024}, "extra_info": nobj}, ["id", "type"])
limit_int = {"type": "integer", "minimum": -1, "maximum": 2147483647}
hook_name = {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"}
plan_hooks = obj({k: hook_name for k in ["pre_protect", "post_protect", "pre_restore", "post_restore"]})

requests = {
    "PlanCreate": obj({"plan": obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": {"type": ["string", "null"], "maxLength": 4096},
        "provider_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "resources": {"type": "array", "minItems": 1, "maxItems": 100000, "items": resource_in},
        "parameters": params_map, "hooks": plan_hooks}, ["name", "provider_id", "resources"])}, ["plan"]),
    "PlanUpdate": obj({"plan": dict(obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": {"type": ["string", "null"], "maxLength": 4096},
        "status": {"enum": ["started", "suspended"]}, "hooks": plan_hooks,
        "resources": {"type": "array", "minItems": 1, "maxItems": 100000, "items": resource_in}}), minProperties=1)}, ["plan"]),
    "CheckpointCreate": obj({"checkpoint": obj({
        "plan_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "extra-info": nobj, "extra_info": nobj}, ["plan_id"])}, ["checkpoint"]),
    "CheckpointResetState": obj({"os-resetState": obj({"state": {"enum": ["available", "error"]}}, ["state"])}, ["os-resetState"]),
    "RestoreCreate": obj({"restore": obj({
        "provider_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "checkpoint_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "restore_target": {"type": ["string", "null"], "maxLength": 2048},
        "restore_auth": {"oneOf": [{"type": "null"}, obj({
            "type": {"const": "password"}, "username": {"type": "string", "maxLength": 255},
            "password": {"type": "string", "maxLength": 1024, "writeOnly": True}}, ["type", "username", "password"])]},
        "parameters": params_map}, ["provider_id", "checkpoint_id"])}, ["restore"]),
    "VerificationCreate": obj({"verification": obj({
        "provider_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "checkpoint_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "parameters": params_map}, ["provider_id", "checkpoint_id"])}, ["verification"]),
    "ServiceUpdate": obj({"status": {"enum": ["enabled", "disabled"]},
                          "disabled_reason": {"type": ["string", "null"], "maxLength": 255}}, ["status"]),
    "QuotaUpdate": obj({"quota": dict(obj({"plans": limit_int, "checkpoints": limit_int}), minProperties=1)}, ["quota"]),
    "TriggerCreate": obj({"trigger_info": obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "type": {"const": "time"},
        "properties": dict(anyobj, additionalProperties={"type": ["string", "integer"], "maxLength": 4096})},
        ["name", "type", "properties"])}, ["trigger_info"]),
    "TriggerUpdate": obj({"trigger_info": dict(obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "properties": dict(anyobj, additionalProperties={"type": ["string", "integer"], "maxLength": 4096})}), minProperties=1)},
        ["trigger_info"]),
    "ScheduledOperationCreate": obj({"scheduled_operation": obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": {"type": ["string", "null"], "maxLength": 4096},
        "operation_type": {"enum": ["protect", "retention_protect"]},
        "trigger_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "operation_definition": dict(anyobj, additionalProperties={"type": ["string", "integer"], "maxLength": 1024})},
        ["name", "operation_type", "trigger_id", "operation_definition"])}, ["scheduled_operation"]),
    "ScheduledOperationUpdate": obj({"scheduled_operation": dict(obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": {"type": ["string", "null"], "maxLength": 4096},
        "enabled": {"type": "boolean"}}), minProperties=1)}, ["scheduled_operation"]),
    "QuotaClassUpdate": obj({"quota_class": dict(obj({"plans": limit_int, "checkpoints": limit_int}), minProperties=1)}, ["quota_class"]),
}

ref = lambda name: {"$ref": f"#/components/schemas/{name}"}
resource_out = obj({"id": string, "type": string, "name": string, "extra_info": nobj}, ["id", "type"], extra=True)
models = {
    "Fault": {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": obj(
        {"code": {"type": "integer"}, "message": string}, ["code", "message"])},
    "Provider": obj({"id": string, "name": string, "description": string, "extended_info_schema": anyobj},
                    ["id", "name", "description", "extended_info_schema"], extra=True),
    "Plan": obj({"id": string, "name": string, "description": string, "provider_id": string, "project_id": string,
                 "status": {"enum": ["suspended", "started"]}, "resources": {"type": "array", "items": resource_out},
                 "parameters": anyobj, "hooks": {"type": "object", "additionalProperties": string}, "created_at": string, "updated_at": string},
                ["id", "name", "provider_id", "status", "resources", "parameters"], extra=True),
    "Checkpoint": obj({"id": string, "project_id": string, "provider_id": string,
                       "status": {"enum": ["protecting", "available", "error", "deleting", "deleted", "error-deleting"]},
                       "protection_plan": anyobj, "resource_graph": nstring, "created_at": string, "extra_info": nobj,
                       "error": string}, ["id", "project_id", "status", "protection_plan", "resource_graph", "created_at"], extra=True),
    "Restore": obj({"id": string, "project_id": string, "provider_id": string, "checkpoint_id": string,
                    "restore_target": nstring, "parameters": anyobj, "status": {"enum": ["in_progress", "success", "fail"]},
                    "resources_status": anyobj, "resources_reason": anyobj, "error": string},
                   ["id", "project_id", "provider_id", "checkpoint_id", "status", "resources_status", "resources_reason"], extra=True),
    "Instance": obj({"id": string, "type": string, "name": string, "extra_info": nobj,
                     "dependent_resources": {"type": "array", "items": anyobj}}, ["id", "type", "name"], extra=True),
    "OperationLog": obj({"id": string, "project_id": string,
                         "operation_type": {"enum": ["protect", "delete", "restore", "verify"]},
                         "checkpoint_id": nstring, "plan_id": nstring, "provider_id": string, "restore_id": nstring,
                         "verification_id": nstring, "scheduled_operation_id": nstring, "status": string,
                         "started_at": string, "ended_at": nstring, "error_info": nstring, "extra_info": anyobj},
                        ["id", "operation_type", "provider_id", "status", "started_at"], extra=True),
    "Service": obj({"id": {"type": "integer"}, "binary": string, "host": string, "status": {"enum": ["enabled", "disabled"]},
                    "state": {"enum": ["up", "down"]}, "updated_at": string, "disabled_reason": nstring},
                   ["id", "binary", "host", "status", "state"], extra=True),
    "Quota": {"type": "object", "required": ["id"], "properties": {"id": string},
              "additionalProperties": {"type": ["integer", "object"]}},
    "Trigger": obj({"id": string, "name": string, "type": {"const": "time"}, "project_id": string,
                    "properties": {"type": "object", "additionalProperties": string}, "created_at": string, "updated_at": string},
                   ["id", "name", "type", "properties"], extra=True),
    "ScheduledOperation": obj({"id": string, "name": string, "description": string, "project_id": string,
                               "operation_type": {"enum": ["protect", "retention_protect"]}, "trigger_id": string,
                               "operation_definition": {"type": "object", "additionalProperties": string},
                               "enabled": {"type": "boolean"}, "created_at": string, "updated_at": string},
                              ["id", "name", "operation_type", "trigger_id", "operation_definition", "enabled"], extra=True),
    "Links": {"type": "array", "items": obj({"rel": string, "href": string}, ["rel", "href"])},
}

def wrapper(key, model, list_=False):
    inner = {"type": "array", "items": ref(model)} if list_ else ref(model)
    props = {key: inner}
    if list_: props[key + "_links"] = ref("Links")
    return obj(props, [key], extra=True)

errors = {"424": "failedDependency: the trigger is used by a scheduled operation", "400": "badRequest: malformed JSON (line and column), a field of the wrong type or unknown, a bad query, a token for another project's URL",
          "401": "unauthorized: no token, or one Keystone does not accept", "403": "forbidden: admin only, or another project's checkpoint",
          "404": "itemNotFound", "409": "conflictingRequest: the checkpoint is in a state that does not allow it",
          "413": "overLimit: the body is too large, or a quota would be exceeded", "415": "badMediaType: the body is not JSON",
          "503": "serviceUnavailable: the bank, a plugin or Keystone cannot answer now"}

def responses(ok_schema, codes):
    r = {"200": {"description": "success", "content": {"application/json": {"schema": ok_schema}}} if ok_schema else {"description": "success"}}
    for c in ["400", "401"] + codes + ["503"]:
        r[c] = {"$ref": f"#/components/responses/Fault{c}"}
    return r

def q(name, desc, schema=None):
    return {"name": name, "in": "query", "required": False, "description": desc, "schema": schema or string}

def paging(*keys):
    keys = ("created_at",) + keys
    sorts = [k for k in keys] + [f"{k}:{d}" for k in keys for d in ("asc", "desc")]
    return [q("marker", "list after this id (an unknown one is 400)"),
            q("limit", "at most this many (1-1000; 0: 1000)", {"type": "integer", "minimum": 0}),
            q("sort", "key:dir", {"enum": sorts})]
tenants = [q("all_tenants", "admins only: every project's", {"type": "string"}), q("project_id", "admins only: this project's")]
p = lambda name, desc="": {"name": name, "in": "path", "required": True, "description": desc, "schema": string}
body = lambda name: {"required": True, "content": {"application/json": {"schema": ref(name)}}}

def op(summary, ok, codes=(), params=(), request=None, opid=None):
    o = {"summary": summary, "operationId": opid, "parameters": list(params), "responses": responses(ok, list(codes))}
    if request: o["requestBody"] = body(request)
    return o

P = [p("project_id", "the caller's project (the token's)")]
pid = p("provider_id", "a provider's id (its UUID, or its file's id)")
paths = {
    "/v1/{project_id}/providers": {"get": op("List providers", wrapper("providers", "Provider", True), ["403"], P + [q("name", "exact name"), q("description", "exact description")] + paging("id", "name"), opid="listProviders")},
    "/v1/{project_id}/providers/{provider_id}": {"get": op("Show a provider", wrapper("provider", "Provider"), ["404"], P + [pid], opid="showProvider")},
    "/v1/{project_id}/providers/{provider_id}/checkpoints": {
        "get": op("List checkpoints", wrapper("checkpoints", "Checkpoint", True), ["403", "404"], P + [pid, q("plan_id", "a plan's"), q("start_date", "YYYY-MM-DD, inclusive"), q("end_date", "YYYY-MM-DD, inclusive")] + tenants + paging(), opid="listCheckpoints"),
        "post": op("Protect a plan: answers at once with the checkpoint protecting", wrapper("checkpoint", "Checkpoint"), ["403", "404", "413", "415"], P + [pid], "CheckpointCreate", opid="createCheckpoint")},
    "/v1/{project_id}/providers/{provider_id}/checkpoints/{checkpoint_id}": {
        "get": op("Show a checkpoint", wrapper("checkpoint", "Checkpoint"), ["403", "404"], P + [pid, p("checkpoint_id")], opid="showCheckpoint"),
        "delete": op("Delete a checkpoint in the background", {"type": "object"}, ["403", "404", "409"], P + [pid, p("checkpoint_id")], opid="deleteCheckpoint"),
        "put": op("Reset a checkpoint's state", {"type": "object"}, ["403", "404", "409", "413", "415"], P + [pid, p("checkpoint_id")], "CheckpointResetState", opid="resetCheckpointState")},
    "/v1/{project_id}/protectables": {"get": op("List protectable types", obj({"protectable_type": {"type": "array", "items": string}}, ["protectable_type"]), ["403"], P, opid="listProtectables")},
    "/v1/{project_id}/protectables/{protectable_type}": {"get": op("Show a protectable type", obj({"protectable_type": obj({"name": string, "dependent_types": {"type": "array", "items": string}}, ["name", "dependent_types"])}, ["protectable_type"]), ["404"], P + [p("protectable_type", "e.g. OS::Cinder::Volume"), q("provider_id", "the provider to ask (default: the first that has the type)")], opid="showProtectable")},
    "/v1/{project_id}/protectables/{protectable_type}/instances": {"get": op("List a type's instances", wrapper("instances", "Instance", True), ["404"], P + [p("protectable_type"), q("type", "the type again (Karbor's filter)"), q("parameters", "a mapping, as a Python literal or JSON"), q("provider_id", "the provider to ask")] + paging("id", "name"), opid="listInstances")},
    "/v1/{project_id}/protectables/{protectable_type}/instances/{instance_id}": {"get": op("Show an instance and its dependents", wrapper("instance", "Instance"), ["404"], P + [p("protectable_type"), p("instance_id", "may hold slashes"), q("parameters", "a mapping"), q("provider_id", "the provider to ask")], opid="showInstance")},
    "/v1/{project_id}/plans": {
        "get": op("List plans", wrapper("plans", "Plan", True), ["403"], P + [q("name", "exact"), q("description", "exact"), q("status", "suspended or started"), q("provider_id", "a provider's")] + tenants + paging("id", "name", "status", "updated_at"), opid="listPlans"),
        "post": op("Create a plan (suspended)", wrapper("plan", "Plan"), ["413", "415"], P, "PlanCreate", opid="createPlan")},
    "/v1/{project_id}/plans/{plan_id}": {
        "get": op("Show a plan", wrapper("plan", "Plan"), ["404"], P + [p("plan_id")], opid="showPlan"),
        "put": op("Update a plan (while suspended; a started plan takes only status suspended)", wrapper("plan", "Plan"), ["404", "413", "415"], P + [p("plan_id")], "PlanUpdate", opid="updatePlan"),
        "delete": op("Delete a plan", None, ["404"], P + [p("plan_id")], opid="deletePlan")},
}
for coll, key, model, req in [("restores", "restore", "Restore", "RestoreCreate"), ("verifications", "verification", "Restore", "VerificationCreate")]:
    paths[f"/v1/{{project_id}}/{coll}"] = {
        "get": op(f"List {coll}", wrapper(coll, model, True), ["403"], P + [q("status", "in_progress, success or fail"), q("provider_id", "a provider's"), q("checkpoint_id", "a checkpoint's")] + tenants + paging("id", "status", "updated_at"), opid=f"list{coll.title()}"),
        "post": op(f"Start a {key} in the background", wrapper(key, model), ["403", "404", "409", "413", "415"], P, req, opid=f"create{key.title()}")}
    paths[f"/v1/{{project_id}}/{coll}/{{{key}_id}}"] = {"get": op(f"Show a {key}", wrapper(key, model), ["404"], P + [p(f"{key}_id")], opid=f"show{key.title()}")}
paths["/v1/{project_id}/operation_logs"] = {"get": op("List operation logs", wrapper("operation_logs", "OperationLog", True), ["403"], P + [q(n, "exact") for n in ["checkpoint_id", "plan_id", "restore_id", "verification_id", "status", "operation_type", "provider_id", "scheduled_operation_id"]] + tenants + paging("id", "status", "ended_at", "operation_type"), opid="listOperationLogs")}
paths["/v1/{project_id}/operation_logs/{operation_log_id}"] = {"get": op("Show an operation log", wrapper("operation_log", "OperationLog"), ["404"], P + [p("operation_log_id")], opid="showOperationLog")}
paths["/v1/{project_id}/os-services"] = {"get": op("List the services (admin)", wrapper("services", "Service", True), ["403"], P + [q("host", "exact"), q("binary", "exact")], opid="listServices")}
paths["/v1/{project_id}/os-services/{service_id}"] = {"put": op("Enable or disable a service (admin)", wrapper("service", "Service"), ["403", "404", "413", "415"], P + [p("service_id")], "ServiceUpdate", opid="updateService")}
paths["/v1/{project_id}/triggers"] = {
    "get": op("List triggers", wrapper("triggers", "Trigger", True), ["403"], P + [q("name", "exact"), q("type", "time")] + tenants + paging("id", "name", "updated_at"), opid="listTriggers"),
    "post": op("Create a time trigger", wrapper("trigger_info", "Trigger"), ["413", "415"], P, "TriggerCreate", opid="createTrigger")}
paths["/v1/{project_id}/triggers/{trigger_id}"] = {
    "get": op("Show a trigger", wrapper("trigger_info", "Trigger"), ["404"], P + [p("trigger_id")], opid="showTrigger"),
    "put": op("Update a trigger (given properties replace the old ones)", wrapper("trigger_info", "Trigger"), ["404", "413", "415"], P + [p("trigger_id")], "TriggerUpdate", opid="updateTrigger"),
    "delete": op("Delete a trigger (424 while a scheduled operation uses it)", None, ["404", "424"], P + [p("trigger_id")], opid="deleteTrigger")}
paths["/v1/{project_id}/scheduled_operations"] = {
    "get": op("List scheduled operations (key: operations)", wrapper("operations", "ScheduledOperation", True), ["403"], P + [q("name", "exact"), q("operation_type", "protect or retention_protect"), q("trigger_id", "a trigger's")] + tenants + paging("id", "name", "updated_at"), opid="listScheduledOperations"),
    "post": op("Schedule an operation", wrapper("scheduled_operation", "ScheduledOperation"), ["404", "413", "415"], P, "ScheduledOperationCreate", opid="createScheduledOperation")}
paths["/v1/{project_id}/scheduled_operations/{scheduled_operation_id}"] = {
    "get": op("Show a scheduled operation", wrapper("scheduled_operation", "ScheduledOperation"), ["404"], P + [p("scheduled_operation_id")], opid="showScheduledOperation"),
    "put": op("Pause or resume (enabled), rename (Bulwark's)", wrapper("scheduled_operation", "ScheduledOperation"), ["404", "413", "415"], P + [p("scheduled_operation_id")], "ScheduledOperationUpdate", opid="updateScheduledOperation"),
    "delete": op("Delete a scheduled operation", None, ["404"], P + [p("scheduled_operation_id")], opid="deleteScheduledOperation")}
tp = p("target_project_id", "the project whose quotas")
paths["/v1/{project_id}/quotas/{target_project_id}"] = {
    "get": op("Show a project's quotas", wrapper("quota", "Quota"), ["403"], P + [tp], opid="showQuota"),
    "put": op("Set a project's quotas (admin)", wrapper("quota", "Quota"), ["403", "413", "415"], P + [tp], "QuotaUpdate", opid="updateQuota")}
paths["/v1/{project_id}/quotas/{target_project_id}/defaults"] = {"get": op("Show the default quotas", wrapper("quota", "Quota"), ["403"], P + [tp], opid="showQuotaDefaults")}
paths["/v1/{project_id}/quotas/{target_project_id}/detail"] = {"get": op("Show a project's quotas with usage", wrapper("quota", "Quota"), ["403"], P + [tp], opid="showQuotaDetail")}
paths["/v1/{project_id}/quota_classes/{quota_class_name}"] = {
    "get": op("Show a quota class", wrapper("quota_class", "Quota"), ["403"], P + [p("quota_class_name")], opid="showQuotaClass"),
    "put": op("Set a quota class (admin)", wrapper("quota_class", "Quota"), ["403", "413", "415"], P + [p("quota_class_name")], "QuotaClassUpdate", opid="updateQuotaClass")}

for path, ops in paths.items():
    for o in ops.values():
        o["security"] = [{"token": []}]
paths["/healthz"] = {"get": {"summary": "Health", "operationId": "health", "security": [], "responses": {"200": {"description": "healthy", "content": {"application/json": {"schema": anyobj}}}, "503": {"description": "the catalog cannot be read", "content": {"application/json": {"schema": anyobj}}}}}}
paths["/metrics"] = {"get": {"summary": "Prometheus metrics", "operationId": "metrics", "security": [], "responses": {"200": {"description": "text format 0.0.4", "content": {"text/plain": {"schema": string}}}}}}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "Bulwark", "version": "1.0",
             "description": "Karbor's v1 API, as bulwark serve answers it (docs/service.md). Errors are Karbor's fault bodies."},
    "servers": [{"url": "http://127.0.0.1:8799"}],
    "paths": paths,
    "components": {"schemas": {**requests, **models},
                   "responses": {f"Fault{c}": {"description": d, "content": {"application/json": {"schema": ref("Fault")}}}
                                 for c, d in errors.items()},
                   "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token",
                                                 "description": "a Keystone token (noauth: user:project)"}}},
}
text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
open(os.path.join(root, "docs/openapi.json"), "w").write(text)
assert '"""###' not in text
swift = ("// Generated by scripts/openapi.py from the same source as docs/openapi.json; do not edit.\n"
         "/// The OpenAPI 3.1 document of the v1 API, served at /openapi.json; its components\n"
         "/// are the schemas every request body is checked against (``RequestSchemas``).\n"
         "import BulwarkJSON\n\nenum OpenAPIDocument {\n    /// Parsed once, for the request schemas and the route table.\n    static let json: JSON = (try? JSON.parse(text)) ?? .null\n\n    static let text = ###\"\"\"\n" + text + "\"\"\"###\n}\n")
open(os.path.join(root, "Sources/BulwarkService/OpenAPIDocument.swift"), "w").write(swift)
print("wrote docs/openapi.json and Sources/BulwarkService/OpenAPIDocument.swift")
