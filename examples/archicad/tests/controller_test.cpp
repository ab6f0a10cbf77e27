// Drives RenderController the way the add-on's idle callback does, against a running reference
// server. Environment (set by scripts/test-ffi.sh, inherited through CTest):
//   RENDERIQ_TEST_BASE_URL   server URL; the tests are skipped when it is unset
//   RENDERIQ_TEST_EMAIL      default ada@example.com
//   RENDERIQ_TEST_PASSWORD   default "correct horse battery"
#include "RenderController.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using renderiq_archicad::BgraPixels;
using renderiq_archicad::RenderController;
using renderiq_archicad::RenderRequest;
using renderiq_archicad::RenderState;
using namespace std::chrono_literals;

std::string env(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return (v && *v) ? v : fallback;
}

std::string config() {
    return R"({"baseUrl": ")" + env("RENDERIQ_TEST_BASE_URL", "") +
           R"(", "platform": "archicad", "pluginName": "renderiq-archicad-example", "pluginVersion": "0.1.0", "tokenStore": "memory"})";
}

// A synthetic 3D-window read-back: 64x40 BGRA, rows padded to 320 bytes (> 64 * 4), a gradient
// in the pixels and garbage (0xEE) in the padding.
struct Capture {
    static constexpr uint32_t width = 64, height = 40;
    static constexpr size_t stride = 320;
    std::vector<uint8_t> bytes = std::vector<uint8_t>(stride * height, 0xEE);
    Capture() {
        for (uint32_t y = 0; y < height; y++) {
            for (uint32_t x = 0; x < width; x++) {
                uint8_t* p = &bytes[y * stride + x * 4];
                p[0] = static_cast<uint8_t>(x * 4);    // B
                p[1] = static_cast<uint8_t>(y * 6);    // G
                p[2] = 0x80;                           // R
                p[3] = 0xFF;                           // A
            }
        }
    }
    BgraPixels pixels() const { return {bytes.data(), bytes.size(), width, height, stride, false}; }
};

// Calls tick() as an idle timer would, until the controller leaves the busy states.
RenderState runToEnd(RenderController& c, std::vector<RenderState>* seen = nullptr) {
    for (int i = 0; i < 6000 && c.busy(); i++) {
        const auto before = std::chrono::steady_clock::now();
        const RenderState s = c.tick();
        // tick() must not block the host's thread (generous bound for a loaded CI machine).
        EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);
        EXPECT_LE(c.progress(), 100);
        if (seen && (seen->empty() || seen->back() != s)) seen->push_back(s);
        std::this_thread::sleep_for(20ms);
    }
    return c.state();
}

bool isPng(const std::vector<uint8_t>& b) {
    static const uint8_t magic[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    return b.size() >= sizeof magic && std::equal(std::begin(magic), std::end(magic), b.begin());
}
bool isJpeg(const std::vector<uint8_t>& b) {
    return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}

class Controller : public ::testing::Test {
protected:
    void SetUp() override {
        if (env("RENDERIQ_TEST_BASE_URL", "").empty()) {
            GTEST_SKIP() << "RENDERIQ_TEST_BASE_URL is not set (run scripts/test-ffi.sh)";
        }
    }
    static std::unique_ptr<RenderController> signedIn() {
        auto c = std::make_unique<RenderController>(config());
        EXPECT_FALSE(c->isSignedIn());
        const std::string user = c->signIn(env("RENDERIQ_TEST_EMAIL", "ada@example.com"),
                                           env("RENDERIQ_TEST_PASSWORD", "correct horse battery"));
        EXPECT_NE(user.find(env("RENDERIQ_TEST_EMAIL", "ada@example.com")), std::string::npos);
        EXPECT_TRUE(c->isSignedIn());
        return c;
    }
};

TEST_F(Controller, RendersBgraPixelsWithPaddedStrideThroughTick) {
    auto c = signedIn();
    EXPECT_EQ(c->state(), RenderState::Idle);
    {
        Capture cap;
        ASSERT_TRUE(c->startFromBgra(cap.pixels(), {"evening light, \"warm\" tones", "photorealistic", "standard"}))
            << c->errorMessage();
        // copied at start: the host may reuse its buffer at once
    }
    EXPECT_TRUE(c->busy());
    EXPECT_EQ(c->state(), RenderState::Uploading);
    Capture other;
    EXPECT_FALSE(c->startFromBgra(other.pixels(), {"again"}));  // one render at a time
    EXPECT_FALSE(c->startFromBgra(other.pixels(), {"again"}));

    std::vector<RenderState> seen;
    ASSERT_EQ(runToEnd(*c, &seen), RenderState::Done) << c->errorKind() << ": " << c->errorMessage();
    EXPECT_EQ(c->progress(), 100);
    EXPECT_TRUE(c->errorMessage().empty());
    EXPECT_NE(c->renderJson().find("\"status\":\"completed\""), std::string::npos) << c->renderJson();
    ASSERT_GT(c->result().size(), 8u);
    EXPECT_TRUE(isPng(c->result()) || isJpeg(c->result())) << "not PNG/JPEG, first byte "
                                                          << static_cast<int>(c->result()[0]);
    EXPECT_EQ(c->tick(), RenderState::Done);  // idle ticks after the end change nothing
    for (const RenderState s : seen) EXPECT_NE(s, RenderState::Failed);

    c->reset();
    EXPECT_EQ(c->state(), RenderState::Idle);
    EXPECT_TRUE(c->result().empty());
}

TEST_F(Controller, AFailedRenderEndsInFailedWithAMessage) {
    auto c = signedIn();
    Capture cap;
    ASSERT_TRUE(c->startFromBgra(cap.pixels(), {"[fail] on purpose", "photorealistic", "standard"}));
    ASSERT_EQ(runToEnd(*c), RenderState::Failed);
    EXPECT_FALSE(c->errorMessage().empty());
    EXPECT_EQ(c->errorKind(), "render_failed") << c->errorMessage();
    EXPECT_TRUE(c->result().empty());
    // A new render may be started after a failure.
    ASSERT_TRUE(c->startFromBgra(cap.pixels(), {"second try"}));
    EXPECT_EQ(runToEnd(*c), RenderState::Done) << c->errorMessage();
}

TEST_F(Controller, StartWithBadPixelsFailsAtOnce) {
    auto c = signedIn();
    Capture cap;
    BgraPixels px = cap.pixels();
    px.size = 10;  // shorter than stride * height
    EXPECT_FALSE(c->startFromBgra(px, {"x"}));
    EXPECT_EQ(c->state(), RenderState::Failed);
    EXPECT_FALSE(c->errorMessage().empty());
}

TEST(ControllerParams, PromptIsJsonEscaped) {
    EXPECT_EQ(RenderController::paramsJson({"a \"b\"\\\n", "s", "q"}),
              R"({"prompt": "a \"b\"\\\n", "style": "s", "quality": "q"})");
}

}  // namespace
