/*
 * C tests of the Renderiq C ABI (renderiq.h), against a running reference server.
 *
 *   test_ffi <group>      groups: abi misuse image webhooks auth errors resources render ops
 *                         withdraw threads call
 *
 * Environment (set by scripts/test-ffi.sh through CTest):
 *   RENDERIQ_TEST_BASE_URL     reference server (fast renders)
 *   RENDERIQ_TEST_SLOW_URL     reference server with --render-delay-ms 3000
 *   RENDERIQ_TEST_RATE_URL     reference server with --create-rate-limit 1
 *   RENDERIQ_TEST_WITHDRAW_URL reference server with --workers 1 --render-delay-ms 20000
 *   RENDERIQ_TEST_WITHDRAW_EMAIL  a user of its own on that server, one per test run (CTest sets
 *                              it), so that no other test moves its balance meanwhile
 *   RENDERIQ_TEST_EMAIL / RENDERIQ_TEST_PASSWORD             a user with credits on the first three
 *   RENDERIQ_TEST_POOR_EMAIL / RENDERIQ_TEST_POOR_PASSWORD   a user without credits (base)
 *
 * Every group ends by checking that renderiq_live_object_count() is back where it started, so a
 * string, error or handle the test forgot to free fails the test even when valgrind would only
 * call it "still reachable".
 */
#include "renderiq.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef _WIN32
#include <pthread.h>
#include <unistd.h>
#endif

static int g_checks = 0;
static int g_failures = 0;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        g_checks++;                                                                     \
        if (!(cond)) {                                                                  \
            g_failures++;                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                               \
    } while (0)

/* Runs `call` (which fills `err`) and checks its status; prints the message on mismatch. */
static void expect(int32_t rc, RenderiqError* err, int32_t expected, const char* what, int line) {
    g_checks++;
    if (rc != expected) {
        g_failures++;
        fprintf(stderr, "test_ffi.c:%d: %s returned %d (%s), expected %d (%s): %s\n", line, what, rc,
                renderiq_status_name(rc), expected, renderiq_status_name(expected),
                err ? renderiq_error_message(err) : "(no error object)");
    }
    if (rc != expected && expected == RENDERIQ_OK) {
        renderiq_error_free(err); /* the caller does not expect an error to free */
    } else if (rc == RENDERIQ_OK) {
        CHECK(err == NULL);
    } else {
        CHECK(err != NULL);
        CHECK(renderiq_error_code(err) == rc);
    }
}
#define EXPECT(rc, err, expected) expect((rc), (err), (expected), #rc, __LINE__)

static int contains(const char* haystack, const char* needle) {
    return haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL;
}

static const char* env_or(const char* name, const char* fallback) {
    const char* v = getenv(name);
    return (v && *v) ? v : fallback;
}

static void sleep_ms(unsigned ms) {
#ifdef _WIN32
    Sleep(ms);
#else
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
#endif
}

/* Copies the string value of the first "key":"value" after `from` in `json` into `out`. */
static int json_string_field(const char* json, const char* key, char* out, size_t out_len) {
    char pattern[64];
    const char* p;
    size_t n = 0;
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    p = json ? strstr(json, pattern) : NULL;
    if (!p) return 0;
    p += strlen(pattern);
    while (p[n] && p[n] != '"' && n + 1 < out_len) {
        out[n] = p[n];
        n++;
    }
    out[n] = '\0';
    return n > 0;
}

/* The integer value of the first "key":N in `json`, or `fallback`. */
static long long json_int_field(const char* json, const char* key, long long fallback) {
    char pattern[64];
    const char* p;
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    p = json ? strstr(json, pattern) : NULL;
    if (!p) return fallback;
    return strtoll(p + strlen(pattern), NULL, 10);
}

