/*
 * bulwark_plugin.h — the Bulwark plugin ABI, version 1.2 (1.1 added bank_writer_open_sized and bulwark_bank.writer_open_sized; 1.2 added bulwark_hook_args.restore_json).
 *
 * This is the only file a third party needs to write a Bulwark plugin. It is plain C99,
 * depends on nothing but <stddef.h> and <stdint.h>, and is stable: within major version 1
 * every change is an addition at the end of a struct, announced by a new minor version.
 *
 * A plugin library is a shared object (.so) that exports one symbol,
 * `bulwark_plugin_init` (see BULWARK_PLUGIN_INIT_SYMBOL), which returns a descriptor: the
 * ABI version it was built for, its name and version, and tables of
 *   - protectable plugins: each owns one resource type (list, show, dependents);
 *   - protection plugins:  each owns one or more resource types (schemas, and the
 *                          protect / restore / delete / verify operations, four hooks each);
 *   - bank plugins:        key/value object stores with leases.
 * One library may provide any number of each.
 *
 * ----------------------------------------------------------------------------------------
 * Conventions that hold for every function below
 * ----------------------------------------------------------------------------------------
 *
 * Strings.   Every `const char *` is NUL-terminated UTF-8. Structured data crosses the
 *            boundary as JSON text (RFC 8259) in such strings; bytes cross as
 *            (pointer, length) pairs and may contain NUL.
 *
 * Ownership. Nothing is ever freed across the boundary with the other side's allocator.
 *            - A pointer the host passes in is borrowed: valid until the function returns,
 *              never freed by the plugin. Copy what you keep.
 *            - A plugin returns data by calling host->result_append (and errors by
 *              host->set_error); the host copies immediately, so the plugin may free or
 *              reuse its buffer as soon as that call returns.
 *            - Data the host returns to a plugin (bank_get, new_resource_get) is a
 *              bulwark_bytes the plugin owns and must release with host->bytes_free.
 *            - Descriptor tables, names and schema strings returned by init are owned by
 *              the plugin and must stay valid and unchanged while the library is loaded.
 *              The host never calls dlclose on a plugin library, so static storage is the
 *              natural choice.
 *
 * Status.    Every call returns a bulwark_status. On anything but BULWARK_OK the plugin
 *            should call host->set_error(call, "...") first: the host shows that message
 *            as it is, prefixed with the plugin's name. Never put secrets (tokens,
 *            passwords, keys) in messages or logs.
 *
 * Calls.     Every entry point receives a `bulwark_call *`, an opaque handle to this one
 *            invocation. It is valid only until the entry point returns and must be passed
 *            to the host services used during the invocation (it routes results, errors,
 *            logs, progress, cancellation and the bank section to the right place). Never
 *            keep it, never use it from another invocation.
 *
 * Threads.   The host calls a plugin from threads of its own, never from a thread the
 *            plugin created. Unless a function says otherwise:
 *            - create/destroy of an instance are never concurrent with any other call on
 *              that same instance;
 *            - every other call on one instance may run concurrently with others on the
 *              same instance, from different threads (hooks for different resources run
 *              at the same time). Guard shared state in the instance yourself.
 *            - every host service is thread-safe and may be called from any thread while
 *              its `call` is valid; services may block (bank I/O), so call them from the
 *              thread the host called you on, or one you wait for.
 *
 * Versions.  BULWARK_ABI_VERSION_MAJOR changes only for an incompatible change; the host
 *            refuses a library built for another major version. Every struct begins with
 *            (or carries) `struct_size`; a newer minor version only appends fields, and a
 *            reader never reads past the size the writer declared. So a plugin built for
 *            1.0 keeps working with a 1.x host, and a 1.x plugin must check
 *            host->struct_size before using a service added after 1.0.
 */
#ifndef BULWARK_PLUGIN_H
#define BULWARK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BULWARK_ABI_VERSION_MAJOR 1
#define BULWARK_ABI_VERSION_MINOR 2

/* The one symbol a plugin library exports. Its type is bulwark_plugin_init_fn. */
#define BULWARK_PLUGIN_INIT_SYMBOL "bulwark_plugin_init"

#if defined(__GNUC__) || defined(__clang__)
#define BULWARK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define BULWARK_PLUGIN_EXPORT
#endif

/* ---------------------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------------------- */

typedef int32_t bulwark_status;

