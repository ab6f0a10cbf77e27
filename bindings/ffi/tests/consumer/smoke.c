/* Smoke test of an INSTALLED Renderiq SDK from plain C (renderiq.h), run against a reference
 * server: the library loaded is the installed one, its version is the package's, a sign-in
 * with a wrong password fails as RENDERIQ_ERROR_AUTH, a render of a viewport capture completes
 * and its output downloads as a PNG, and nothing the library returned is left unfreed.
 *
 * Built by tests/consumer/CMakeLists.txt (find_package(Renderiq)) and by hand with pkg-config
 * (scripts/release/test-cmake.sh). Environment: RENDERIQ_TEST_BASE_URL, RENDERIQ_TEST_EMAIL,
 * RENDERIQ_TEST_PASSWORD, RENDERIQ_TEST_IMAGE (a PNG), RENDERIQ_EXPECT_LIBRARY (the installed
 * librenderiq.so the program must have loaded, or "static" for a static link). Compile with
 * -DRENDERIQ_EXPECTED_VERSION="\"x.y.z\"" (the installed package's version). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <renderiq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RENDERIQ_EXPECTED_VERSION
#error "compile with -DRENDERIQ_EXPECTED_VERSION=\"\\\"<the package's version>\\\"\""
#endif

static int failures = 0;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
            failures++;                                                   \
        }                                                                 \
    } while (0)

static const char* env(const char* name) {
    const char* value = getenv(name);
    if (value == NULL || *value == '\0') {
        fprintf(stderr, "%s is not set\n", name);
        exit(2);
    }
    return value;
}

/* Makes one call and answers its status; *out receives the result JSON, *err the error. */
static int32_t call(RenderiqClient* client, char** out, RenderiqError** err, const char* json) {
    int32_t rc = renderiq_call(client, json, NULL, 0, out, err);
    if (rc != RENDERIQ_OK && *err != NULL) {
        fprintf(stderr, "  call %s -> %d: %s\n", json, rc, renderiq_error_message(*err));
    }
    return rc;
}

/* The file the code at `address` was loaded from (realpath), or "" if unknown. */
static void loaded_from(const void* address, char* out, size_t size) {
    Dl_info info;
    out[0] = '\0';
    if (dladdr(address, &info) && info.dli_fname != NULL && realpath(info.dli_fname, out) == NULL) {
        snprintf(out, size, "%s", info.dli_fname);
    }
}

int main(void) {
    const char* base_url = env("RENDERIQ_TEST_BASE_URL");
    const char* email = env("RENDERIQ_TEST_EMAIL");
    const char* password = env("RENDERIQ_TEST_PASSWORD");
    const char* image = env("RENDERIQ_TEST_IMAGE");
    const char* expect_library = env("RENDERIQ_EXPECT_LIBRARY");

    /* 1. The library is the installed one: the version string lives in the library's data. */
    char library[PATH_MAX], want[PATH_MAX];
    loaded_from(renderiq_version(), library, sizeof library);
    if (strcmp(expect_library, "static") == 0) {
        if (realpath("/proc/self/exe", want) == NULL) snprintf(want, sizeof want, "?");
    } else if (realpath(expect_library, want) == NULL) {
        snprintf(want, sizeof want, "%s", expect_library);
    }
    CHECK(strcmp(library, want) == 0, "librenderiq loaded from %s, expected %s", library, want);
    printf("librenderiq %s (ABI %u) loaded from %s\n", renderiq_version(), renderiq_abi_version(), library);

    /* 2. The headers and the library are one release. */
    CHECK(renderiq_abi_version() == RENDERIQ_ABI_VERSION, "ABI %u, header %u", renderiq_abi_version(),
          (unsigned)RENDERIQ_ABI_VERSION);
    CHECK(strcmp(renderiq_version(), RENDERIQ_EXPECTED_VERSION) == 0, "version %s, package %s", renderiq_version(),
          RENDERIQ_EXPECTED_VERSION);

    char config[512];
    snprintf(config, sizeof config,
             "{\"baseUrl\": \"%s\", \"platform\": \"archicad\", \"pluginName\": \"consumer-smoke-c\", "
             "\"pluginVersion\": \"1.0.0\", \"sdkLanguage\": \"c\"}",
             base_url);
    RenderiqClient* client = NULL;
    RenderiqError* err = NULL;
    int32_t rc = renderiq_client_new(config, &client, &err);
    CHECK(rc == RENDERIQ_OK, "renderiq_client_new -> %d: %s", rc, err ? renderiq_error_message(err) : "");
    renderiq_error_free(err);
    err = NULL;
    if (client == NULL) return 1;

    /* 3. A wrong password is an auth error, with its kind. */
    char json[1024];
    snprintf(json, sizeof json, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"not %s\"}", email, password);
    rc = renderiq_call(client, json, NULL, 0, NULL, &err);
    CHECK(rc == RENDERIQ_ERROR_AUTH, "a wrong password gave %d, expected RENDERIQ_ERROR_AUTH", rc);
    CHECK(err != NULL && strcmp(renderiq_error_kind(err), "auth") == 0, "error kind %s",
          err ? renderiq_error_kind(err) : "(none)");
    renderiq_error_free(err);
    err = NULL;

    /* 4. Sign in, render the capture, download the output. */
    char* out = NULL;
    snprintf(json, sizeof json, "{\"call\": \"sign_in\", \"email\": \"%s\", \"password\": \"%s\"}", email, password);
    rc = call(client, &out, &err, json);
    CHECK(rc == RENDERIQ_OK && out != NULL && strstr(out, email) != NULL, "sign_in -> %d: %s", rc, out ? out : "");
    renderiq_string_free(out);
    renderiq_error_free(err);
    out = NULL;
    err = NULL;

    snprintf(json, sizeof json,
             "{\"call\": \"render\", \"image\": {\"kind\": \"file\", \"path\": \"%s\"}, "
             "\"settings\": {\"prompt\": \"installed SDK smoke test, dusk\", \"style\": \"photorealistic\"}}",
             image);
    rc = call(client, &out, &err, json);
    CHECK(rc == RENDERIQ_OK && out != NULL && strstr(out, "\"status\":\"completed\"") != NULL, "render -> %d: %s", rc,
          out ? out : "");
    renderiq_error_free(err);
    err = NULL;
    if (rc == RENDERIQ_OK && out != NULL) {
        uint8_t* png = NULL;
        size_t len = 0;
        rc = renderiq_client_render_download(client, out, &png, &len, &err);
        static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        CHECK(rc == RENDERIQ_OK && len > 100 && memcmp(png, signature, 8) == 0,
              "download -> %d, %zu bytes, not a PNG", rc, len);
        printf("rendered and downloaded %zu bytes of PNG\n", len);
        renderiq_bytes_free(png, len);
        renderiq_error_free(err);
        err = NULL;
    }
    renderiq_string_free(out);
    renderiq_client_free(client);

    /* 5. Everything the library handed out was freed. */
    CHECK(renderiq_live_object_count() == 0, "%llu objects still live",
          (unsigned long long)renderiq_live_object_count());

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
