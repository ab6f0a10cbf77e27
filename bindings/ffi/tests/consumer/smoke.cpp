// Smoke test of an INSTALLED Renderiq SDK from C++17 (renderiq.hpp), run against a reference
// server: the library loaded is the installed one, its version is the package's, a wrong
// password throws renderiq::AuthError, a render started in the background is polled to
// completion as a host's UI timer would, its output downloads as a PNG, and the RAII handles
// leave nothing unfreed. Environment and compile definitions as for smoke.c.
#include <dlfcn.h>
#include <renderiq.hpp>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#ifndef RENDERIQ_EXPECTED_VERSION
#error "compile with -DRENDERIQ_EXPECTED_VERSION=\"\\\"<the package's version>\\\"\""
#endif

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (!ok) {
        std::cerr << "FAIL: " << what << "\n";
        ++failures;
    }
}

std::string env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        std::cerr << name << " is not set\n";
        std::exit(2);
    }
    return value;
}

std::string realPath(const std::string& path) {
    char buf[PATH_MAX];
    return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string loadedFrom(const void* address) {
    Dl_info info{};
    return dladdr(address, &info) && info.dli_fname ? realPath(info.dli_fname) : std::string();
}

}  // namespace

int main() {
    const std::string baseUrl = env("RENDERIQ_TEST_BASE_URL");
    const std::string email = env("RENDERIQ_TEST_EMAIL");
    const std::string password = env("RENDERIQ_TEST_PASSWORD");
    const std::string image = env("RENDERIQ_TEST_IMAGE");
    const std::string expectLibrary = env("RENDERIQ_EXPECT_LIBRARY");

    const std::string library = loadedFrom(renderiq_version());
    const std::string want = expectLibrary == "static" ? realPath("/proc/self/exe") : realPath(expectLibrary);
    check(library == want, "librenderiq loaded from " + library + ", expected " + want);
    check(std::string(renderiq_version()) == RENDERIQ_EXPECTED_VERSION,
          std::string("version ") + renderiq_version() + ", package " + RENDERIQ_EXPECTED_VERSION);
    std::cout << "librenderiq " << renderiq_version() << " loaded from " << library << "\n";

    try {
        // The constructor checks the loaded library's ABI version against the header's.
        renderiq::Client client(R"({"baseUrl": ")" + baseUrl +
                                R"(", "platform": "archicad", "pluginName": "consumer-smoke-cpp",
                                   "pluginVersion": "1.0.0", "sdkLanguage": "c"})");
        try {
            client.signIn(email, "not " + password);
            check(false, "a wrong password did not throw");
        } catch (const renderiq::AuthError& e) {
            check(e.code() == RENDERIQ_ERROR_AUTH, "AuthError with code " + std::to_string(e.code()));
        }
        const std::string user = client.signIn(email, password);
        check(user.find(email) != std::string::npos, "signIn answered " + user);

        renderiq::Operation op = client.startRender(renderiq::Image::file(image),
                                                    R"({"prompt": "installed SDK smoke test", "quality": "high"})");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
        int polls = 0;
        while (!op.done() && std::chrono::steady_clock::now() < deadline) {
            (void)op.progress();  // what a progress bar would show
            ++polls;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        check(op.done(), "the render did not finish within 2 minutes");
        const std::string render = *op.tryResult();
        check(render.find(R"("status":"completed")") != std::string::npos, "render: " + render);
        const std::vector<uint8_t> png = client.downloadRender(render);
        const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        check(png.size() > 100 && std::memcmp(png.data(), signature, 8) == 0, "the download is not a PNG");
        std::cout << "rendered after " << polls << " polls, downloaded " << png.size() << " bytes of PNG\n";
    } catch (const renderiq::Error& e) {
        check(false, std::string("renderiq::Error: ") + e.what());
    } catch (const std::exception& e) {
        check(false, std::string("exception: ") + e.what());
    }
    check(renderiq_live_object_count() == 0,
          std::to_string(renderiq_live_object_count()) + " objects still live after the handles went");

    if (failures) {
        std::cerr << failures << " check(s) failed\n";
        return 1;
    }
    std::cout << "ok\n";
    return 0;
}
