/*
 * abi10_bank.c — a bank built as a plugin for ABI 1.0 was: its table ends before
 * writer_open_sized (added in 1.1). The slot past its struct_size holds a bad pointer,
 * so a host that read past the declared size would crash. It keeps one object in memory
 * (every key is the same object), enough to see a write arrive through writer_open.
 */
#include "bulwark_plugin.h"

#include <stdlib.h>
#include <string.h>

static const bulwark_host *host;
static uint8_t object[1 << 16];
static size_t object_length;
static uint8_t pending[1 << 16];
static size_t pending_length;
static int writer_token;

static bulwark_status create(bulwark_call *c, void *d, const char *cfg, void **i) {
    (void)c; (void)d; (void)cfg; *i = &writer_token; return BULWARK_OK;
}
static void destroy(void *i) { (void)i; }
static bulwark_status put(bulwark_call *c, void *i, const char *k, const uint8_t *data, size_t n) {
    (void)c; (void)i; (void)k;
    if (n > sizeof object) return BULWARK_INVALID_ARGUMENT;
    memcpy(object, data, n);
    object_length = n;
    return BULWARK_OK;
}
static bulwark_status writer_open(bulwark_call *c, void *i, const char *k, void **w) {
    (void)c; (void)i; (void)k;
    pending_length = 0;
    *w = &writer_token;
    return BULWARK_OK;
}
static bulwark_status writer_append(bulwark_call *c, void *w, const uint8_t *data, size_t n) {
    (void)c; (void)w;
    if (pending_length + n > sizeof pending) return BULWARK_INVALID_ARGUMENT;
    memcpy(pending + pending_length, data, n);
    pending_length += n;
    return BULWARK_OK;
}
static bulwark_status writer_commit(bulwark_call *c, void *w) {
    (void)c; (void)w;
    memcpy(object, pending, pending_length);
    object_length = pending_length;
    return BULWARK_OK;
}
static void writer_abort(void *w) { (void)w; }
static bulwark_status get(bulwark_call *c, void *i, const char *k, uint64_t offset, uint64_t length) {
    (void)i; (void)k; (void)offset; (void)length;
    return host->result_append(c, object, object_length);
}
static bulwark_status head(bulwark_call *c, void *i, const char *k) {
    (void)i; (void)k;
    return host->result_append(c, (const uint8_t *)"{\"size\": 0}", 11);
}
static bulwark_status list(bulwark_call *c, void *i, const char *p, const char *m, uint32_t l, bulwark_sort_dir s) {
    (void)i; (void)p; (void)m; (void)l; (void)s;
    return host->result_append(c, (const uint8_t *)"[]", 2);
}
static bulwark_status delete_(bulwark_call *c, void *i, const char *k) { (void)c; (void)i; (void)k; return BULWARK_OK; }
static bulwark_status lease(bulwark_call *c, void *i, const char *l, const char *o, uint32_t t) {
    (void)c; (void)i; (void)l; (void)o; (void)t; return BULWARK_OK;
}
static bulwark_status lease_check(bulwark_call *c, void *i, const char *l) { (void)c; (void)i; (void)l; return BULWARK_NOT_FOUND; }
static bulwark_status lease_release(bulwark_call *c, void *i, const char *l, const char *o) {
    (void)c; (void)i; (void)l; (void)o; return BULWARK_OK;
}

static const bulwark_bank bank = {
    .struct_size = offsetof(bulwark_bank, writer_open_sized),  /* as sizeof(bulwark_bank) in 1.0 */
    .name = "abi10-bank",
    .create = create,
    .destroy = destroy,
    .put = put,
    .writer_open = writer_open,
    .writer_append = writer_append,
    .writer_commit = writer_commit,
    .writer_abort = writer_abort,
    .get = get,
    .head = head,
    .list = list,
    .delete_ = delete_,
    .lease_acquire = lease,
    .lease_renew = lease,
    .lease_check = lease_check,
    .lease_release = lease_release,
    /* Past struct_size: never to be read. */
    .writer_open_sized = (bulwark_status (*)(bulwark_call *, void *, const char *, uint64_t, void **))1,
};
static const bulwark_bank *const banks[] = {&bank};

static const bulwark_plugin_descriptor descriptor = {
    .abi_major = 1,
    .abi_minor = 0,
    .struct_size = sizeof(bulwark_plugin_descriptor),
    .library_name = "abi10",
    .library_version = "1.0.0",
    .banks = banks,
    .bank_count = 1,
};

BULWARK_PLUGIN_EXPORT bulwark_status bulwark_plugin_init(bulwark_call *call, const bulwark_host *h,
                                                         const bulwark_plugin_descriptor **out) {
    (void)call;
    host = h;
    *out = &descriptor;
    return BULWARK_OK;
}
