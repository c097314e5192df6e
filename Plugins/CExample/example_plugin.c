/*
 * example_plugin.c — a complete Bulwark plugin in plain C, built from bulwark_plugin.h
 * alone:
 *
 *     cc -std=c11 -shared -fPIC -I Sources/CBulwarkPlugin/include \
 *        Plugins/CExample/example_plugin.c -o libexample.so -lpthread
 *
 * It provides
 *   - two protectables: "Example::Shelf" (no parents) and "Example::Box" (parent: Shelf);
 *     each shelf holds two boxes;
 *   - a protection plugin "example-protection" for Example::Box with all four hooks of
 *     protect, restore and delete: protect saves a small object in the box's bank section,
 *     restore reads it back and records a new id, delete removes it;
 *   - a bank plugin "example-memory-bank": objects and leases in memory.
 *
 * The test suite compiles this file with `cc` and calls every entry point, and
 * docs/writing-plugins.md walks through it.
 */
#define _GNU_SOURCE /* memmem */
#include "bulwark_plugin.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const bulwark_host *host; /* set once by bulwark_plugin_init */

/* Return a NUL-terminated string as the call's result. */
static bulwark_status reply(bulwark_call *call, const char *text) {
    return host->result_append(call, (const uint8_t *)text, strlen(text));
}

static bulwark_status fail(bulwark_call *call, bulwark_status status, const char *message) {
    host->set_error(call, message);
    return status;
}

/* Finds `"key":"` in a flat JSON text and copies the string value (no escapes) into out.
 * Enough for the ids this example makes; a real plugin uses a JSON library. */
static int json_string_member(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = strstr(json, pattern);
    if (!start) return 0;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    if (!end || (size_t)(end - start) >= size) return 0;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return 1;
}

/* ----------------------------------------------------------------------------------------
 * Protectables
 * -------------------------------------------------------------------------------------- */

/* Instances hold nothing here; a real plugin keeps its endpoint and credentials. */
static bulwark_status no_state_create(bulwark_call *call, void *plugin_data, const char *config_json,
                                      void **instance) {
    (void)call; (void)plugin_data; (void)config_json;
    *instance = NULL;
    return BULWARK_OK;
}

static bulwark_status shelf_list(bulwark_call *call, void *instance, const char *parameters_json) {
    (void)instance; (void)parameters_json;
    return reply(call, "[{\"type\":\"Example::Shelf\",\"id\":\"shelf-1\",\"name\":\"top shelf\"}]");
}

static bulwark_status shelf_show(bulwark_call *call, void *instance, const char *id) {
    (void)instance;
    if (strcmp(id, "shelf-1") != 0) return fail(call, BULWARK_NOT_FOUND, "no such shelf");
    return reply(call, "{\"type\":\"Example::Shelf\",\"id\":\"shelf-1\",\"name\":\"top shelf\"}");
}

static bulwark_status shelf_dependents(bulwark_call *call, void *instance, const char *parent_json) {
    (void)instance; (void)parent_json;
    return reply(call, "[]"); /* shelves have no parent types */
}

static const char *const shelf_parents[] = {NULL};

static const bulwark_protectable shelf_protectable = {
    .struct_size = sizeof(bulwark_protectable),
    .resource_type = "Example::Shelf",
    .parent_types = shelf_parents,
    .config_schema = NULL,
    .create = no_state_create,
    .destroy = NULL,
    .list_resources = shelf_list,
    .show_resource = shelf_show,
    .get_dependent_resources = shelf_dependents,
};

static bulwark_status box_list(bulwark_call *call, void *instance, const char *parameters_json) {
    (void)instance; (void)parameters_json;
    return reply(call, "[{\"type\":\"Example::Box\",\"id\":\"shelf-1-box-1\",\"name\":\"box 1\"},"
                       "{\"type\":\"Example::Box\",\"id\":\"shelf-1-box-2\",\"name\":\"box 2\"}]");
}