#define BULWARK_OK                0  /* success */
#define BULWARK_ERROR             1  /* failure; the message set with set_error says why */
#define BULWARK_NOT_FOUND         2  /* the resource, object or lease does not exist */
#define BULWARK_INVALID_ARGUMENT  3  /* the input was malformed (bad JSON, bad key, ...) */
#define BULWARK_CANCELLED         4  /* the plugin saw host->is_cancelled and stopped */
#define BULWARK_UNSUPPORTED       5  /* the plugin does not implement this */
#define BULWARK_CONFLICT          6  /* a lease is held by another owner */

/* ---------------------------------------------------------------------------------------
 * Small shared types
 * ------------------------------------------------------------------------------------- */

/* An invocation handle. Opaque; see "Calls" above. */
typedef struct bulwark_call bulwark_call;

/* Bytes the host hands to a plugin. The plugin owns them and releases them with
 * host->bytes_free exactly once. `data` may be NULL when `length` is 0. */
typedef struct bulwark_bytes {
    uint8_t *data;
    size_t length;
} bulwark_bytes;

typedef enum bulwark_log_level {
    BULWARK_LOG_DEBUG = 0,
    BULWARK_LOG_INFO = 1,
    BULWARK_LOG_WARNING = 2,
    BULWARK_LOG_ERROR = 3
} bulwark_log_level;

typedef enum bulwark_sort_dir {
    BULWARK_SORT_ASC = 0,
    BULWARK_SORT_DESC = 1
} bulwark_sort_dir;

/* ---------------------------------------------------------------------------------------
 * Host services: what the host offers a plugin. Passed to bulwark_plugin_init; the
 * pointer stays valid while the library is loaded, so a plugin may keep it.
 * ------------------------------------------------------------------------------------- */

typedef struct bulwark_host {
    /* sizeof(bulwark_host) as the host was built; check it before using a service added
     * after 1.0. */
    size_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;

    /* -- results and errors (every entry point) -------------------------------------- */

    /* Append `length` bytes to the call's result. The host copies them. Entry points that
     * "return JSON" or "return bytes" do so through this; calling it several times
     * concatenates. Returns BULWARK_OK, or BULWARK_INVALID_ARGUMENT for a NULL call. */
    bulwark_status (*result_append)(bulwark_call *call, const uint8_t *data, size_t length);

    /* Set the call's error message (UTF-8, copied). The last one set wins. */
    void (*set_error)(bulwark_call *call, const char *message);

    /* -- logging, progress, cancellation (every entry point) ------------------------- */

    /* Log a line (copied) under the plugin's name. Never log secrets. */
    void (*log)(bulwark_call *call, bulwark_log_level level, const char *message);

    /* Report progress of a long hook: `fraction` in [0, 1], `message` may be NULL. */
    void (*progress)(bulwark_call *call, double fraction, const char *message);

    /* Non-zero once the run this call belongs to was cancelled (a failure elsewhere, or
     * the user interrupted), or once this hook ran past its provider's hook_timeout. A
     * long hook should check it and return BULWARK_CANCELLED. A hook that has not
     * returned hook_cancel_grace seconds after a timeout is abandoned: its resource ends
     * in error, the run goes on without it, and from then on every service of the call
     * except set_error, result_append and is_cancelled refuses with BULWARK_CANCELLED
     * (log and progress are dropped). The call stays valid until the hook returns. */
    int (*is_cancelled)(bulwark_call *call);

    /* -- the bank section (operation hooks only; elsewhere they return
     *    BULWARK_UNSUPPORTED) ---------------------------------------------------------
     * Keys are relative to the section the host gives this resource
     * (/checkpoints/<id>/resource-data/<resource id>/ in the bank): a plugin cannot see
     * or touch anything outside it. Keys match ^[A-Za-z0-9/_.@-]+$, hold no "." or ".."
     * parts, and are normalised like paths; anything else is BULWARK_INVALID_ARGUMENT.
     * The section is read-only during restore and verify (writes give
     * BULWARK_UNSUPPORTED). A put that returns BULWARK_OK is durable. */

    /* Store `length` bytes under `key`, replacing any object there. */
    bulwark_status (*bank_put)(bulwark_call *call, const char *key,
                               const uint8_t *data, size_t length);

    /* Write a large object in pieces: open, append any number of times, then commit
     * (the object appears whole, or not at all) or abort. `*writer` is an opaque handle
     * valid until commit or abort, usable only within `call`. */
    bulwark_status (*bank_writer_open)(bulwark_call *call, const char *key, void **writer);
    bulwark_status (*bank_writer_append)(bulwark_call *call, void *writer,
                                         const uint8_t *data, size_t length);
    bulwark_status (*bank_writer_commit)(bulwark_call *call, void *writer);
    void (*bank_writer_abort)(bulwark_call *call, void *writer);

    /* Read up to `length` bytes from `offset` of the object at `key` into `*out` (owned by
     * the plugin; release with bytes_free). `length` 0 means "to the end".
     * BULWARK_NOT_FOUND when there is no such object. */
    bulwark_status (*bank_get)(bulwark_call *call, const char *key, uint64_t offset,
                               uint64_t length, bulwark_bytes *out);

    /* List keys under `prefix` (relative, may be "" or NULL), strictly after `marker`
     * (NULL or "" for the start), at most `limit` (0 = no limit), in `sort` order.
     * `*out` receives a JSON array of key strings (owned by the plugin). */
    bulwark_status (*bank_list)(bulwark_call *call, const char *prefix, const char *marker,
                                uint32_t limit, bulwark_sort_dir sort, bulwark_bytes *out);

    /* Delete the object at `key`. Deleting a missing object is BULWARK_OK. */
    bulwark_status (*bank_delete)(bulwark_call *call, const char *key);

    /* -- the restore's new-resources map (restore hooks only) ------------------------- */

    /* Record that the resource with original id `old_id` was restored as `new_id`. */
    bulwark_status (*new_resource_set)(bulwark_call *call, const char *old_id,
                                       const char *new_id);

    /* Look up the new id of `old_id` into `*out` (UTF-8, not NUL-terminated, owned by the
     * plugin). BULWARK_NOT_FOUND when that resource was not restored (yet). Children
     * complete before parents, so a parent's on_complete finds every child's entry. */
    bulwark_status (*new_resource_get)(bulwark_call *call, const char *old_id,
                                       bulwark_bytes *out);

    /* Release bytes the host gave the plugin. NULL data is fine. */
    void (*bytes_free)(bulwark_bytes *bytes);

    /* -- added in 1.1: use only when host->struct_size >= offsetof(bulwark_host,
     *    bank_writer_open_sized) + sizeof(void *) ------------------------------------- */

    /* bank_writer_open for an object of exactly `size` bytes. A bank may then send the
     * object as one request with its length instead of in segments (the Swift bank does,
     * up to its single_put_max). The host fails an append past `size` and a commit short
     * of it with BULWARK_INVALID_ARGUMENT, and the object is not written. Use it when
     * the size is known before the first byte (a volume, a file); else bank_writer_open. */
    bulwark_status (*bank_writer_open_sized)(bulwark_call *call, const char *key,
                                             uint64_t size, void **writer);
} bulwark_host;

