/*
 * threaded_plugin.c — a plugin that uses the host from several threads at once, as the
 * header allows ("every host service is thread-safe"), and an init that notices being
 * run twice, which the header forbids the host to do. For HostConcurrencyTests.
 *
 * Its protect on_main starts THREADS threads. Each opens, fills and commits WRITERS
 * writers of its own (t<i>-<j>: CHUNKS chunks of 8 bytes), appends 8-byte records to
 * one writer all threads share ("shared"), reports errors and logs; the main thread then
 * commits the shared writer. Its init sleeps a little, so that two loads at once overlap.
 */
#define _POSIX_C_SOURCE 200809L
#include "bulwark_plugin.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define THREADS 4
#define WRITERS 40
#define CHUNKS 25

static const bulwark_host *host;
static atomic_int inits;

typedef struct {
    bulwark_call *call;
    void *shared;
    int index;
    bulwark_status status;
} worker;

static void *work(void *p) {
    worker *w = p;
    uint8_t chunk[8];
    memset(chunk, 'a' + w->index, sizeof chunk);
    for (int j = 0; j < WRITERS && w->status == BULWARK_OK; j++) {
        char key[32];
        snprintf(key, sizeof key, "t%d-%d", w->index, j);
        void *writer = NULL;
        bulwark_status s = host->bank_writer_open(w->call, key, &writer);
        for (int k = 0; k < CHUNKS && s == BULWARK_OK; k++) s = host->bank_writer_append(w->call, writer, chunk, sizeof chunk);
        if (s == BULWARK_OK) s = host->bank_writer_commit(w->call, writer);
        if (s == BULWARK_OK) s = host->bank_writer_append(w->call, w->shared, chunk, sizeof chunk);
        host->set_error(w->call, "a message from a worker thread");
        host->log(w->call, BULWARK_LOG_DEBUG, "a worker wrote a writer");
        w->status = s;
    }
    return NULL;
}

static bulwark_status create(bulwark_call *c, void *d, const char *cfg, void **i) {
    (void)c; (void)d; (void)cfg; *i = NULL; return BULWARK_OK;
}

static bulwark_status protect_main(bulwark_call *call, void *instance, const bulwark_hook_args *args) {
    (void)instance; (void)args;
    void *shared = NULL;
    bulwark_status s = host->bank_writer_open(call, "shared", &shared);
    if (s != BULWARK_OK) return s;
    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){.call = call, .shared = shared, .index = i, .status = BULWARK_OK};
        if (pthread_create(&threads[i], NULL, work, &workers[i]) != 0) {
            host->set_error(call, "pthread_create failed");
            return BULWARK_ERROR;
        }
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        if (workers[i].status != BULWARK_OK) return workers[i].status;
    }
    return host->bank_writer_commit(call, shared);
}

static const bulwark_operation protect_operation = {
    .struct_size = sizeof(bulwark_operation),
    .on_main = protect_main,
};

static const char *const any_type[] = {"*", NULL};
static const bulwark_protection protection = {
    .struct_size = sizeof(bulwark_protection),
    .name = "threaded-protection",
    .resource_types = any_type,
    .create = create,
    .protect = &protect_operation,
};
static const bulwark_protection *const protections[] = {&protection};

static const bulwark_plugin_descriptor descriptor = {
    .abi_major = BULWARK_ABI_VERSION_MAJOR,
    .abi_minor = BULWARK_ABI_VERSION_MINOR,
    .struct_size = sizeof(bulwark_plugin_descriptor),
    .library_name = "threaded-c",
    .library_version = "1.0.0",
    .protections = protections,
    .protection_count = 1,
};

BULWARK_PLUGIN_EXPORT bulwark_status bulwark_plugin_init(bulwark_call *call, const bulwark_host *h,
                                                         const bulwark_plugin_descriptor **out) {
    if (atomic_fetch_add(&inits, 1) != 0) {
        h->set_error(call, "init ran twice");
        return BULWARK_ERROR;
    }
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    host = h;
    *out = &descriptor;
    return BULWARK_OK;
}
