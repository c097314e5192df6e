/*
 * bad_plugin.c — libraries that are wrong in one way each, for the loader's tests.
 * Compile with exactly one -D of: MISSING_SYMBOL, ABI_MAJOR, INIT_ERROR, NULL_DESCRIPTOR,
 * NULL_TABLE, NULL_ENTRY, SHORT_ENTRY, MISSING_FUNCTION, SCHEMA_NOT_JSON, SCHEMA_NOT_OBJECT,
 * SCHEMA_VALID, SCHEMA_INVALID, DUPLICATE_A, DUPLICATE_B, GOOD.
 */
#include "bulwark_plugin.h"

#include <stddef.h>

static bulwark_status create(bulwark_call *c, void *d, const char *cfg, void **i) {
    (void)c; (void)d; (void)cfg; *i = NULL; return BULWARK_OK;
}
static bulwark_status list(bulwark_call *c, void *i, const char *p) { (void)c; (void)i; (void)p; return BULWARK_OK; }
static bulwark_status show(bulwark_call *c, void *i, const char *id) { (void)c; (void)i; (void)id; return BULWARK_OK; }
static bulwark_status deps(bulwark_call *c, void *i, const char *p) { (void)c; (void)i; (void)p; return BULWARK_OK; }

#if defined(DUPLICATE_A) || defined(DUPLICATE_B)
#define TYPE "Dup::Thing"
#else
#define TYPE "Bad::Thing"
#endif

static bulwark_protectable thing = {
    .struct_size = sizeof(bulwark_protectable),
    .resource_type = TYPE,
    .create = create,
    .list_resources = list,
    .show_resource = show,
#ifndef MISSING_FUNCTION
    .get_dependent_resources = deps,
#endif
};

#ifdef SHORT_ENTRY
static bulwark_protectable short_thing = { .struct_size = 8 };
static const bulwark_protectable *const table[] = {&short_thing};
#elif defined(NULL_ENTRY)
static const bulwark_protectable *const table[] = {&thing, NULL};
#else
static const bulwark_protectable *const table[] = {&thing};
#endif

static const char *const any_type[] = {"*", NULL};
static bulwark_protection protection = {
    .struct_size = sizeof(bulwark_protection),
    .name = "bad-protection",
    .resource_types = any_type,
#ifdef SCHEMA_NOT_JSON
    .schemas_json = "{\"*\": {\"options\": {\"type\": \"object\",}}}",
#elif defined(SCHEMA_INVALID)
    .schemas_json = "{\"*\": {\"options\": {\"type\": \"objekt\"}}}",
#elif defined(SCHEMA_NOT_OBJECT)
    .schemas_json = "{\"*\": {\"options\": 42}}",
#else
    .schemas_json = "{\"*\": {\"options\": {\"type\": \"object\"}}}",
#endif
    .create = create,
};
static const bulwark_protection *const protections[] = {&protection};

static bulwark_plugin_descriptor descriptor = {
#ifdef ABI_MAJOR
    .abi_major = 2,
    .abi_minor = 3,
#else
    .abi_major = BULWARK_ABI_VERSION_MAJOR,
    .abi_minor = BULWARK_ABI_VERSION_MINOR,
#endif
    .struct_size = sizeof(bulwark_plugin_descriptor),
#ifdef DUPLICATE_B
    .library_name = "duplicate-b",
#elif defined(DUPLICATE_A)
    .library_name = "duplicate-a",
#else
    .library_name = "bad",
#endif
    .library_version = "0.0.1",
#ifdef NULL_TABLE
    .protectables = NULL,
    .protectable_count = 2,
#elif defined(NULL_ENTRY)
    .protectables = table,
    .protectable_count = 2,
#else
    .protectables = table,
    .protectable_count = 1,
#endif
#if defined(SCHEMA_NOT_JSON) || defined(SCHEMA_NOT_OBJECT) || defined(SCHEMA_VALID) || defined(SCHEMA_INVALID)
    .protections = protections,
    .protection_count = 1,
#endif
};

#ifndef MISSING_SYMBOL
BULWARK_PLUGIN_EXPORT bulwark_status bulwark_plugin_init(bulwark_call *call, const bulwark_host *host,
                                                         const bulwark_plugin_descriptor **out) {
#ifdef INIT_ERROR
    host->set_error(call, "cannot reach the widget service at 127.0.0.1:9");
    return BULWARK_ERROR;
#elif defined(NULL_DESCRIPTOR)
    (void)call; (void)host; *out = NULL;
    return BULWARK_OK;
#else
    (void)call; (void)host;
    *out = &descriptor;
    return BULWARK_OK;
#endif
}
#else
BULWARK_PLUGIN_EXPORT int bulwark_plugin_other(void) { return 0; }
#endif