/* ---------------------------------------------------------------------------------------
 * Protectable plugins
 * ------------------------------------------------------------------------------------- */

/* A resource, in JSON: {"type": "...", "id": "...", "name": "...", "extra_info": {...}}.
 * `extra_info` is optional (an object when present). */

typedef struct bulwark_protectable {
    size_t struct_size;            /* sizeof(bulwark_protectable) as the plugin was built */
    const char *resource_type;     /* e.g. "OS::Kubernetes::Pod"; unique across the host */
    const char *const *parent_types; /* types this one can depend on; NULL-terminated;
                                        NULL means none */
    const char *config_schema;     /* JSON Schema of the provider's options for this
                                      plugin, or NULL for "any object" */
    void *plugin_data;             /* passed back unchanged to create */

    /* Make an instance for one provider. `config_json` is the provider's options for this
     * plugin (a JSON object, "{}" when none). Store the instance in `*instance`.
     * Called once per provider, before any other call on that instance. */
    bulwark_status (*create)(bulwark_call *call, void *plugin_data, const char *config_json,
                             void **instance);

    /* Release an instance. No other call on it is running or will run. May be NULL. */
    void (*destroy)(void *instance);

    /* Return (result_append) a JSON array of resources of this type. `parameters_json`
     * is a JSON object of query parameters (may be "{}"). */
    bulwark_status (*list_resources)(bulwark_call *call, void *instance,
                                     const char *parameters_json);

    /* Return a JSON resource with id `resource_id`, or BULWARK_NOT_FOUND. */
    bulwark_status (*show_resource)(bulwark_call *call, void *instance,
                                    const char *resource_id);

    /* Return a JSON array of resources of this type that depend on `parent_json` (a
     * resource of one of parent_types). An empty array when there are none. Called
     * concurrently for different parents. */
    bulwark_status (*get_dependent_resources)(bulwark_call *call, void *instance,
                                              const char *parent_json);
} bulwark_protectable;

/* ---------------------------------------------------------------------------------------
 * Protection plugins
 * ------------------------------------------------------------------------------------- */