static bulwark_status box_show(bulwark_call *call, void *instance, const char *id) {
    (void)instance;
    char buffer[256];
    if (strncmp(id, "shelf-1-box-", 12) != 0 || strlen(id) > 64) return fail(call, BULWARK_NOT_FOUND, "no such box");
    snprintf(buffer, sizeof buffer, "{\"type\":\"Example::Box\",\"id\":\"%s\",\"name\":\"box %s\"}", id, id + 12);
    return reply(call, buffer);
}

static bulwark_status box_dependents(bulwark_call *call, void *instance, const char *parent_json) {
    (void)instance;
    char shelf[64], buffer[512];
    if (!json_string_member(parent_json, "id", shelf, sizeof shelf))
        return fail(call, BULWARK_INVALID_ARGUMENT, "parent resource has no id");
    snprintf(buffer, sizeof buffer,
             "[{\"type\":\"Example::Box\",\"id\":\"%s-box-1\",\"name\":\"box 1\"},"
             "{\"type\":\"Example::Box\",\"id\":\"%s-box-2\",\"name\":\"box 2\"}]", shelf, shelf);
    return reply(call, buffer);
}

static const char *const box_parents[] = {"Example::Shelf", NULL};

static const bulwark_protectable box_protectable = {
    .struct_size = sizeof(bulwark_protectable),
    .resource_type = "Example::Box",
    .parent_types = box_parents,
    .config_schema = "{\"type\":\"object\",\"properties\":{\"boxes_per_shelf\":{\"type\":\"integer\"}}}",
    .create = no_state_create,
    .destroy = NULL,
    .list_resources = box_list,
    .show_resource = box_show,
    .get_dependent_resources = box_dependents,
};

/* ----------------------------------------------------------------------------------------
 * Protection: four hooks per operation
 * -------------------------------------------------------------------------------------- */

static bulwark_status note(bulwark_call *call, const char *what) {
    host->log(call, BULWARK_LOG_DEBUG, what);
    return BULWARK_OK;
}

static bulwark_status protect_begin(bulwark_call *call, void *instance, const bulwark_hook_args *args) {
    (void)instance; (void)args;
    return note(call, "protect: prepare begin");
}

static bulwark_status protect_finish(bulwark_call *call, void *instance, const bulwark_hook_args *args) {
    (void)instance; (void)args;
    return note(call, "protect: prepare finish");
}

/* Save the resource and its parameters in the resource's bank section, in pieces. */
static bulwark_status protect_main(bulwark_call *call, void *instance, const bulwark_hook_args *args) {
    (void)instance;
    if (host->is_cancelled(call)) return fail(call, BULWARK_CANCELLED, "cancelled");
    const char *prefix = "{\"resource\":";
    void *writer = NULL;
    bulwark_status s;
    /* The size is known before the first byte: tell the bank (a service added in ABI 1.1,
     * so check that this host has it; a 1.0 host gets a plain writer_open). */
    if (host->struct_size >= offsetof(bulwark_host, bank_writer_open_sized) + sizeof(void *) &&
        host->bank_writer_open_sized != NULL) {
        uint64_t size = strlen(prefix) + strlen(args->resource_json) + 1;
        s = host->bank_writer_open_sized(call, "saved/box.json", size, &writer);
    } else {
        s = host->bank_writer_open(call, "saved/box.json", &writer);
    }
    if (s != BULWARK_OK) return s;
    s = host->bank_writer_append(call, writer, (const uint8_t *)prefix, strlen(prefix));
    if (s == BULWARK_OK)
        s = host->bank_writer_append(call, writer, (const uint8_t *)args->resource_json, strlen(args->resource_json));
    if (s == BULWARK_OK) s = host->bank_writer_append(call, writer, (const uint8_t *)"}", 1);
    if (s != BULWARK_OK) {
        host->bank_writer_abort(call, writer);
        return s;
    }
    s = host->bank_writer_commit(call, writer);
    if (s != BULWARK_OK) return s;
    s = host->bank_put(call, "parameters.json", (const uint8_t *)args->parameters_json, strlen(args->parameters_json));
    host->progress(call, 1.0, "saved");
    return s;
}