/* A client for `base_url` with an in-memory token store; NULL on failure. */
static RenderiqClient* new_client(const char* base_url, const char* extra) {
    char config[1024];
    RenderiqClient* client = NULL;
    RenderiqError* err = NULL;
    int32_t rc;
    snprintf(config, sizeof config,
             "{\"baseUrl\": \"%s\", \"platform\": \"archicad\", \"pluginName\": \"ffi-c-tests\","
             " \"pluginVersion\": \"1.0.0\", \"tokenStore\": \"memory\", \"timeoutMs\": 30000%s%s}",
             base_url, extra ? ", " : "", extra ? extra : "");
    rc = renderiq_client_new(config, &client, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    renderiq_error_free(err);
    return client;
}

/* Makes one call through the call entry; its JSON is formatted like printf. */
static int32_t callf(RenderiqClient* client, char** out, RenderiqError** err, const char* fmt, ...) {
    char call[2048];
    va_list args;
    va_start(args, fmt);
    vsnprintf(call, sizeof call, fmt, args);
    va_end(args);
    return renderiq_call(client, call, NULL, 0, out, err);
}

/* Starts one call through the call entry; its JSON is formatted like printf. */
static int32_t callf_start(RenderiqClient* client, RenderiqOp** op, RenderiqError** err, const char* fmt, ...) {
    char call[2048];
    va_list args;
    va_start(args, fmt);
    vsnprintf(call, sizeof call, fmt, args);
    va_end(args);
    return renderiq_call_start(client, call, NULL, 0, op, err);
}

/* The test capture's `image` field: its pixels travel as the call's data. */
#define CAPTURE_JSON "{\"kind\": \"raw\", \"width\": 97, \"height\": 61, \"stride\": 400, \"pixelFormat\": \"bgra8\"}"

/* The text of a `name` call (create_render, render) of the capture with `settings` (JSON). */
static const char* render_call(char* buf, size_t n, const char* name, const char* image, const char* settings) {
    snprintf(buf, n, "{\"call\": \"%s\", \"image\": %s, \"settings\": %s}", name, image, settings);
    return buf;
}

/* A prepare_image call of `image` (JSON) with `prepare` (JSON, or NULL for none) and its data. */
static int32_t prepare(const char* image, const char* prepare_json, const uint8_t* data, size_t len, uint8_t** out,
                       size_t* out_len, char** info, RenderiqError** err) {
    char call[1024];
    snprintf(call, sizeof call, "{\"call\": \"prepare_image\", \"image\": %s%s%s}", image,
             prepare_json ? ", \"prepare\": " : "", prepare_json ? prepare_json : "");
    return renderiq_image_prepare(call, data, len, out, out_len, info, err);
}

/* A create_render call of the capture `px`, blocking. */
static int32_t create_render(RenderiqClient* client, const uint8_t* px, size_t len, const char* settings, char** out,
                             RenderiqError** err) {
    char call[1024];
    return renderiq_call(client, render_call(call, sizeof call, "create_render", CAPTURE_JSON, settings), px, len, out, err);
}

/* A `name` call (render, create_render) of the capture `px`, started in the background. */
static int32_t start_render(RenderiqClient* client, const char* name, const uint8_t* px, size_t len,
                            const char* settings, RenderiqOp** op, RenderiqError** err) {
    char call[1024];
    return renderiq_call_start(client, render_call(call, sizeof call, name, CAPTURE_JSON, settings), px, len, op, err);
}

/* Whether the client has a session or key, through the is_signed_in call (-1 on error). */
static int is_signed_in(RenderiqClient* client) {
    char* out = NULL;
    RenderiqError* err = NULL;
    int32_t rc = callf(client, &out, &err, "{\"call\": \"is_signed_in\"}");
    int result = rc != RENDERIQ_OK ? -1 : contains(out, "true");
    EXPECT(rc, err, RENDERIQ_OK);
    renderiq_string_free(out);
    return result;
}

static RenderiqClient* signed_in_client_as(const char* base_url, const char* email) {
    RenderiqClient* client = new_client(base_url, NULL);
    RenderiqError* err = NULL;
    int32_t rc = callf(client, NULL, &err, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"%s\"}", email,
                       env_or("RENDERIQ_TEST_PASSWORD", "correct horse battery"));
    EXPECT(rc, err, RENDERIQ_OK);
    renderiq_error_free(err);
    return client;
}

static RenderiqClient* signed_in_client(const char* base_url, const char* extra) {
    RenderiqClient* client = new_client(base_url, extra);
    RenderiqError* err = NULL;
    int32_t rc = callf(client, NULL, &err, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"%s\"}",
                       env_or("RENDERIQ_TEST_EMAIL", "ada@example.com"), env_or("RENDERIQ_TEST_PASSWORD", "correct horse battery"));
    EXPECT(rc, err, RENDERIQ_OK);
    renderiq_error_free(err);
    return client;
}

/* A BGRA viewport capture whose rows are padded: width*4 = 388, stride 400. */
enum { IMG_W = 97, IMG_H = 61, IMG_STRIDE = 400 };
static uint8_t* make_bgra(size_t* len) {
    size_t x, y;
    uint8_t* px = (uint8_t*)malloc((size_t)IMG_STRIDE * IMG_H);
    for (y = 0; y < IMG_H; y++) {
        for (x = 0; x < (size_t)IMG_STRIDE; x++) {
            /* padding bytes are garbage on purpose: they must be ignored */
            px[y * IMG_STRIDE + x] = (uint8_t)(x < IMG_W * 4 ? (x * 7 + y * 3) : 0xEE);
        }
    }
    /* the buffer ends right after the last row's pixels, as a tightly sized read-back may */
    *len = (size_t)IMG_STRIDE * (IMG_H - 1) + IMG_W * 4;
    return px;
}

/* ---- groups ---------------------------------------------------------------------------- */

static void test_abi(void) {
    CHECK(renderiq_abi_version() == RENDERIQ_ABI_VERSION);
    CHECK(renderiq_version() != NULL && strlen(renderiq_version()) >= 5);
    CHECK(strcmp(renderiq_status_name(RENDERIQ_OK), "ok") == 0);
    CHECK(strcmp(renderiq_status_name(RENDERIQ_ERROR_INSUFFICIENT_CREDITS), "insufficient_credits") == 0);
    CHECK(strcmp(renderiq_status_name(RENDERIQ_ERROR_INVALID_HANDLE), "invalid_handle") == 0);
    CHECK(strcmp(renderiq_status_name(9999), "unknown") == 0);
}

static void test_misuse(void) {
    RenderiqClient* client = NULL;
    RenderiqError* err = NULL;
    char* out = NULL;
    int32_t rc;
    int not_a_handle = 42;
    const char bad_utf8[] = {'a', (char)0xC3, (char)0x28, 0};

    /* NULL out pointer */
    rc = renderiq_client_new("{}", NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);

    /* config errors come from the SDK and name the field */
    rc = renderiq_client_new("{\"baseURL\": \"http://x\"}", &client, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_CONFIG);
    CHECK(client == NULL);
    CHECK(contains(renderiq_error_message(err), "baseURL"));
    CHECK(strcmp(renderiq_error_kind(err), "config") == 0);
    renderiq_error_free(err);

    rc = renderiq_client_new("{\"baseUrl\": \"not a url\", \"tokenStore\": \"memory\"}", &client, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_CONFIG);
    renderiq_error_free(err);

    /* invalid UTF-8 */
    rc = renderiq_client_new(bad_utf8, &client, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_UTF8);
    CHECK(contains(renderiq_error_message(err), "config_json"));
    renderiq_error_free(err);

    /* out_error may be NULL: the code alone still says what happened */
    CHECK(renderiq_client_new("{\"nope\": 1}", &client, NULL) == RENDERIQ_ERROR_CONFIG);

    client = new_client("http://127.0.0.1:9", NULL);
    rc = callf(client, &out, &err, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"pw\"}", bad_utf8);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_UTF8);
    CHECK(out == NULL);
    CHECK(contains(renderiq_error_message(err), "call_json"));
    renderiq_error_free(err);

    rc = renderiq_call(client, NULL, NULL, 0, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);
    /* data with a length but no pointer */
    rc = renderiq_call(client, "{\"call\": \"create_render\", \"image\": {\"kind\": \"bytes\"}}", NULL, 5, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);

    /* calls of the wrong shape: the core refuses them, naming what to fix */
    rc = callf(client, &out, &err, "{\"call\": \"list_renders\", \"status\": \"nonsense\"}");
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);
    rc = callf(client, &out, &err, "{\"call\": \"update_settings\", \"settings\": {not json}");
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);
    rc = callf(client, &out, &err, "{\"call\": \"create_api_key\", \"name\": \"k\", \"scopes\": [\"renders:read\"], \"expiresAt\": \"yesterday\"}");
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(contains(renderiq_error_message(err), "not valid"));
    renderiq_error_free(err);

    /* an unreachable server is a network error, with the SDK's hint */
    rc = callf(client, &out, &err, "{\"call\": \"health\"}");
    EXPECT(rc, err, RENDERIQ_ERROR_NETWORK);
    CHECK(contains(renderiq_error_json(err), "\"status\":null"));
    CHECK(contains(renderiq_error_json(err), "\"requestId\":null"));
    renderiq_error_free(err);

    /* NULL, foreign and freed handles */
    rc = callf(NULL, &out, &err, "{\"call\": \"me\"}");
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);
    rc = callf((RenderiqClient*)&not_a_handle, &out, &err, "{\"call\": \"me\"}");
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_HANDLE);
    renderiq_error_free(err);
    CHECK(renderiq_client_free(client) == RENDERIQ_OK);
    rc = callf(client, &out, &err, "{\"call\": \"me\"}"); /* use after free */
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(contains(renderiq_error_message(err), "already freed"));
    renderiq_error_free(err);
    CHECK(renderiq_client_free(client) == RENDERIQ_ERROR_INVALID_HANDLE); /* double free */
    CHECK(renderiq_client_free((RenderiqClient*)&not_a_handle) == RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(renderiq_client_free(NULL) == RENDERIQ_OK);
    /* a handle of the wrong type */
    CHECK(renderiq_op_free((RenderiqOp*)client) == RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(renderiq_op_poll((const RenderiqOp*)&not_a_handle) == -RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(renderiq_op_poll(NULL) == -RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(renderiq_op_cancel(NULL) == RENDERIQ_ERROR_NULL_ARGUMENT);

    /* errors: double free, accessors on dead errors */
    rc = renderiq_client_new(NULL, NULL, &err);
    CHECK(rc == RENDERIQ_ERROR_NULL_ARGUMENT);
    CHECK(renderiq_error_free(err) == RENDERIQ_OK);
    CHECK(renderiq_error_free(err) == RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(renderiq_error_code(err) == RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(renderiq_error_message(err) != NULL);
    CHECK(strcmp(renderiq_error_json(err), "{}") == 0);
    CHECK(strcmp(renderiq_error_json(NULL), "{}") == 0);
    CHECK(strcmp(renderiq_error_kind(NULL), "invalid_handle") == 0);
    CHECK(renderiq_error_free(NULL) == RENDERIQ_OK);

    /* strings and buffers: foreign pointers and double frees are refused */
    {
        char local[] = "not from the library";
        uint8_t* data = NULL;
        size_t len = 0;
        char* sig = NULL;
        CHECK(renderiq_string_free(local) == RENDERIQ_ERROR_INVALID_HANDLE);
        CHECK(renderiq_string_free(NULL) == RENDERIQ_OK);
        rc = renderiq_webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, (const uint8_t*)"x", 1, &sig, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(renderiq_string_free(sig) == RENDERIQ_OK);
        CHECK(renderiq_string_free(sig) == RENDERIQ_ERROR_INVALID_HANDLE);
        CHECK(renderiq_bytes_free((uint8_t*)local, 3) == RENDERIQ_ERROR_INVALID_HANDLE);
        {
            size_t px_len = 0;
            uint8_t* px = make_bgra(&px_len);
            rc = prepare(CAPTURE_JSON, "{\"format\": \"png\"}", px, px_len, &data, &len, NULL, &err);
            EXPECT(rc, err, RENDERIQ_OK);
            free(px);
        }
        CHECK(renderiq_bytes_free(data, len + 1) == RENDERIQ_ERROR_INVALID_ARGUMENT);
        CHECK(renderiq_bytes_free(data, len) == RENDERIQ_OK);
        CHECK(renderiq_bytes_free(data, len) == RENDERIQ_ERROR_INVALID_HANDLE);
    }
}

static void test_image(void) {
    size_t len = 0;
    uint8_t* px = make_bgra(&len);
    RenderiqError* err = NULL;
    uint8_t* data = NULL;
    size_t out_len = 0;
    char* info = NULL;
    int32_t rc;

    /* a padded BGRA buffer prepares to a JPEG of the same size */
    rc = prepare(CAPTURE_JSON, NULL, px, len, &data, &out_len, &info, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(out_len > 100 && data[0] == 0xFF && data[1] == 0xD8);
    CHECK(contains(info, "\"mimeType\":\"image/jpeg\""));
    CHECK(contains(info, "\"width\":97") && contains(info, "\"height\":61"));
    renderiq_bytes_free(data, out_len);
    renderiq_string_free(info);

    /* max edge and PNG */
    rc = prepare(CAPTURE_JSON, "{\"maxEdge\": 48, \"format\": \"png\"}", px, len, &data, &out_len, &info, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(info, "\"width\":48") && contains(info, "image/png"));
    CHECK(out_len > 8 && memcmp(data, "\x89PNG", 4) == 0);
    renderiq_bytes_free(data, out_len);
    renderiq_string_free(info);

    /* the same pixels as encoded bytes */
    {
        uint8_t* png = NULL;
        size_t png_len = 0;
        rc = prepare(CAPTURE_JSON, "{\"format\": \"png\"}", px, len, &png, &png_len, NULL, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = prepare("{\"kind\": \"bytes\"}", "{\"format\": \"webp\"}", png, png_len, &data, &out_len, &info, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(contains(info, "image/webp"));
        renderiq_bytes_free(data, out_len);
        renderiq_string_free(info);
        /* truncated encoded bytes are an image error from the SDK */
        rc = prepare("{\"kind\": \"bytes\"}", NULL, png, 20, &data, &out_len, NULL, &err);
        EXPECT(rc, err, RENDERIQ_ERROR_IMAGE);
        CHECK(data == NULL && out_len == 0);
        renderiq_error_free(err);
        renderiq_bytes_free(png, png_len);
    }

    /* wrong sizes: never read past the buffer. The geometry is checked once, in the core, for
       every language: an invalid-input error whose details name the field to fix. */
    rc = prepare(CAPTURE_JSON, NULL, px, len - 1, &data, &out_len, &info, &err); /* one byte short */
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(contains(renderiq_error_message(err), "needs"));
    CHECK(contains(renderiq_error_json(err), "\"data\":"));
    CHECK(data == NULL && info == NULL);
    renderiq_error_free(err);

    rc = prepare("{\"kind\": \"raw\", \"width\": 97, \"height\": 61, \"stride\": 387, \"pixelFormat\": \"bgra8\"}", NULL, px,
                 len, &data, &out_len, NULL, &err); /* stride shorter than a row */
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(contains(renderiq_error_json(err), "\"stride\":"));
    renderiq_error_free(err);

    rc = prepare("{\"kind\": \"raw\", \"width\": 4294967295, \"height\": 4294967295, \"stride\": 18446744073709551615, "
                 "\"pixelFormat\": \"bgra8\"}",
                 NULL, px, len, &data, &out_len, NULL, &err); /* sizes that overflow */
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(contains(renderiq_error_message(err), "too large"));
    renderiq_error_free(err);

    rc = prepare("{\"kind\": \"raw\", \"width\": 97, \"height\": 62, \"stride\": 400, \"pixelFormat\": \"bgra8\"}", NULL, px,
                 len, &data, &out_len, NULL, &err); /* one row too many for the buffer */
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);

    rc = prepare(CAPTURE_JSON, NULL, NULL, len, &data, &out_len, NULL, &err); /* a length without data */
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);

    rc = prepare("{\"kind\": \"raw\", \"width\": 97, \"height\": 61, \"stride\": 400, \"pixelFormat\": \"argb7\"}", NULL, px,
                 len, &data, &out_len, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);

    rc = prepare("{\"kind\": \"tiff\"}", NULL, px, len, &data, &out_len, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);

    rc = renderiq_image_prepare(NULL, NULL, 0, &data, &out_len, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);

    rc = prepare(CAPTURE_JSON, NULL, px, len, NULL, &out_len, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);

    /* another call is not a prepare_image call */
    rc = renderiq_image_prepare("{\"call\": \"credits\"}", NULL, 0, &data, &out_len, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_ARGUMENT);
    CHECK(contains(renderiq_error_message(err), "prepare_image"));
    renderiq_error_free(err);

    /* prepare fields: unknown field, bad format value, bad max edge */
    rc = prepare(CAPTURE_JSON, "{\"maxedge\": 5}", px, len, &data, &out_len, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(contains(renderiq_error_message(err), "maxedge"));
    renderiq_error_free(err);
    rc = prepare(CAPTURE_JSON, "{\"format\": \"gif\"}", px, len, &data, &out_len, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);
    rc = prepare(CAPTURE_JSON, "{\"maxEdge\": 0}", px, len, &data, &out_len, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);

    /* a missing file */
    rc = prepare("{\"kind\": \"file\", \"path\": \"/nonexistent/viewport.png\"}", NULL, NULL, 0, &data, &out_len, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_IMAGE);
    CHECK(contains(renderiq_error_message(err), "/nonexistent/viewport.png"));
    renderiq_error_free(err);

    free(px);
}

static void test_webhooks(void) {
    /* the Standard Webhooks test vector */
    const char* secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const char* body = "{\"test\": 2432232314}";
    const char* id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const char* sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const int64_t ts = 1614265330;
    RenderiqError* err = NULL;
    char* out = NULL;
    int32_t rc;

    rc = renderiq_webhook_sign(secret, id, ts, (const uint8_t*)body, strlen(body), &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(out && strcmp(out, sig) == 0);
    renderiq_string_free(out);

    rc = renderiq_webhook_verify(secret, (const uint8_t*)body, strlen(body), id, "1614265330", sig, ts, NULL, &err);
    EXPECT(rc, err, RENDERIQ_OK);

    /* a changed body */
    rc = renderiq_webhook_verify(secret, (const uint8_t*)body, strlen(body) - 1, id, "1614265330", sig, ts, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_WEBHOOK_VERIFICATION);
    CHECK(contains(renderiq_error_json(err), "\"code\":\"WEBHOOK_BAD_SIGNATURE"));
    CHECK(contains(renderiq_error_json(err), "\"kind\":\"webhook_verification\""));
    renderiq_error_free(err);

    /* a missing header (NULL) */
    rc = renderiq_webhook_verify(secret, (const uint8_t*)body, strlen(body), id, "1614265330", NULL, ts, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_WEBHOOK_VERIFICATION);
    CHECK(contains(renderiq_error_json(err), "\"code\":\"WEBHOOK_MISSING_HEADER"));
    renderiq_error_free(err);

    /* too old, against an injected clock */
    rc = renderiq_webhook_verify(secret, (const uint8_t*)body, strlen(body), id, "1614265330", sig, ts + 3600, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_WEBHOOK_VERIFICATION);
    CHECK(contains(renderiq_error_json(err), "\"code\":\"WEBHOOK_TIMESTAMP_TOO_OLD"));
    renderiq_error_free(err);

    /* the system clock: the vector is years old */
    rc = renderiq_webhook_verify(secret, (const uint8_t*)body, strlen(body), id, "1614265330", sig, 0, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_WEBHOOK_VERIFICATION);
    renderiq_error_free(err);

    /* a malformed secret is a config error that does not repeat the secret */
    rc = renderiq_webhook_verify("whsec_sup3r$ecret!", (const uint8_t*)body, strlen(body), id, "1614265330", sig, ts, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_CONFIG);
    CHECK(contains(renderiq_error_json(err), "\"code\":\"WEBHOOK_BAD_SECRET"));
    CHECK(!contains(renderiq_error_message(err), "sup3r"));
    renderiq_error_free(err);

    /* a verified body that is not a render event is accepted, kept whole as the payload */
    rc = renderiq_webhook_verify(secret, (const uint8_t*)body, strlen(body), id, "1614265330", sig, ts, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"data\":null") && contains(out, "\"payload\":{\"test\":2432232314}"));
    renderiq_string_free(out);
    out = NULL;

    /* a verified body that is not JSON: Decode only when the event is asked for */
    {
        const char* text = "not json";
        char* s = NULL;
        rc = renderiq_webhook_sign(secret, id, ts, (const uint8_t*)text, strlen(text), &s, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = renderiq_webhook_verify(secret, (const uint8_t*)text, strlen(text), id, "1614265330", s, ts, NULL, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = renderiq_webhook_verify(secret, (const uint8_t*)text, strlen(text), id, "1614265330", s, ts, &out, &err);
        EXPECT(rc, err, RENDERIQ_ERROR_DECODE);
        CHECK(out == NULL);
        CHECK(contains(renderiq_error_json(err), "\"code\":\"WEBHOOK_BAD_PAYLOAD"));
        renderiq_error_free(err);
        renderiq_string_free(s);
    }

    /* NULL body with a length */
    rc = renderiq_webhook_verify(secret, NULL, 5, id, "1614265330", sig, ts, NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);

    /* a real event round trip */
    {
        const char* event =
            "{\"type\":\"render.completed\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"data\":{\"id\":\"r1\","
            "\"status\":\"completed\",\"progress\":100,\"style\":\"sketch\",\"quality\":\"standard\","
            "\"aspectRatio\":\"16:9\",\"creditsCost\":5,\"createdAt\":\"2025-01-01T00:00:00Z\","
            "\"updatedAt\":\"2025-01-01T00:00:00Z\"}}";
        char* s = NULL;
        char tsbuf[32];
        int64_t now = (int64_t)time(NULL);
        snprintf(tsbuf, sizeof tsbuf, "%lld", (long long)now);
        rc = renderiq_webhook_sign(secret, "msg_1", now, (const uint8_t*)event, strlen(event), &s, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = renderiq_webhook_verify(secret, (const uint8_t*)event, strlen(event), "msg_1", tsbuf, s, 0, &out, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(contains(out, "\"type\":\"render.completed\"") && contains(out, "\"id\":\"r1\""));
        renderiq_string_free(out);
        renderiq_string_free(s);
    }
}

static void test_auth(void) {
    const char* base = env_or("RENDERIQ_TEST_BASE_URL", "http://127.0.0.1:8787");
    RenderiqClient* client = new_client(base, NULL);
    RenderiqError* err = NULL;
    char* out = NULL;
    int32_t rc;

    rc = callf(client, &out, &err, "{\"call\": \"health\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"status\":\"ok\""));
    renderiq_string_free(out);

    CHECK(is_signed_in(client) == 0);

    /* not signed in */
    rc = callf(client, &out, &err, "{\"call\": \"me\"}");
    EXPECT(rc, err, RENDERIQ_ERROR_AUTH);
    CHECK(out == NULL);
    renderiq_error_free(err);

    /* wrong password: auth, with the server's fields */
    rc = callf(client, &out, &err, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"wrong password\"}",
               env_or("RENDERIQ_TEST_EMAIL", "ada@example.com"));
    EXPECT(rc, err, RENDERIQ_ERROR_AUTH);
    CHECK(contains(renderiq_error_json(err), "\"status\":401"));
    CHECK(contains(renderiq_error_json(err), "\"code\":\"INVALID_CREDENTIALS"));
    CHECK(contains(renderiq_error_json(err), "\"requestId\":\""));
    CHECK(strcmp(renderiq_error_kind(err), "auth") == 0);
    CHECK(!contains(renderiq_error_message(err), "wrong password"));
    renderiq_error_free(err);

    rc = callf(client, &out, &err, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"%s\"}",
               env_or("RENDERIQ_TEST_EMAIL", "ada@example.com"), env_or("RENDERIQ_TEST_PASSWORD", "correct horse battery"));
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, env_or("RENDERIQ_TEST_EMAIL", "ada@example.com")));
    CHECK(contains(out, "\"createdAt\""));
    renderiq_string_free(out);

    CHECK(is_signed_in(client) == 1);

    rc = callf(client, &out, &err, "{\"call\": \"me\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"email\""));
    renderiq_string_free(out);

    rc = callf(client, &out, &err, "{\"call\": \"credits\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"balance\":") && contains(out, "\"totalEarned\":"));
    renderiq_string_free(out);

    rc = callf(client, NULL, &err, "{\"call\": \"sign_out\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(is_signed_in(client) == 0);
    rc = callf(client, NULL, &err, "{\"call\": \"me\"}");
    EXPECT(rc, err, RENDERIQ_ERROR_AUTH);
    renderiq_error_free(err);

    /* an API key works in place of a session */
    {
        RenderiqClient* owner = signed_in_client(base, NULL);
        char key[256];
        char key_id[128];
        rc = callf(owner, &out, &err, "{\"call\": \"create_api_key\", \"name\": \"ffi-c-test\", \"scopes\": [\"credits:read\"]}");
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(json_string_field(out, "key", key, sizeof key));
        CHECK(json_string_field(strstr(out ? out : "", "\"apiKey\""), "id", key_id, sizeof key_id));
        renderiq_string_free(out);

        rc = callf(client, NULL, &err, "{\"call\": \"use_api_key\", \"key\": \"%s\"}", key);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = callf(client, NULL, &err, "{\"call\": \"credits\"}");
        EXPECT(rc, err, RENDERIQ_OK);
        /* a scope the key lacks */
        rc = callf(client, &out, &err, "{\"call\": \"projects\"}");
        EXPECT(rc, err, RENDERIQ_ERROR_PERMISSION_DENIED);
        CHECK(contains(renderiq_error_json(err), "\"status\":403"));
        renderiq_error_free(err);

        rc = callf(owner, NULL, &err, "{\"call\": \"revoke_api_key\", \"id\": \"%s\"}", key_id);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = callf(client, NULL, &err, "{\"call\": \"credits\"}");
        EXPECT(rc, err, RENDERIQ_ERROR_AUTH);
        renderiq_error_free(err);
        renderiq_client_free(owner);
    }
    renderiq_client_free(client);
}

static void test_errors(void) {
    const char* base = env_or("RENDERIQ_TEST_BASE_URL", "http://127.0.0.1:8787");
    RenderiqClient* client = signed_in_client(base, NULL);
    RenderiqClient* poor = new_client(base, NULL);
    RenderiqError* err = NULL;
    char* out = NULL;
    size_t len = 0;
    uint8_t* px = make_bgra(&len);
    int32_t rc;

    /* not found */
    rc = callf(client, &out, &err, "{\"call\": \"retrieve_render\", \"id\": \"00000000-0000-0000-0000-000000000000\"}");
    EXPECT(rc, err, RENDERIQ_ERROR_NOT_FOUND);
    CHECK(contains(renderiq_error_json(err), "\"status\":404"));
    CHECK(contains(renderiq_error_json(err), "\"code\":\"NOT_FOUND"));
    CHECK(contains(renderiq_error_json(err), "\"requestId\":\""));
    renderiq_error_free(err);

    /* invalid input, caught by the SDK before sending */
    rc = callf(client, &out, &err, "{\"call\": \"retrieve_render\", \"id\": \"../etc/passwd\"}");
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(contains(renderiq_error_json(err), "\"status\":null"));
    renderiq_error_free(err);

    /* invalid input, rejected by the server with field details */
    rc = create_render(client, px, len, "{\"style\": \"cubism\", \"quality\": \"standard\"}", &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(contains(renderiq_error_json(err), "\"status\":400"));
    CHECK(contains(renderiq_error_json(err), "\"code\":\"INVALID_INPUT"));
    CHECK(contains(renderiq_error_json(err), "\"details\":{"));
    CHECK(contains(renderiq_error_json(err), "style"));
    renderiq_error_free(err);

    /* insufficient credits: required and available */
    rc = callf(poor, NULL, &err, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"%s\"}",
               env_or("RENDERIQ_TEST_POOR_EMAIL", "poor@example.com"), env_or("RENDERIQ_TEST_POOR_PASSWORD", "correct horse battery"));
    EXPECT(rc, err, RENDERIQ_OK);
    rc = create_render(poor, px, len, "{\"prompt\": \"dusk\", \"quality\": \"ultra\"}", &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INSUFFICIENT_CREDITS);
    CHECK(contains(renderiq_error_json(err), "\"status\":402"));
    CHECK(contains(renderiq_error_json(err), "\"requiredCredits\":20"));
    CHECK(contains(renderiq_error_json(err), "\"availableCredits\":0"));
    CHECK(strcmp(renderiq_error_kind(err), "insufficient_credits") == 0);
    renderiq_error_free(err);

    /* a render that fails: RENDER_FAILED from the wait, credits refunded */
    {
        char id[128];
        rc = create_render(client, px, len, "{\"prompt\": \"[fail] please\", \"quality\": \"standard\"}", &out, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(json_string_field(out, "id", id, sizeof id));
        renderiq_string_free(out);
        rc = callf(client, &out, &err, "{\"call\": \"wait_for_render\", \"id\": \"%s\", \"wait\": {\"timeoutMs\": 60000}}", id);
        EXPECT(rc, err, RENDERIQ_ERROR_RENDER_FAILED);
        CHECK(out == NULL);
        CHECK(contains(renderiq_error_json(err), "\"code\":\"RENDER_FAILED"));
        CHECK(contains(renderiq_error_json(err), "\"status\":\"failed\""));
        renderiq_error_free(err);
    }

    /* cancelling a completed render is a conflict */
    {
        char id[128];
        rc = create_render(client, px, len, "{\"prompt\": \"ok\", \"quality\": \"standard\"}", &out, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(json_string_field(out, "id", id, sizeof id));
        renderiq_string_free(out);
        rc = callf(client, NULL, &err, "{\"call\": \"wait_for_render\", \"id\": \"%s\", \"wait\": {\"timeoutMs\": 60000}}", id);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = callf(client, &out, &err, "{\"call\": \"cancel_render\", \"id\": \"%s\"}", id);
        EXPECT(rc, err, RENDERIQ_ERROR_CONFLICT);
        CHECK(contains(renderiq_error_json(err), "\"status\":409"));
        renderiq_error_free(err);
    }

    /* rate limited: one create per minute on the rate server, no retries */
    {
        const char* rate = env_or("RENDERIQ_TEST_RATE_URL", base);
        RenderiqClient* limited = signed_in_client(rate, "\"maxRetries\": 0");
        int i, got429 = 0;
        for (i = 0; i < 3 && !got429; i++) {
            rc = create_render(limited, px, len, "{\"quality\": \"standard\"}", NULL, &err);
            if (rc == RENDERIQ_ERROR_RATE_LIMITED) {
                got429 = 1;
                CHECK(contains(renderiq_error_json(err), "\"status\":429"));
                CHECK(contains(renderiq_error_json(err), "\"retryAfter\":") && !contains(renderiq_error_json(err), "\"retryAfter\":null"));
                CHECK(contains(renderiq_error_json(err), "\"code\":\"RATE_LIMIT_EXCEEDED"));
                CHECK(contains(renderiq_error_json(err), "\"retryAfter\":"));
            } else {
                EXPECT(rc, err, RENDERIQ_OK);
            }
            renderiq_error_free(err);
        }
        CHECK(got429);
        renderiq_client_free(limited);
    }

    free(px);
    renderiq_client_free(poor);
    renderiq_client_free(client);
}

static void test_resources(void) {
    const char* base = env_or("RENDERIQ_TEST_BASE_URL", "http://127.0.0.1:8787");
    RenderiqClient* client = signed_in_client(base, NULL);
    RenderiqError* err = NULL;
    char* out = NULL;
    char id[128];
    int32_t rc;

    rc = callf(client, &out, &err, "{\"call\": \"create_project\", \"name\": \"Villa Savoye\", \"description\": \"ffi test\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"name\":\"Villa Savoye\"") && contains(out, "\"slug\":"));
    renderiq_string_free(out);
    rc = callf(client, &out, &err, "{\"call\": \"create_project\", \"name\": \"  \"}");
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);
    rc = callf(client, &out, &err, "{\"call\": \"projects\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(out && out[0] == '[' && contains(out, "Villa Savoye"));
    renderiq_string_free(out);

    rc = callf(client, &out, &err, "{\"call\": \"settings\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"defaultStyle\":"));
    renderiq_string_free(out);
    rc = callf(client, &out, &err, "{\"call\": \"update_settings\", \"settings\": {\"defaultStyle\": \"sketch\", \"defaultQuality\": \"standard\"}}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"defaultStyle\":\"sketch\""));
    renderiq_string_free(out);
    rc = callf(client, &out, &err, "{\"call\": \"update_settings\", \"settings\": {\"defaultStyle\": \"cubism\"}}");
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);

    rc = callf(client, &out, &err, "{\"call\": \"credit_transactions\", \"page\": 1, \"limit\": 5}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"items\":[") && contains(out, "\"hasMore\":"));
    renderiq_string_free(out);

    rc = callf(client, &out, &err, "{\"call\": \"create_api_key\", \"name\": \"ci\", \"scopes\": [\"renders:read\"], \"expiresAt\": \"2099-01-01T00:00:00Z\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"key\":\"") && contains(out, "\"expiresAt\":\"2099-01-01T00:00:00Z\""));
    CHECK(json_string_field(strstr(out ? out : "", "\"apiKey\""), "id", id, sizeof id));
    renderiq_string_free(out);
    rc = callf(client, &out, &err, "{\"call\": \"api_keys\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, id));
    CHECK(!contains(out, "\"key\":\""));
    renderiq_string_free(out);
    rc = callf(client, NULL, &err, "{\"call\": \"revoke_api_key\", \"id\": \"%s\"}", id);
    EXPECT(rc, err, RENDERIQ_OK);
    rc = callf(client, NULL, &err, "{\"call\": \"revoke_api_key\", \"id\": \"%s\"}", "no-such-key");
    EXPECT(rc, err, RENDERIQ_ERROR_NOT_FOUND);
    renderiq_error_free(err);
    rc = callf(client, &out, &err, "{\"call\": \"create_api_key\", \"name\": \"bad\", \"scopes\": [\"everything\"]}");
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);

    rc = callf(client, &out, &err, "{\"call\": \"register_webhook\", \"url\": \"http://127.0.0.1:9/hook\", \"events\": [\"render.completed\"]}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"secret\":\"whsec_"));
    CHECK(json_string_field(strstr(out ? out : "", "\"webhook\""), "id", id, sizeof id));
    renderiq_string_free(out);
    rc = callf(client, &out, &err, "{\"call\": \"webhooks\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, id));
    renderiq_string_free(out);
    rc = callf(client, NULL, &err, "{\"call\": \"delete_webhook\", \"id\": \"%s\"}", id);
    EXPECT(rc, err, RENDERIQ_OK);
    rc = callf(client, NULL, &err, "{\"call\": \"delete_webhook\", \"id\": \"%s\"}", id);
    EXPECT(rc, err, RENDERIQ_ERROR_NOT_FOUND);
    renderiq_error_free(err);
    rc = callf(client, &out, &err, "{\"call\": \"register_webhook\", \"url\": \"http://127.0.0.1:9/hook\", \"events\": [\"render.exploded\"]}");
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);

    rc = callf(client, &out, &err, "{\"call\": \"list_renders\", \"page\": 1, \"limit\": 2}");
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"limit\":2"));
    renderiq_string_free(out);
    rc = callf(client, &out, &err, "{\"call\": \"list_renders\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    renderiq_string_free(out);

    renderiq_client_free(client);
}

/* Where a render operation's stage comes in its life: the upload, then the render's statuses;
   -1 for an unknown stage. */
static int stage_rank(const char* stage) {
    static const char* const order[] = {"preparing", "uploading", "pending", "processing", "completed"};
    int i;
    for (i = 0; i < 5; i++)
        if (strcmp(stage, order[i]) == 0) return i;
    return -1;
}

/* The operation handle, polled from a "UI timer" until the render completes. */
static void test_render(void) {
    const char* base = env_or("RENDERIQ_TEST_BASE_URL", "http://127.0.0.1:8787");
    RenderiqClient* client = signed_in_client(base, NULL);
    RenderiqError* err = NULL;
    RenderiqOp* op = NULL;
    char* out = NULL;
    char id[128];
    size_t len = 0;
    uint8_t* px = make_bgra(&len);
    uint8_t percent = 0, last_percent = 0;
    int polls = 0, last_rank = -1, done;
    int32_t rc;

    rc = renderiq_call_start(client,
                             "{\"call\": \"render\", \"image\": " CAPTURE_JSON ", \"settings\": {\"prompt\": \"dusk, warm light\", "
                             "\"style\": \"photorealistic\", \"quality\": \"standard\", \"aspectRatio\": \"16:9\"}, "
                             "\"wait\": {\"timeoutMs\": 120000}}",
                             px, len, &op, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    /* the pixels were copied: the host may reuse its buffer at once */
    memset(px, 0, len);
    free(px);

    rc = renderiq_op_wait(op, 0, &out, &err);
    CHECK(rc == RENDERIQ_ERROR_NOT_READY || rc == RENDERIQ_OK);
    if (rc == RENDERIQ_OK) renderiq_string_free(out);
    renderiq_error_free(err);

    /* Polled until done and once more after: every report names a known stage once the worker
       thread has made its first; stages only move forward (the upload, then the render's
       statuses) and within the upload and within the render the percentage never drops (it
       restarts at 0 when the upload ends and the render is queued); the last is "completed". */
    for (done = 0; !done && polls < 6000; polls++) {
        char* progress = NULL;
        char stage[32] = "";
        int rank;
        done = renderiq_op_poll(op) == 1;
        rc = renderiq_op_progress(op, &percent, &progress, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(percent <= 100);
        if (json_string_field(progress, "stage", stage, sizeof stage)) {
            rank = stage_rank(stage);
            if (rank < 0) fprintf(stderr, "render: unknown stage %s\n", stage);
            CHECK(rank >= 0);
            if (rank < last_rank) fprintf(stderr, "render: the stage went back to %s\n", stage);
            CHECK(rank >= last_rank);
            if ((rank >= 2) == (last_rank >= 2) && percent < last_percent)
                fprintf(stderr, "render: progress went down from %u to %u at %s\n", last_percent, percent, stage);
            CHECK((rank >= 2) != (last_rank >= 2) || percent >= last_percent);
            last_rank = rank;
            last_percent = percent;
        } else {
            CHECK(!done); /* a finished operation has a stage */
        }
        renderiq_string_free(progress);
        if (!done) sleep_ms(10);
    }
    CHECK(renderiq_op_poll(op) == 1);
    CHECK(last_rank == stage_rank("completed"));
    rc = renderiq_op_progress(op, &percent, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(percent == 100 && contains(out, "\"done\":true"));
    renderiq_string_free(out);

    rc = renderiq_op_wait(op, 0, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"status\":\"completed\""));
    CHECK(contains(out, "\"outputUrl\":\""));
    CHECK(contains(out, "\"platform\":\"archicad\""));
    CHECK(json_string_field(out, "id", id, sizeof id));

    /* read again: a wait does not take the outcome */
    {
        char* again = NULL;
        rc = renderiq_op_wait(op, 0, &again, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(again && strcmp(again, out) == 0);
        renderiq_string_free(again);
    }
    CHECK(renderiq_op_free(op) == RENDERIQ_OK);
    CHECK(renderiq_op_free(op) == RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(renderiq_op_poll(op) == -RENDERIQ_ERROR_INVALID_HANDLE);

    /* download by JSON and by id */
    {
        uint8_t* data = NULL;
        size_t n = 0;
        char* json = NULL;
        const char* path = "renderiq-ffi-test-output.img";
        rc = renderiq_client_render_download(client, out, &data, &n, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(n > 100);
        renderiq_bytes_free(data, n);
        rc = renderiq_client_render_download(client, id, &data, &n, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(n > 100);
        renderiq_bytes_free(data, n);
        rc = callf(client, &json, &err, "{\"call\": \"download_render\", \"id\": \"%s\", \"path\": \"%s\"}", id, path);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(json_int_field(json, "bytes", -1) == (long long)n);
        renderiq_string_free(json);
        remove(path);
        rc = renderiq_client_render_download(client, "{\"id\": 5}", &data, &n, &err);
        EXPECT(rc, err, RENDERIQ_ERROR_INVALID_ARGUMENT);
        CHECK(data == NULL && n == 0);
        renderiq_error_free(err);
    }
    renderiq_string_free(out);

    /* the blocking forms */
    {
        size_t l2 = 0;
        uint8_t* px2 = make_bgra(&l2);
        char params[160], call[1024];
        /* a key of its own per run: the server remembers keys */
        snprintf(params, sizeof params, "{\"quality\": \"standard\", \"idempotencyKey\": \"ffi-c-%ld-%ld-%lx\"}",
                 (long)time(NULL), (long)clock(), (unsigned long)(size_t)&l2);
        /* the same bytes read as bottom-up RGBA */
        render_call(call, sizeof call, "create_render",
                    "{\"kind\": \"raw\", \"width\": 97, \"height\": 61, \"stride\": 400, \"pixelFormat\": \"rgba8\", \"bottomUp\": true}",
                    params);
        rc = renderiq_call(client, call, px2, l2, &out, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(contains(out, "\"status\":\"pending\"") || contains(out, "\"status\":\"processing\""));
        CHECK(json_string_field(out, "id", id, sizeof id));
        renderiq_string_free(out);
        /* the same idempotency key returns the same render */
        rc = renderiq_call(client, call, px2, l2, &out, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(contains(out, id));
        renderiq_string_free(out);
        rc = callf(client, &out, &err, "{\"call\": \"wait_for_render\", \"id\": \"%s\"}", id);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(contains(out, "\"status\":\"completed\""));
        renderiq_string_free(out);
        /* wait_start on a render that already completed */
        rc = callf_start(client, &op, &err, "{\"call\": \"wait_for_render\", \"id\": \"%s\"}", id);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = renderiq_op_wait(op, RENDERIQ_WAIT_FOREVER, &out, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(contains(out, id));
        renderiq_string_free(out);
        renderiq_op_free(op);
        free(px2);
    }
    renderiq_client_free(client);
}

#ifndef _WIN32
static pthread_mutex_t g_cb_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_cb_calls = 0;
static void on_done(void* user_data) {
    pthread_mutex_lock(&g_cb_lock);
    g_cb_calls++;
    *(int*)user_data += 1;
    pthread_mutex_unlock(&g_cb_lock);
}
static int cb_calls(void) {
    int n;
    pthread_mutex_lock(&g_cb_lock);
    n = g_cb_calls;
    pthread_mutex_unlock(&g_cb_lock);
    return n;
}
#endif

/* Operations on the slow server: not ready, cancelled midway, callbacks, freed early. */
static void test_ops(void) {
    const char* slow = env_or("RENDERIQ_TEST_SLOW_URL", env_or("RENDERIQ_TEST_BASE_URL", "http://127.0.0.1:8787"));
    RenderiqClient* client = signed_in_client(slow, NULL);
    RenderiqError* err = NULL;
    RenderiqOp* op = NULL;
    char* out = NULL;
    char render_id[128] = "";
    size_t len = 0;
    uint8_t* px = make_bgra(&len);
    int polls = 0;
    int32_t rc;

    /* cancelled midway, after the render was created on the server */
    rc = start_render(client, "render", px, len, "{\"prompt\": \"slow\", \"quality\": \"standard\"}", &op, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    while (polls < 1500) {
        char* progress = NULL;
        rc = renderiq_op_progress(op, NULL, &progress, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        if (contains(progress, "\"render\":{")) {
            CHECK(json_string_field(strstr(progress, "\"render\":{"), "id", render_id, sizeof render_id));
            renderiq_string_free(progress);
            break;
        }
        renderiq_string_free(progress);
        sleep_ms(10);
        polls++;
    }
    CHECK(render_id[0] != '\0');
    CHECK(renderiq_op_poll(op) == 0);
    rc = renderiq_op_wait(op, 0, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NOT_READY);
    renderiq_error_free(err);
    rc = renderiq_op_wait(op, 50, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NOT_READY);
    renderiq_error_free(err);

    CHECK(renderiq_op_cancel(op) == RENDERIQ_OK);
    rc = renderiq_op_wait(op, 10000, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_CANCELLED);
    CHECK(out == NULL);
    CHECK(strcmp(renderiq_error_kind(err), "cancelled") == 0);
    renderiq_error_free(err);
    CHECK(renderiq_op_poll(op) == 1);
    rc = renderiq_op_wait(op, 0, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_CANCELLED);  /* the same outcome, as often as asked */
    CHECK(out == NULL);
    renderiq_error_free(err);
    renderiq_op_free(op);
    /* what the server does with the render is the "withdraw" group's: there it is certainly
       still pending when the operation is cancelled */

#ifndef _WIN32
    /* a completion callback, called once, even when the handle is freed early */
    {
        int a = 0, b = 0, i;
        int before = cb_calls();
        RenderiqOp* op2 = NULL;
        rc = start_render(client, "create_render", px, len, "{\"quality\": \"standard\"}", &op, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = renderiq_op_set_callback(op, on_done, &a, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        rc = renderiq_op_set_callback(op, on_done, &a, &err);
        EXPECT(rc, err, RENDERIQ_ERROR_INVALID_ARGUMENT);
        renderiq_error_free(err);
        rc = renderiq_op_set_callback(op, NULL, &a, &err);
        EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
        renderiq_error_free(err);

        rc = callf_start(client, &op2, &err, "{\"call\": \"wait_for_render\", \"id\": \"00000000-0000-0000-0000-000000000000\"}");
        EXPECT(rc, err, RENDERIQ_OK);
        rc = renderiq_op_set_callback(op2, on_done, &b, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(renderiq_op_free(op2) == RENDERIQ_OK); /* freed early: cancelled, callback still runs */

        for (i = 0; i < 1000 && cb_calls() < before + 2; i++) sleep_ms(10);
        CHECK(cb_calls() == before + 2);
        pthread_mutex_lock(&g_cb_lock);
        CHECK(a == 1 && b == 1);
        pthread_mutex_unlock(&g_cb_lock);
        rc = renderiq_op_wait(op, 0, &out, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(contains(out, "\"status\":\"pending\"") || contains(out, "\"status\":\"processing\""));
        renderiq_string_free(out);
        /* a callback registered after completion runs at once, on this thread */
        rc = callf_start(client, &op2, &err, "{\"call\": \"wait_for_render\", \"id\": \"nope!\"}");
        EXPECT(rc, err, RENDERIQ_OK);
        rc = renderiq_op_wait(op2, RENDERIQ_WAIT_FOREVER, NULL, &err);
        EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
        renderiq_error_free(err);
        rc = renderiq_op_set_callback(op2, on_done, &b, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(b == 2);
        renderiq_op_free(op2);
        renderiq_op_free(op);
        for (i = 0; i < 20; i++) sleep_ms(10);
        CHECK(cb_calls() == before + 3);
    }
#endif

    /* start errors are about the arguments */
    rc = renderiq_call_start(client, NULL, NULL, 0, &op, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    CHECK(op == NULL);
    renderiq_error_free(err);
    rc = start_render(client, "render", px, len, "[1,2]", &op, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(op == NULL);
    renderiq_error_free(err);
    rc = start_render(client, "render", NULL, len, "{}", &op, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);
    rc = start_render(client, "render", px, len, "{}", NULL, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);

    /* an operation outlives the client it was started from */
    rc = callf_start(client, &op, &err, "{\"call\": \"wait_for_render\", \"id\": \"00000000-0000-0000-0000-000000000000\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    renderiq_client_free(client);
    rc = renderiq_op_wait(op, 30000, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NOT_FOUND);
    renderiq_error_free(err);
    renderiq_op_free(op);
    free(px);
}

/* The user's credit balance, or -1 when it cannot be read. */
static long long balance_of(RenderiqClient* client) {
    RenderiqError* err = NULL;
    char* out = NULL;
    long long balance;
    int32_t rc = callf(client, &out, &err, "{\"call\": \"credits\"}");
    EXPECT(rc, err, RENDERIQ_OK);
    balance = json_int_field(out, "balance", -1);
    renderiq_string_free(out);
    return balance;
}

/* Cancelling a render operation whose render is still pending withdraws that render on the
   server and refunds it. The server has one worker, kept busy for 20 s by a render created
   first, so the operation's render is certainly pending when it is cancelled. */
static void test_withdraw(void) {
    const char* url = getenv("RENDERIQ_TEST_WITHDRAW_URL");
    const char* email = getenv("RENDERIQ_TEST_WITHDRAW_EMAIL");
    RenderiqClient* client;
    RenderiqError* err = NULL;
    RenderiqOp* op = NULL;
    char* out = NULL;
    char render_id[128] = "";
    char status[32] = "";
    size_t len = 0;
    uint8_t* px;
    long long before, charged;
    int i;
    int32_t rc;

    if (!url || !*url || !email || !*email) {
        fprintf(stderr, "withdraw: RENDERIQ_TEST_WITHDRAW_URL and RENDERIQ_TEST_WITHDRAW_EMAIL must be set "
                        "(scripts/test-ffi.sh starts that server and CTest names the user)\n");
        CHECK(url && *url && email && *email);
        return;
    }
    client = signed_in_client_as(url, email);
    px = make_bgra(&len);

    /* the only worker is busy with this one for 20 s */
    rc = create_render(client, px, len, "{\"prompt\": \"keeps the worker busy\", \"quality\": \"standard\"}",
                                       &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    renderiq_string_free(out);
    out = NULL;
    before = balance_of(client);
    CHECK(before > 0);

    rc = start_render(client, "render", px, len, "{\"prompt\": \"withdrawn\", \"quality\": \"standard\"}", &op, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    for (i = 0; i < 3000 && render_id[0] == '\0'; i++) {
        char* progress = NULL;
        rc = renderiq_op_progress(op, NULL, &progress, &err);
        EXPECT(rc, err, RENDERIQ_OK);
        if (contains(progress, "\"render\":{")) {
            const char* render = strstr(progress, "\"render\":{");
            CHECK(json_string_field(render, "id", render_id, sizeof render_id));
            CHECK(json_string_field(render, "status", status, sizeof status));
        } else {
            sleep_ms(10);
        }
        renderiq_string_free(progress);
    }
    if (render_id[0] == '\0') fprintf(stderr, "withdraw: the render was not created within 30 s\n");
    CHECK(render_id[0] != '\0');
    CHECK(strcmp(status, "pending") == 0);
    charged = balance_of(client);
    CHECK(charged == before - 5);

    CHECK(renderiq_op_cancel(op) == RENDERIQ_OK);
    rc = renderiq_op_wait(op, 30000, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_CANCELLED);
    renderiq_error_free(err);
    err = NULL;
    renderiq_op_free(op);

    /* the withdrawal goes on in the background: wait for the server to say so */
    strcpy(status, "pending");
    for (i = 0; i < 3000 && render_id[0] && strcmp(status, "pending") == 0; i++) {
        rc = callf(client, &out, &err, "{\"call\": \"retrieve_render\", \"id\": \"%s\"}", render_id);
        EXPECT(rc, err, RENDERIQ_OK);
        CHECK(json_string_field(out, "status", status, sizeof status));
        renderiq_string_free(out);
        out = NULL;
        if (strcmp(status, "pending") == 0) sleep_ms(10);
    }
    if (strcmp(status, "cancelled") != 0) fprintf(stderr, "withdraw: the render is %s, not cancelled\n", status);
    CHECK(strcmp(status, "cancelled") == 0);
    CHECK(balance_of(client) == before);

    free(px);
    renderiq_client_free(client);
}

/* The one entry for calls: any call as JSON, bytes borrowed beside it, an operation whose
   outcome is read without taking it, and handles that a later object never reuses. */
static void test_call(void) {
    const char* base = env_or("RENDERIQ_TEST_BASE_URL", "http://127.0.0.1:8787");
    RenderiqClient* client = new_client(base, NULL);
    RenderiqError* err = NULL;
    RenderiqOp* op = NULL;
    RenderiqOp* stale = NULL;
    char* out = NULL;
    char* again = NULL;
    char call[512];
    char id[128] = "";
    size_t len = 0;
    uint8_t* px = make_bgra(&len);
    int i;
    int32_t rc;

    snprintf(call, sizeof call, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"%s\"}",
             env_or("RENDERIQ_TEST_EMAIL", "ada@example.com"), env_or("RENDERIQ_TEST_PASSWORD", "correct horse battery"));
    rc = renderiq_call(client, call, NULL, 0, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, env_or("RENDERIQ_TEST_EMAIL", "ada@example.com")));
    renderiq_string_free(out);
    rc = renderiq_call(client, "{\"call\": \"is_signed_in\"}", NULL, 0, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(out && strcmp(out, "true") == 0);
    renderiq_string_free(out);

    /* raw pixels borrowed beside the call: the geometry travels in the JSON */
    snprintf(call, sizeof call,
             "{\"call\": \"create_render\", \"image\": {\"kind\": \"raw\", \"width\": %d, \"height\": %d, \"stride\": %d,"
             " \"pixelFormat\": \"bgra8\"}, \"settings\": {\"quality\": \"standard\"}}",
             IMG_W, IMG_H, IMG_STRIDE);
    rc = renderiq_call(client, call, px, len, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(json_string_field(out, "id", id, sizeof id));
    renderiq_string_free(out);
    /* one byte short: the core's check, the same in every language */
    rc = renderiq_call(client, call, px, len - 1, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(out == NULL);
    CHECK(contains(renderiq_error_json(err), "\"details\":{\"data\":"));
    CHECK(contains(renderiq_error_json(err), "\"hintId\":\"invalid_input\""));
    renderiq_error_free(err);
    /* a call that is not valid names what is wrong */
    rc = renderiq_call(client, "{\"call\": \"fly\"}", NULL, 0, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(contains(renderiq_error_message(err), "create_render"));
    renderiq_error_free(err);
    rc = renderiq_call(client, "{\"call\": \"credits\"}", px, 4, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    renderiq_error_free(err);
    rc = renderiq_call(client, NULL, NULL, 0, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);
    rc = renderiq_call(client, "{\"call\": \"credits\"}", NULL, 5, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NULL_ARGUMENT);
    renderiq_error_free(err);

    /* a started call: the outcome is read as often as asked until it is taken */
    snprintf(call, sizeof call, "{\"call\": \"wait_for_render\", \"id\": \"%s\", \"wait\": {\"timeoutMs\": 60000}}", id);
    rc = renderiq_call_start(client, call, NULL, 0, &op, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    memset(px, 0, len); /* nothing borrowed any more */
    for (i = 0; i < 6000 && renderiq_op_poll(op) == 0; i++) {
        rc = renderiq_op_outcome(op, &out, &err);
        if (rc == RENDERIQ_OK) { /* finished between the poll and the read */
            renderiq_string_free(out);
            break;
        }
        EXPECT(rc, err, RENDERIQ_ERROR_NOT_READY);
        renderiq_error_free(err);
        sleep_ms(10);
    }
    CHECK(renderiq_op_poll(op) == 1);
    rc = renderiq_op_progress(op, NULL, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"version\":") && json_int_field(out, "version", 0) > 0);
    renderiq_string_free(out);
    rc = renderiq_op_outcome(op, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    rc = renderiq_op_outcome(op, &again, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(out && again && strcmp(out, again) == 0 && contains(out, "\"status\":\"completed\""));
    renderiq_string_free(again);
    renderiq_string_free(out);
    rc = renderiq_op_wait(op, 0, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    renderiq_string_free(out);
    rc = renderiq_op_outcome(op, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);  /* a wait leaves the outcome in place */
    renderiq_string_free(out);

    /* a freed handle never reaches a later object, even one started right after */
    stale = op;
    CHECK(renderiq_op_free(op) == RENDERIQ_OK);
    rc = renderiq_call_start(client, "{\"call\": \"health\"}", NULL, 0, &op, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(op != stale);
    CHECK(renderiq_op_poll(stale) == -RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(renderiq_op_free(stale) == RENDERIQ_ERROR_INVALID_HANDLE);
    CHECK(renderiq_op_poll((const RenderiqOp*)client) == -RENDERIQ_ERROR_INVALID_HANDLE);
    rc = renderiq_op_wait(op, RENDERIQ_WAIT_FOREVER, &out, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    CHECK(contains(out, "\"status\":\"ok\""));
    renderiq_string_free(out);
    renderiq_op_free(op);

    /* start errors are about the arguments; a call's own failure is its outcome */
    rc = renderiq_call_start(client, "{\"call\": \"fly\"}", NULL, 0, &op, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_INVALID_INPUT);
    CHECK(op == NULL);
    renderiq_error_free(err);
    rc = renderiq_call_start(client, "{\"call\": \"retrieve_render\", \"id\": \"00000000-0000-0000-0000-000000000000\"}",
                             NULL, 0, &op, &err);
    EXPECT(rc, err, RENDERIQ_OK);
    rc = renderiq_op_wait(op, RENDERIQ_WAIT_FOREVER, &out, &err);
    EXPECT(rc, err, RENDERIQ_ERROR_NOT_FOUND);
    CHECK(contains(renderiq_error_json(err), "\"hintId\":\"not_found\""));
    renderiq_error_free(err);
    renderiq_op_free(op);

    free(px);
    renderiq_client_free(client);
}

#ifndef _WIN32
struct worker_args {
    RenderiqClient* client;
    int failures;
};
static void* worker(void* p) {
    struct worker_args* a = (struct worker_args*)p;
    int i;
    for (i = 0; i < 10; i++) {
        char* out = NULL;
        RenderiqError* err = NULL;
        if (callf(a->client, &out, &err, "{\"call\": \"credits\"}") != RENDERIQ_OK) a->failures++;
        if (!contains(out, "\"balance\"")) a->failures++;
        renderiq_string_free(out);
        renderiq_error_free(err);
    }
    return NULL;
}
#endif

/* One client shared by several threads. */
static void test_threads(void) {
#ifndef _WIN32
    const char* base = env_or("RENDERIQ_TEST_BASE_URL", "http://127.0.0.1:8787");
    RenderiqClient* client = signed_in_client(base, NULL);
    pthread_t threads[4];
    struct worker_args args[4];
    int i;
    for (i = 0; i < 4; i++) {
        args[i].client = client;
        args[i].failures = 0;
        pthread_create(&threads[i], NULL, worker, &args[i]);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK(args[i].failures == 0);
    }
    renderiq_client_free(client);
#endif
}

struct group {
    const char* name;
    void (*run)(void);
};

static const struct group GROUPS[] = {
    {"abi", test_abi},       {"misuse", test_misuse}, {"image", test_image},
    {"webhooks", test_webhooks}, {"auth", test_auth},  {"errors", test_errors},
    {"resources", test_resources}, {"render", test_render}, {"ops", test_ops},
    {"withdraw", test_withdraw}, {"threads", test_threads}, {"call", test_call},
};

int main(int argc, char** argv) {
    size_t i;
    int ran = 0;
    uint64_t live_before = renderiq_live_object_count();
    for (i = 0; i < sizeof GROUPS / sizeof GROUPS[0]; i++) {
        if (argc > 1 && strcmp(argv[1], GROUPS[i].name) != 0) continue;
        GROUPS[i].run();
        ran++;
    }
    if (ran == 0) {
        fprintf(stderr, "unknown group %s\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    /* everything the tests received was freed */
    CHECK(renderiq_live_object_count() == live_before);
    if (renderiq_live_object_count() != live_before) {
        fprintf(stderr, "live objects: %llu before, %llu after\n", (unsigned long long)live_before,
                (unsigned long long)renderiq_live_object_count());
    }
    printf("%s: %d checks, %d failed\n", argc > 1 ? argv[1] : "all", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