/* What a hook is told about the resource and the run. All strings borrowed. */
typedef struct bulwark_hook_args {
    size_t struct_size;          /* sizeof(bulwark_hook_args) as the host was built */
    const char *resource_json;   /* the resource: {"type","id","name","extra_info"} */
    const char *parameters_json; /* options (protect) or restore parameters (restore),
                                    validated against the plugin's schema; "{}" if none */
    const char *checkpoint_id;
    const char *provider_id;
    const char *restore_id;      /* NULL unless the operation is a restore */
    const char *checkpoint_json; /* the checkpoint's index object as JSON */
    /* Added in ABI 1.2 (read it only when struct_size covers it): restore and verify
     * only, else NULL: {"restore_target": URL or null, "restore_auth": {"type":
     * "password", "username", "password"} or null}, as the API's caller gave them. It
     * may hold a password: never log it, never store it. */
    const char *restore_json;
} bulwark_hook_args;

/* One hook. Return BULWARK_OK, or an error status after set_error. */
typedef bulwark_status (*bulwark_hook_fn)(bulwark_call *call, void *instance,
                                          const bulwark_hook_args *args);

/* One operation (protect, restore, delete, verify) for one resource: four optional
 * hooks. NULL hooks are skipped. For a parent P and each of its dependents C, the host
 * guarantees, as Karbor does:
 *   P.on_prepare_begin  before C.on_prepare_begin
 *   C.on_prepare_finish before P.on_prepare_finish
 *   C.on_complete       before P.on_complete
 * and per resource begin -> finish -> main -> complete. Nothing else orders on_main:
 * mains of different resources run in parallel. */
typedef struct bulwark_operation {
    size_t struct_size;
    bulwark_hook_fn on_prepare_begin;
    bulwark_hook_fn on_prepare_finish;
    bulwark_hook_fn on_main;
    bulwark_hook_fn on_complete;
} bulwark_operation;

typedef struct bulwark_protection {
    size_t struct_size;            /* sizeof(bulwark_protection) as the plugin was built */
    const char *name;              /* e.g. "bulwark-noop-protection"; unique */
    const char *const *aliases;    /* other names a provider file may use (e.g. Karbor's
                                      "karbor-noop-protection-plugin"); NULL-terminated;
                                      NULL means none */
    const char *const *resource_types; /* types it protects; NULL-terminated; the single
                                          entry "*" means every type */
    /* JSON object: resource type (or "*") -> {"options": S, "restore": S,
     * "saved_info": S, "verify": S}, each S a JSON Schema; missing kinds mean "an
     * object, anything goes". */
    const char *schemas_json;
    const char *config_schema;     /* JSON Schema of its provider options, or NULL */
    void *plugin_data;             /* passed back unchanged to create */

    bulwark_status (*create)(bulwark_call *call, void *plugin_data, const char *config_json,
                             void **instance);
    void (*destroy)(void *instance);

    /* The operations; NULL means the plugin does nothing for that operation. */
    const bulwark_operation *protect;
    const bulwark_operation *restore;
    const bulwark_operation *delete_;  /* "delete" is a C++ keyword */
    const bulwark_operation *verify;
} bulwark_protection;

/* ---------------------------------------------------------------------------------------
 * Bank plugins
 * ------------------------------------------------------------------------------------- */

/* A bank stores objects (bytes) under keys. Keys reaching a bank have been validated and
 * normalised by the host: they match ^/[A-Za-z0-9/_.@-]+$, hold no "." / ".." parts or
 * "//". Every function may be called concurrently on one instance (writers of different
 * keys, readers, listers). A put or commit that returns BULWARK_OK is durable; a crash
 * never leaves a half-written object readable. */