static bulwark_status protect_complete(bulwark_call *call, void *instance, const bulwark_hook_args *args) {
    (void)instance; (void)args;
    return note(call, "protect: complete");
}

static const bulwark_operation protect_operation = {
    .struct_size = sizeof(bulwark_operation),
    .on_prepare_begin = protect_begin,
    .on_prepare_finish = protect_finish,
    .on_main = protect_main,
    .on_complete = protect_complete,
};

/* Read the saved object back and record the "restored" box under a new id. */
static bulwark_status restore_main(bulwark_call *call, void *instance, const bulwark_hook_args *args) {
    (void)instance;
    bulwark_bytes saved = {NULL, 0};
    bulwark_status s = host->bank_get(call, "saved/box.json", 0, 0, &saved);
    if (s != BULWARK_OK) return fail(call, s, "nothing saved for this box");
    int ok = saved.length > 0 && memchr(saved.data, '{', saved.length) != NULL;
    host->bytes_free(&saved);
    if (!ok) return fail(call, BULWARK_ERROR, "saved object is empty");
    char id[128], new_id[160];
    if (!json_string_member(args->resource_json, "id", id, sizeof id))
        return fail(call, BULWARK_INVALID_ARGUMENT, "resource has no id");
    snprintf(new_id, sizeof new_id, "%s-restored", id);
    return host->new_resource_set(call, id, new_id);
}

static bulwark_status restore_complete(bulwark_call *call, void *instance, const bulwark_hook_args *args) {
    (void)instance;
    char id[128];
    bulwark_bytes new_id = {NULL, 0};
    if (!json_string_member(args->resource_json, "id", id, sizeof id))
        return fail(call, BULWARK_INVALID_ARGUMENT, "resource has no id");
    bulwark_status s = host->new_resource_get(call, id, &new_id);
    host->bytes_free(&new_id);
    return s == BULWARK_OK ? BULWARK_OK : fail(call, BULWARK_ERROR, "restored id missing from the map");
}

static const bulwark_operation restore_operation = {
    .struct_size = sizeof(bulwark_operation),
    .on_prepare_begin = NULL,
    .on_prepare_finish = NULL,
    .on_main = restore_main,
    .on_complete = restore_complete,
};

/* Remove everything this plugin saved, listing the section to find it. */
static bulwark_status delete_main(bulwark_call *call, void *instance, const bulwark_hook_args *args) {
    (void)instance; (void)args;
    bulwark_bytes keys = {NULL, 0};
    bulwark_status s = host->bank_list(call, "", NULL, 0, BULWARK_SORT_ASC, &keys);
    if (s != BULWARK_OK) return s;
    int has_saved = keys.length > 0 && memmem(keys.data, keys.length, "saved/box.json", 14) != NULL;
    host->bytes_free(&keys);
    if (has_saved && (s = host->bank_delete(call, "saved/box.json")) != BULWARK_OK) return s;
    return host->bank_delete(call, "parameters.json");
}

static const bulwark_operation delete_operation = {
    .struct_size = sizeof(bulwark_operation),
    .on_prepare_begin = NULL,
    .on_prepare_finish = NULL,
    .on_main = delete_main,
    .on_complete = NULL,
};

static const char *const protection_types[] = {"Example::Box", NULL};
static const char *const protection_aliases[] = {"example-box-protection", NULL};

static const bulwark_protection example_protection = {
    .struct_size = sizeof(bulwark_protection),
    .name = "example-protection",
    .aliases = protection_aliases,
    .resource_types = protection_types,
    .schemas_json =
        "{\"Example::Box\":{"
        "\"options\":{\"type\":\"object\",\"properties\":{\"label\":{\"type\":\"string\"}},"
        "\"additionalProperties\":false},"
        "\"restore\":{\"type\":\"object\",\"properties\":{\"restore_name\":{\"type\":\"string\"}}},"
        "\"saved_info\":{\"type\":\"object\"}}}",
    .config_schema = NULL,
    .create = no_state_create,
    .destroy = NULL,
    .protect = &protect_operation,
    .restore = &restore_operation,
    .delete_ = &delete_operation,
    .verify = NULL,
};

