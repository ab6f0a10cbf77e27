// Drives RenderController the way the add-on's idle callback does, against a running reference
// server. Environment (set by scripts/test-ffi.sh, inherited through CTest):
//   RENDERIQ_TEST_BASE_URL       server URL; the tests fail when it is unset
//   RENDERIQ_TEST_EMAIL          default ada@example.com
//   RENDERIQ_TEST_PASSWORD       default "correct horse battery"
//   RENDERIQ_TEST_WITHDRAW_URL   a server with one worker and 20 s renders
//   RENDERIQ_TEST_WITHDRAW_EMAIL a user of its own there (no other test renders as it)
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

std::string config(const std::string& url = env("RENDERIQ_TEST_BASE_URL", "")) {
    return R"({"baseUrl": ")" + url +
           R"(", "platform": "archicad", "pluginName": "renderiq-archicad-example", "pluginVersion": "0.1.0", "tokenStore": "memory"})";
}

std::string field(const std::string& json, const std::string& key) {
    const std::string pattern = "\"" + key + "\":\"";
    size_t p = json.find(pattern);
    if (p == std::string::npos) return {};
    p += pattern.size();
    return json.substr(p, json.find('"', p) - p);
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

// Calls tick() as an idle timer would, until the controller leaves the busy states. That tick()
// never waits for the render is TickReturnsWhileTheRenderIsStillQueued's.
RenderState runToEnd(RenderController& c, std::vector<RenderState>* seen = nullptr) {
    for (int i = 0; i < 6000 && c.busy(); i++) {
        const RenderState s = c.tick();
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
        ASSERT_FALSE(env("RENDERIQ_TEST_BASE_URL", "").empty())
            << "RENDERIQ_TEST_BASE_URL is not set (run scripts/test-ffi.sh, which starts the servers)";
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

// The server has one worker, kept busy for 20 s by a render created first, so the controller's
// render stays queued for at least that long: every tick() below returns while the server still
// has it pending, which a tick that waited for the render could not do. Cancelling then ends the
// render in Failed("cancelled") through later ticks, and the SDK withdraws it on the server.
TEST_F(Controller, TickReturnsWhileTheRenderIsStillQueued) {
    const std::string url = env("RENDERIQ_TEST_WITHDRAW_URL", "");
    const std::string user = env("RENDERIQ_TEST_WITHDRAW_EMAIL", "");
    ASSERT_FALSE(url.empty() || user.empty()) << "RENDERIQ_TEST_WITHDRAW_URL/_EMAIL are not set (scripts/test-ffi.sh)";
    RenderController c(config(url));
    c.signIn(user, env("RENDERIQ_TEST_PASSWORD", "correct horse battery"));
    Capture cap;
    (void)c.client().createRender(renderiq::Image::raw(cap.bytes.data(), cap.bytes.size(), Capture::width, Capture::height,
                                                      Capture::stride, renderiq::PixelFormat::Bgra8),
                                  R"({"prompt": "keeps the worker busy", "quality": "standard"})");
    ASSERT_TRUE(c.startFromBgra(cap.pixels(), {"queued"})) << c.errorMessage();

    for (int i = 0; i < 3000 && c.stage() != "pending"; i++) {
        EXPECT_TRUE(c.busy());
        (void)c.tick();
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(c.stage(), "pending") << "the render was not created within 30 s: " << c.errorMessage();
    // The newest render of this user is the controller's.
    const std::string newest = c.client().listRenders(std::nullopt, 1);
    const std::string id = field(newest, "id");
    ASSERT_FALSE(id.empty()) << newest;
    for (int i = 0; i < 10; i++) {
        EXPECT_EQ(c.tick(), RenderState::Processing);
        EXPECT_EQ(c.stage(), "pending");
        EXPECT_EQ(field(c.client().getRender(id), "status"), "pending") << "tick " << i << " returned after the render moved on";
    }

    c.cancel();
    ASSERT_EQ(runToEnd(c), RenderState::Failed);
    EXPECT_EQ(c.errorKind(), "cancelled") << c.errorMessage();
    std::string status = "pending";
    for (int i = 0; i < 3000 && status == "pending"; i++) {
        status = field(c.client().getRender(id), "status");
        if (status == "pending") std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(status, "cancelled");
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