typedef struct bulwark_bank {
    size_t struct_size;            /* sizeof(bulwark_bank) as the plugin was built */
    const char *name;              /* e.g. "bulwark-sqlite-bank" */
    const char *const *aliases;    /* NULL-terminated, or NULL */
    const char *config_schema;     /* JSON Schema of its options, or NULL */
    void *plugin_data;

    bulwark_status (*create)(bulwark_call *call, void *plugin_data, const char *config_json,
                             void **instance);
    void (*destroy)(void *instance);

    bulwark_status (*put)(bulwark_call *call, void *instance, const char *key,
                          const uint8_t *data, size_t length);
    /* Pieces: open gives a writer; append; commit makes the object visible whole. */
    bulwark_status (*writer_open)(bulwark_call *call, void *instance, const char *key,
                                  void **writer);
    bulwark_status (*writer_append)(bulwark_call *call, void *writer, const uint8_t *data,
                                    size_t length);
    bulwark_status (*writer_commit)(bulwark_call *call, void *writer);
    void (*writer_abort)(void *writer);
    /* Return (result_append) bytes [offset, offset+length) of the object; length 0 means
     * to the end. BULWARK_NOT_FOUND when missing. */
    bulwark_status (*get)(bulwark_call *call, void *instance, const char *key,
                          uint64_t offset, uint64_t length);
    /* Return JSON {"size": n} for the object, or BULWARK_NOT_FOUND. */
    bulwark_status (*head)(bulwark_call *call, void *instance, const char *key);
    /* Return a JSON array of keys starting with `prefix`, strictly after `marker` in the
     * sort order (NULL: from the start), at most `limit` (0: all). */
    bulwark_status (*list)(bulwark_call *call, void *instance, const char *prefix,
                           const char *marker, uint32_t limit, bulwark_sort_dir sort);
    /* Delete; missing is BULWARK_OK. */
    bulwark_status (*delete_)(bulwark_call *call, void *instance, const char *key);

    /* Leases: a named lock with an owner and an expiry, as Karbor's bank leases.
     * acquire: take `lease` for `owner` for `ttl_seconds`; BULWARK_CONFLICT if another
     *          owner holds it and it has not expired (an expired lease is taken over).
     * renew:   extend a lease `owner` holds; BULWARK_CONFLICT if another owner holds it (it
     *          expired and was taken over), BULWARK_NOT_FOUND if there is no such lease.
     * check:   return JSON {"owner": "...", "expires_at": <unix seconds>, "valid": bool}
     *          or BULWARK_NOT_FOUND.
     * release: drop the lease if `owner` holds it. */
    bulwark_status (*lease_acquire)(bulwark_call *call, void *instance, const char *lease,
                                    const char *owner, uint32_t ttl_seconds);
    bulwark_status (*lease_renew)(bulwark_call *call, void *instance, const char *lease,
                                  const char *owner, uint32_t ttl_seconds);
    bulwark_status (*lease_check)(bulwark_call *call, void *instance, const char *lease);
    bulwark_status (*lease_release)(bulwark_call *call, void *instance, const char *lease,
                                    const char *owner);

    /* -- added in 1.1; the host reads it only when struct_size covers it -------------- */

    /* writer_open for an object of exactly `size` bytes (the host checks that exactly
     * `size` bytes are appended before it calls commit). NULL: the host uses writer_open
     * and the bank learns the size only at commit. */
    bulwark_status (*writer_open_sized)(bulwark_call *call, void *instance, const char *key,
                                        uint64_t size, void **writer);
} bulwark_bank;

/* ---------------------------------------------------------------------------------------
 * The descriptor and the init symbol
 * ------------------------------------------------------------------------------------- */

typedef struct bulwark_plugin_descriptor {
    /* These three fields never move, in any version. */
    uint32_t abi_major;            /* BULWARK_ABI_VERSION_MAJOR the plugin was built for */
    uint32_t abi_minor;            /* BULWARK_ABI_VERSION_MINOR the plugin was built for */
    size_t struct_size;            /* sizeof(bulwark_plugin_descriptor) as built */

    const char *library_name;      /* e.g. "bulwark-noop"; shown in every message */
    const char *library_version;   /* free form, e.g. "1.2.0" */

    /* Tables: arrays of `count` pointers, none NULL. A count of 0 allows a NULL array. */
    const bulwark_protectable *const *protectables;
    size_t protectable_count;
    const bulwark_protection *const *protections;
    size_t protection_count;
    const bulwark_bank *const *banks;
    size_t bank_count;
} bulwark_plugin_descriptor;

/* The exported entry point.
 *
 * Called once, right after dlopen, on one thread, before anything else in the library.
 * `host` stays valid while the library is loaded. `call` is valid during this call only;
 * use it to set_error. On success store the descriptor in `*out` and return BULWARK_OK;
 * the descriptor and everything it points to must stay valid and unchanged while the
 * library is loaded. A plugin that cannot work with host->abi_major should set_error and
 * return BULWARK_UNSUPPORTED; the host also checks descriptor->abi_major itself. */
typedef bulwark_status (*bulwark_plugin_init_fn)(bulwark_call *call, const bulwark_host *host,
                                                 const bulwark_plugin_descriptor **out);

BULWARK_PLUGIN_EXPORT bulwark_status bulwark_plugin_init(bulwark_call *call,
                                                         const bulwark_host *host,
                                                         const bulwark_plugin_descriptor **out);

#ifdef __cplusplus
}
#endif

#endif /* BULWARK_PLUGIN_H */