/* ----------------------------------------------------------------------------------------
 * Bank: objects and leases in memory, behind one mutex
 * -------------------------------------------------------------------------------------- */

typedef struct object { char *key; uint8_t *data; size_t length; } object;
typedef struct lease { char *name; char *owner; double expires_at; } lease;

typedef struct memory_bank {
    pthread_mutex_t lock;
    object *objects; size_t object_count;
    lease *leases; size_t lease_count;
} memory_bank;

typedef struct writer { memory_bank *bank; char *key; uint8_t *data; size_t length; } writer;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bulwark_status bank_create(bulwark_call *call, void *plugin_data, const char *config_json, void **instance) {
    (void)plugin_data; (void)config_json;
    memory_bank *b = calloc(1, sizeof *b);
    if (!b) return fail(call, BULWARK_ERROR, "out of memory");
    pthread_mutex_init(&b->lock, NULL);
    *instance = b;
    return BULWARK_OK;
}

static void bank_destroy(void *instance) {
    memory_bank *b = instance;
    for (size_t i = 0; i < b->object_count; i++) { free(b->objects[i].key); free(b->objects[i].data); }
    for (size_t i = 0; i < b->lease_count; i++) { free(b->leases[i].name); free(b->leases[i].owner); }
    free(b->objects); free(b->leases);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/* Caller holds the lock. */
static object *find_object(memory_bank *b, const char *key) {
    for (size_t i = 0; i < b->object_count; i++)
        if (strcmp(b->objects[i].key, key) == 0) return &b->objects[i];
    return NULL;
}

/* Takes ownership of data. */
static bulwark_status store(bulwark_call *call, memory_bank *b, const char *key, uint8_t *data, size_t length) {
    pthread_mutex_lock(&b->lock);
    object *o = find_object(b, key);
    if (o) {
        free(o->data);
    } else {
        object *grown = realloc(b->objects, (b->object_count + 1) * sizeof *grown);
        if (!grown) { pthread_mutex_unlock(&b->lock); free(data); return fail(call, BULWARK_ERROR, "out of memory"); }
        b->objects = grown;
        o = &b->objects[b->object_count++];
        o->key = strdup(key);
    }
    o->data = data;
    o->length = length;
    pthread_mutex_unlock(&b->lock);
    return BULWARK_OK;
}

static bulwark_status bank_put(bulwark_call *call, void *instance, const char *key, const uint8_t *data, size_t length) {
    uint8_t *copy = malloc(length ? length : 1);
    if (!copy) return fail(call, BULWARK_ERROR, "out of memory");
    if (length) memcpy(copy, data, length);
    return store(call, instance, key, copy, length);
}

static bulwark_status bank_writer_open(bulwark_call *call, void *instance, const char *key, void **out) {
    writer *w = calloc(1, sizeof *w);
    if (!w) return fail(call, BULWARK_ERROR, "out of memory");
    w->bank = instance;
    w->key = strdup(key);
    *out = w;
    return BULWARK_OK;
}

static bulwark_status bank_writer_append(bulwark_call *call, void *wp, const uint8_t *data, size_t length) {
    writer *w = wp;
    uint8_t *grown = realloc(w->data, w->length + length + 1);
    if (!grown) return fail(call, BULWARK_ERROR, "out of memory");
    w->data = grown;
    if (length) memcpy(w->data + w->length, data, length);
    w->length += length;
    return BULWARK_OK;
}

static bulwark_status bank_writer_commit(bulwark_call *call, void *wp) {
    writer *w = wp;
    bulwark_status s = store(call, w->bank, w->key, w->data ? w->data : malloc(1), w->length);
    free(w->key);
    free(w);
    return s;
}

static void bank_writer_abort(void *wp) {
    writer *w = wp;
    free(w->key); free(w->data); free(w);
}

static bulwark_status bank_get(bulwark_call *call, void *instance, const char *key, uint64_t offset, uint64_t length) {
    memory_bank *b = instance;
    pthread_mutex_lock(&b->lock);
    object *o = find_object(b, key);
    bulwark_status s = BULWARK_OK;
    if (!o) {
        s = fail(call, BULWARK_NOT_FOUND, "no such object");
    } else if (offset < o->length) {
        uint64_t n = o->length - offset;
        if (length && length < n) n = length;
        s = host->result_append(call, o->data + offset, (size_t)n);
    }
    pthread_mutex_unlock(&b->lock);
    return s;
}

static bulwark_status bank_head(bulwark_call *call, void *instance, const char *key) {
    memory_bank *b = instance;
    char buffer[64];
    pthread_mutex_lock(&b->lock);
    object *o = find_object(b, key);
    if (o) snprintf(buffer, sizeof buffer, "{\"size\":%zu}", o->length);
    pthread_mutex_unlock(&b->lock);
    return o ? reply(call, buffer) : fail(call, BULWARK_NOT_FOUND, "no such object");
}

static int compare_keys(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bulwark_status bank_list(bulwark_call *call, void *instance, const char *prefix, const char *marker,
                                uint32_t limit, bulwark_sort_dir sort) {
    memory_bank *b = instance;
    size_t prefix_length = prefix ? strlen(prefix) : 0;
    pthread_mutex_lock(&b->lock);
    char **keys = malloc((b->object_count + 1) * sizeof *keys);
    size_t n = 0;
    for (size_t i = 0; i < b->object_count; i++)
        if (!prefix || strncmp(b->objects[i].key, prefix, prefix_length) == 0) keys[n++] = strdup(b->objects[i].key);
    pthread_mutex_unlock(&b->lock);
    qsort(keys, n, sizeof *keys, compare_keys);
    reply(call, "[");
    uint32_t written = 0;
    for (size_t k = 0; k < n; k++) {
        const char *key = keys[sort == BULWARK_SORT_DESC ? n - 1 - k : k];
        int after = !marker || !*marker ||
                    (sort == BULWARK_SORT_DESC ? strcmp(key, marker) < 0 : strcmp(key, marker) > 0);
        if (after && (!limit || written < limit)) {
            if (written++) reply(call, ",");
            reply(call, "\""); reply(call, key); reply(call, "\""); /* keys never need escaping */
        }
    }
    reply(call, "]");
    for (size_t k = 0; k < n; k++) free(keys[k]);
    free(keys);
    return BULWARK_OK;
}

static bulwark_status bank_delete(bulwark_call *call, void *instance, const char *key) {
    (void)call;
    memory_bank *b = instance;
    pthread_mutex_lock(&b->lock);
    object *o = find_object(b, key);
    if (o) {
        free(o->key); free(o->data);
        *o = b->objects[--b->object_count];
    }
    pthread_mutex_unlock(&b->lock);
    return BULWARK_OK;
}

/* Caller holds the lock. */
static lease *find_lease(memory_bank *b, const char *name) {
    for (size_t i = 0; i < b->lease_count; i++)
        if (strcmp(b->leases[i].name, name) == 0) return &b->leases[i];
    return NULL;
}

static bulwark_status take_lease(bulwark_call *call, void *instance, const char *name, const char *owner,
                                 uint32_t ttl, int renew) {
    memory_bank *b = instance;
    double now = now_seconds();
    bulwark_status s = BULWARK_OK;
    pthread_mutex_lock(&b->lock);
    lease *l = find_lease(b, name);
    if (l && strcmp(l->owner, owner) != 0 && l->expires_at > now) {
        s = fail(call, BULWARK_CONFLICT, renew ? "lease taken over by another owner" : "lease held by another owner");
    } else if (!l && renew) {
        s = fail(call, BULWARK_NOT_FOUND, "no such lease");
    } else {
        if (!l) {
            lease *grown = realloc(b->leases, (b->lease_count + 1) * sizeof *grown);
            if (!grown) { pthread_mutex_unlock(&b->lock); return fail(call, BULWARK_ERROR, "out of memory"); }
            b->leases = grown;
            l = &b->leases[b->lease_count++];
            l->name = strdup(name);
            l->owner = NULL;
        }
        if (renew && strcmp(l->owner, owner) != 0) {
            s = fail(call, BULWARK_CONFLICT, "lease taken over by another owner");
        } else {
            free(l->owner);
            l->owner = strdup(owner);
            l->expires_at = now + ttl;
        }
    }
    pthread_mutex_unlock(&b->lock);
    return s;
}

static bulwark_status bank_lease_acquire(bulwark_call *call, void *instance, const char *name, const char *owner, uint32_t ttl) {
    return take_lease(call, instance, name, owner, ttl, 0);
}

static bulwark_status bank_lease_renew(bulwark_call *call, void *instance, const char *name, const char *owner, uint32_t ttl) {
    return take_lease(call, instance, name, owner, ttl, 1);
}

static bulwark_status bank_lease_check(bulwark_call *call, void *instance, const char *name) {
    memory_bank *b = instance;
    char buffer[512];
    pthread_mutex_lock(&b->lock);
    lease *l = find_lease(b, name);
    if (l) snprintf(buffer, sizeof buffer, "{\"owner\":\"%s\",\"expires_at\":%.3f,\"valid\":%s}", l->owner,
                    l->expires_at, l->expires_at > now_seconds() ? "true" : "false");
    pthread_mutex_unlock(&b->lock);
    return l ? reply(call, buffer) : fail(call, BULWARK_NOT_FOUND, "no such lease");
}

static bulwark_status bank_lease_release(bulwark_call *call, void *instance, const char *name, const char *owner) {
    (void)call;
    memory_bank *b = instance;
    pthread_mutex_lock(&b->lock);
    lease *l = find_lease(b, name);
    if (l && strcmp(l->owner, owner) == 0) {
        free(l->name); free(l->owner);
        *l = b->leases[--b->lease_count];
    }
    pthread_mutex_unlock(&b->lock);
    return BULWARK_OK;
}

static const bulwark_bank memory_bank_plugin = {
    .struct_size = sizeof(bulwark_bank),
    .name = "example-memory-bank",
    .aliases = NULL,
    .config_schema = "{\"type\":\"object\"}",
    .create = bank_create,
    .destroy = bank_destroy,
    .put = bank_put,
    .writer_open = bank_writer_open,
    .writer_append = bank_writer_append,
    .writer_commit = bank_writer_commit,
    .writer_abort = bank_writer_abort,
    .get = bank_get,
    .head = bank_head,
    .list = bank_list,
    .delete_ = bank_delete,
    .lease_acquire = bank_lease_acquire,
    .lease_renew = bank_lease_renew,
    .lease_check = bank_lease_check,
    .lease_release = bank_lease_release,
};

/* ----------------------------------------------------------------------------------------
 * The descriptor and the one exported symbol
 * -------------------------------------------------------------------------------------- */

static const bulwark_protectable *const protectables[] = {&shelf_protectable, &box_protectable};
static const bulwark_protection *const protections[] = {&example_protection};
static const bulwark_bank *const banks[] = {&memory_bank_plugin};

static const bulwark_plugin_descriptor descriptor = {
    .abi_major = BULWARK_ABI_VERSION_MAJOR,
    .abi_minor = BULWARK_ABI_VERSION_MINOR,
    .struct_size = sizeof(bulwark_plugin_descriptor),
    .library_name = "example-c",
    .library_version = "1.0.0",
    .protectables = protectables,
    .protectable_count = 2,
    .protections = protections,
    .protection_count = 1,
    .banks = banks,
    .bank_count = 1,
};

BULWARK_PLUGIN_EXPORT bulwark_status bulwark_plugin_init(bulwark_call *call, const bulwark_host *h,
                                                         const bulwark_plugin_descriptor **out) {
    if (h->abi_major != BULWARK_ABI_VERSION_MAJOR) {
        h->set_error(call, "example-c needs plugin ABI 1.x");
        return BULWARK_UNSUPPORTED;
    }
    host = h;
    *out = &descriptor;
    return BULWARK_OK;
}
