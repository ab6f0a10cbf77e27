/*
 * Per-call cost of the Renderiq C ABI, printed as "<name> <ns per call> <calls>" lines for
 * bench/ffi_overhead.sh, which runs bench/ffi_overhead.rs (the same calls from Rust) beside it.
 *
 *   webhook_verify_1k  renderiq_webhook_verify of a 1 KiB body (HMAC-SHA256, no event parsing)
 *   render_get         renderiq_call of a `retrieve_render` call against the local reference
 *                      server: the call JSON parsed, the request, the Render JSON out and freed
 *   op_poll            renderiq_op_poll of a finished operation (what a UI timer calls)
 *
 * Environment: RENDERIQ_BENCH_URL, RENDERIQ_TEST_EMAIL, RENDERIQ_TEST_PASSWORD,
 * RENDERIQ_BENCH_VERIFY_N (default 200000), RENDERIQ_BENCH_GET_N (default 2000).
 */
#include "renderiq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long env_long(const char* name, long fallback) {
    const char* v = getenv(name);
    return v && *v ? atol(v) : fallback;
}

static void die(const char* what, RenderiqError* err) {
    fprintf(stderr, "%s failed: %s\n", what, renderiq_error_message(err));
    exit(1);
}

int main(void) {
    const char* secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const int64_t ts = 1700000000;
    uint8_t body[1024];
    char* sig = NULL;
    RenderiqError* err = NULL;
    long i, n;
    double t0, t1;
    size_t k;

    if (renderiq_abi_version() != RENDERIQ_ABI_VERSION) {
        fprintf(stderr, "ABI mismatch\n");
        return 1;
    }
    for (k = 0; k < sizeof body; k++) body[k] = (uint8_t)('a' + k % 26);
    if (renderiq_webhook_sign(secret, "msg_bench", ts, body, sizeof body, &sig, &err) != RENDERIQ_OK) die("sign", err);

    n = env_long("RENDERIQ_BENCH_VERIFY_N", 200000);
    for (i = 0; i < n / 10; i++) { /* warm-up */
        renderiq_webhook_verify(secret, body, sizeof body, "msg_bench", "1700000000", sig, ts, NULL, NULL);
    }
    t0 = now_ns();
    for (i = 0; i < n; i++) {
        if (renderiq_webhook_verify(secret, body, sizeof body, "msg_bench", "1700000000", sig, ts, NULL, &err) != RENDERIQ_OK)
            die("verify", err);
    }
    t1 = now_ns();
    printf("webhook_verify_1k %.1f %ld\n", (t1 - t0) / (double)n, n);
    renderiq_string_free(sig);

    {
        const char* url = getenv("RENDERIQ_BENCH_URL");
        char config[512];
        RenderiqClient* client = NULL;
        RenderiqOp* op = NULL;
        char* json = NULL;
        char id[128] = "";
        const char* p;
        char call[256];
        uint8_t px[64 * 64 * 4];
        if (!url) return 0;
        snprintf(config, sizeof config, "{\"baseUrl\": \"%s\", \"tokenStore\": \"memory\", \"platform\": \"other\"}", url);
        if (renderiq_client_new(config, &client, &err) != RENDERIQ_OK) die("client_new", err);
        /* The test account's e-mail and password need no JSON escaping. */
        snprintf(call, sizeof call, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"%s\"}",
                 getenv("RENDERIQ_TEST_EMAIL"), getenv("RENDERIQ_TEST_PASSWORD"));
        if (renderiq_call(client, call, NULL, 0, NULL, &err) != RENDERIQ_OK) die("sign_in", err);
        memset(px, 0x80, sizeof px);
        if (renderiq_call_start(client,
                                "{\"call\": \"render\", \"image\": {\"kind\": \"raw\", \"width\": 64, \"height\": 64, "
                                "\"pixelFormat\": \"bgra8\"}, \"settings\": {\"quality\": \"standard\"}}",
                                px, sizeof px, &op, &err) != RENDERIQ_OK)
            die("render_start", err);
        if (renderiq_op_wait(op, RENDERIQ_WAIT_FOREVER, &json, &err) != RENDERIQ_OK) die("op_wait", err);
        p = strstr(json, "\"id\":\"");
        if (p) {
            p += 6;
            for (k = 0; p[k] && p[k] != '"' && k + 1 < sizeof id; k++) id[k] = p[k];
            id[k] = '\0';
        }
        renderiq_string_free(json);
        snprintf(call, sizeof call, "{\"call\": \"retrieve_render\", \"id\": \"%s\"}", id);

        n = env_long("RENDERIQ_BENCH_GET_N", 2000);
        for (i = 0; i < n / 10; i++) { /* warm-up: connection pool, session */
            renderiq_call(client, call, NULL, 0, &json, NULL);
            renderiq_string_free(json);
        }
        t0 = now_ns();
        for (i = 0; i < n; i++) {
            if (renderiq_call(client, call, NULL, 0, &json, &err) != RENDERIQ_OK) die("render_get", err);
            renderiq_string_free(json);
        }
        t1 = now_ns();
        printf("render_get %.1f %ld\n", (t1 - t0) / (double)n, n);

        n = env_long("RENDERIQ_BENCH_VERIFY_N", 200000) * 5;
        t0 = now_ns();
        for (i = 0; i < n; i++) {
            if (renderiq_op_poll(op) != 1) die("op_poll", NULL);
        }
        t1 = now_ns();
        printf("op_poll %.1f %ld\n", (t1 - t0) / (double)n, n);
        renderiq_op_free(op);
        renderiq_client_free(client);
    }
    return 0;
}
