/*
 * slow_plugin.c — a protection plugin whose protect on_main takes as long as it is told,
 * for the hook-timeout tests (issue #15, item 3).
 *
 * Options (the provider file's `options:`, read with strstr, not a JSON parser):
 *   "seconds": N      how long on_main takes (default 3600: for ever, as far as a test goes)
 *   "honour": true    return BULWARK_CANCELLED as soon as is_cancelled says so; without it
 *                     on_main ignores cancellation and sleeps its whole time
 *   "late": "PATH"    once its time is up, try one bank_put ("late") and write the status
 *                     it got and the host's message to PATH, so a test can see what an
 *                     abandoned hook's services answer
 */
#define _POSIX_C_SOURCE 200809L
#include "bulwark_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const bulwark_host *host;

typedef struct {
    double seconds;
    int honour;
    char late[1024];
} options;

static bulwark_status create(bulwark_call *call, void *data, const char *cfg, void **out) {
    (void)call; (void)data;
    options *o = calloc(1, sizeof *o);
    if (!o) return BULWARK_ERROR;
    o->seconds = 3600;
    const char *s = strstr(cfg, "\"seconds\":");
    if (s) o->seconds = strtod(s + strlen("\"seconds\":"), NULL);
    o->honour = strstr(cfg, "\"honour\":true") != NULL;
    const char *l = strstr(cfg, "\"late\":\"");
    if (l) {
        l += strlen("\"late\":\"");
        size_t n = 0;
        while (l[n] && l[n] != '"' && n + 1 < sizeof o->late) n++;
        memcpy(o->late, l, n);
        o->late[n] = 0;
    }
    *out = o;
    return BULWARK_OK;
}

static void destroy(void *instance) { free(instance); }

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bulwark_status protect_main(bulwark_call *call, void *instance, const bulwark_hook_args *args) {
    (void)args;
    const options *o = instance;
    double end = now() + o->seconds;
    struct timespec step = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    while (now() < end) {
        if (o->honour && host->is_cancelled(call)) {
            host->set_error(call, "stopped: cancelled");
            return BULWARK_CANCELLED;
        }
        nanosleep(&step, NULL);
    }
    if (o->late[0]) {
        bulwark_status s = host->bank_put(call, "late", (const uint8_t *)"x", 1);
        FILE *f = fopen(o->late, "w");
        if (f) {
            fprintf(f, "%d\n", (int)s);
            fclose(f);
        }
    }
    return BULWARK_OK;
}

static const bulwark_operation protect_operation = {
    .struct_size = sizeof(bulwark_operation),
    .on_main = protect_main,
};

static const char *const any_type[] = {"*", NULL};
static const bulwark_protection protection = {
    .struct_size = sizeof(bulwark_protection),
    .name = "slow-protection",
    .resource_types = any_type,
    .create = create,
    .destroy = destroy,
    .protect = &protect_operation,
};
static const bulwark_protection *const protections[] = {&protection};

static const bulwark_plugin_descriptor descriptor = {
    .abi_major = BULWARK_ABI_VERSION_MAJOR,
    .abi_minor = BULWARK_ABI_VERSION_MINOR,
    .struct_size = sizeof(bulwark_plugin_descriptor),
    .library_name = "slow-c",
    .library_version = "1.0.0",
    .protections = protections,
    .protection_count = 1,
};

BULWARK_PLUGIN_EXPORT bulwark_status bulwark_plugin_init(bulwark_call *call, const bulwark_host *h,
                                                         const bulwark_plugin_descriptor **out) {
    (void)call;
    host = h;
    *out = &descriptor;
    return BULWARK_OK;
}
