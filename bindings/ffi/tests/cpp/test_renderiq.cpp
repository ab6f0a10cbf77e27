// GoogleTest suite of the C++17 wrapper (renderiq.hpp) against a running reference server.
// Environment as for tests/c/test_ffi.c (set by scripts/test-ffi.sh through CTest).
#include <renderiq.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using namespace std::chrono_literals;

std::string env(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return (v && *v) ? v : fallback;
}

std::string baseUrl() { return env("RENDERIQ_TEST_BASE_URL", "http://127.0.0.1:8787"); }
std::string slowUrl() { return env("RENDERIQ_TEST_SLOW_URL", baseUrl().c_str()); }
std::string email() { return env("RENDERIQ_TEST_EMAIL", "ada@example.com"); }
std::string password() { return env("RENDERIQ_TEST_PASSWORD", "correct horse battery"); }

std::string config(const std::string& url, const std::string& extra = "") {
    return R"({"baseUrl": ")" + url +
           R"(", "platform": "archicad", "pluginName": "ffi-cpp-tests", "pluginVersion": "1.0.0", "tokenStore": "memory")" +
           (extra.empty() ? "" : ", " + extra) + "}";
}

renderiq::Client signedIn(const std::string& url = baseUrl(), const std::string& extra = "") {
    renderiq::Client c(config(url, extra));
    c.signIn(email(), password());
    return c;
}

std::string field(const std::string& json, const std::string& key, size_t from = 0) {
    const std::string pattern = "\"" + key + "\":\"";
    size_t p = json.find(pattern, from);
    if (p == std::string::npos) return {};
    p += pattern.size();
    return json.substr(p, json.find('"', p) - p);
}

long long intField(const std::string& json, const std::string& key) {
    const std::string pattern = "\"" + key + "\":";
    size_t p = json.find(pattern);
    return p == std::string::npos ? -1 : std::stoll(json.substr(p + pattern.size()));
}

long long balance(const renderiq::Client& c) { return intField(c.credits(), "balance"); }

// Where a render operation's stage comes in its life: the upload, then the render's statuses.
int stageRank(const std::string& stage) {
    const char* order[] = {"preparing", "uploading", "pending", "processing", "completed"};
    for (int i = 0; i < 5; i++)
        if (stage == order[i]) return i;
    return -1;
}

// A BGRA capture with rows padded to a 256-byte stride.
struct Capture {
    static constexpr uint32_t width = 50, height = 30;
    static constexpr size_t stride = 256;
    std::vector<uint8_t> pixels = std::vector<uint8_t>(stride * height, 0x80);
    renderiq::Image image() const {
        return renderiq::Image::raw(pixels.data(), pixels.size(), width, height, stride, renderiq::PixelFormat::Bgra8);
    }
};

class LiveObjects : public ::testing::Test {
protected:
    void SetUp() override { before_ = renderiq_live_object_count(); }
    void TearDown() override { EXPECT_EQ(renderiq_live_object_count(), before_) << "a handle, string or error leaked"; }
    uint64_t before_ = 0;
};

using Abi = LiveObjects;
using Errors = LiveObjects;
using Renders = LiveObjects;
using Webhooks = LiveObjects;
using Images = LiveObjects;

TEST_F(Abi, HandlesAreMoveOnlyAndTheAbiVersionMatches) {
    static_assert(!std::is_copy_constructible_v<renderiq::Client>);
    static_assert(std::is_nothrow_move_constructible_v<renderiq::Client>);
    static_assert(!std::is_copy_constructible_v<renderiq::Operation>);
    static_assert(std::is_base_of_v<renderiq::Error, renderiq::InsufficientCreditsError>);
    EXPECT_EQ(renderiq::kAbiVersion, renderiq_abi_version());
    EXPECT_NO_THROW(renderiq::checkAbiVersion());
    EXPECT_FALSE(renderiq::version().empty());
    renderiq::AbiMismatchError e(1, 2, "9.9.9");
    EXPECT_NE(std::string(e.what()).find("compiled against renderiq.h ABI version 1"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("has ABI version 2"), std::string::npos);
}

TEST_F(Abi, AMovedFromClientAnswersWithAUsageError) {
    renderiq::Client a(config(baseUrl()));
    renderiq::Client b(std::move(a));
    EXPECT_NO_THROW((void)b.health());
    try {
        (void)a.health();  // NOLINT(bugprone-use-after-move): on purpose
        FAIL() << "no exception";
    } catch (const renderiq::UsageError& e) {
        EXPECT_EQ(e.code(), RENDERIQ_ERROR_NULL_ARGUMENT);
        EXPECT_EQ(e.kind(), "null_argument");
    }
}

TEST_F(Errors, BadConfigIsAConfigError) {
    try {
        renderiq::Client c(R"({"baseUrl": "http://x", "tokenStore": "disk"})");
        FAIL() << "no exception";
    } catch (const renderiq::ConfigError& e) {
        EXPECT_EQ(e.code(), RENDERIQ_ERROR_CONFIG);
        EXPECT_NE(std::string(e.what()).find("token store"), std::string::npos);
    }
}

TEST_F(Errors, WrongPasswordIsAnAuthErrorWithTheServersFields) {
    renderiq::Client c(config(baseUrl()));
    try {
        c.signIn(email(), "wrong password");
        FAIL() << "no exception";
    } catch (const renderiq::AuthError& e) {
        EXPECT_EQ(e.code(), RENDERIQ_ERROR_AUTH);
        EXPECT_EQ(e.kind(), "auth");
        EXPECT_EQ(e.httpStatus(), 401);
        EXPECT_EQ(e.apiCode(), "INVALID_CREDENTIALS");
        EXPECT_FALSE(e.requestId().empty());
        EXPECT_NE(e.json().find("\"status\":401"), std::string::npos);
        EXPECT_EQ(e.details(), "null");
    }
    EXPECT_FALSE(c.isSignedIn());
    EXPECT_THROW((void)c.me(), renderiq::AuthError);
}

TEST_F(Errors, NotFoundValidationAndInsufficientCredits) {
    renderiq::Client c = signedIn();
    EXPECT_THROW((void)c.retrieveRender("00000000-0000-0000-0000-000000000000"), renderiq::NotFoundError);
    EXPECT_THROW((void)c.retrieveRender("not a valid id"), renderiq::ValidationError);
    renderiq::models::SettingsUpdate cubism;
    cubism.defaultStyle = "cubism";
    EXPECT_THROW((void)c.updateSettings(cubism), renderiq::ValidationError);
    EXPECT_THROW((void)c.call("{oops"), renderiq::ValidationError);  // the call is not valid JSON: the core says so

    renderiq::Client poor(config(baseUrl()));
    poor.signIn(env("RENDERIQ_TEST_POOR_EMAIL", "poor@example.com"), env("RENDERIQ_TEST_POOR_PASSWORD", "correct horse battery"));
    Capture cap;
    try {
        (void)poor.createRender(cap.image(), R"({"quality": "high"})");
        FAIL() << "no exception";
    } catch (const renderiq::InsufficientCreditsError& e) {
        EXPECT_EQ(e.httpStatus(), 402);
        EXPECT_EQ(e.requiredCredits(), std::optional<int64_t>(10));
        EXPECT_EQ(e.availableCredits(), std::optional<int64_t>(0));
        EXPECT_FALSE(e.retryAfter().has_value());
    }
}

TEST_F(Errors, RateLimitCarriesRetryAfter) {
    renderiq::Client c = signedIn(env("RENDERIQ_TEST_RATE_URL", baseUrl().c_str()), R"("maxRetries": 0)");
    Capture cap;
    bool limited = false;
    for (int i = 0; i < 3 && !limited; i++) {
        try {
            (void)c.createRender(cap.image(), R"({"quality": "standard"})");
        } catch (const renderiq::RateLimitError& e) {
            limited = true;
            EXPECT_EQ(e.httpStatus(), 429);
            ASSERT_TRUE(e.retryAfter().has_value());
            EXPECT_GT(e.retryAfter()->count(), 0);
        }
    }
    EXPECT_TRUE(limited);
}

TEST_F(Renders, ARenderFromBgraPixelsCompletesThroughThePolledOperation) {
    renderiq::Client c = signedIn();
    std::string renderJson;
    {
        Capture cap;
        renderiq::Operation op = c.startRender(cap.image(), R"({"prompt": "evening light", "quality": "standard"})", 120s);
        cap.pixels.assign(cap.pixels.size(), 0);  // copied at start: the buffer is the host's again
        // Progress never goes back: the stage only moves forward, and within the upload and
        // within the render the percentage never drops (it restarts at 0 when the upload ends
        // and the render is queued).
        int polls = 0, lastRank = -1;
        uint8_t lastPercent = 0;
        bool lastInRender = false;
        for (bool done = false; !done && polls < 6000; polls++) {
            done = op.done();
            renderiq::Progress p = op.progress();
            EXPECT_LE(p.percent, 100);
            EXPECT_NE(p.json.find("\"percent\":"), std::string::npos);
            const std::string stage = field(p.json, "stage");
            if (!stage.empty()) {  // empty until the worker thread's first report
                const int rank = stageRank(stage);
                EXPECT_GE(rank, 0) << "unknown stage " << stage;
                EXPECT_GE(rank, lastRank) << "the stage went back to " << stage;
                const bool inRender = rank >= 2;
                if (inRender == lastInRender) {
                    EXPECT_GE(p.percent, lastPercent) << "progress went down at " << stage;
                }
                lastRank = rank;
                lastPercent = p.percent;
                lastInRender = inRender;
            } else {
                EXPECT_FALSE(done) << "a finished operation has a stage";
            }
            if (!done) std::this_thread::sleep_for(10ms);
        }
        EXPECT_TRUE(op.done());
        EXPECT_EQ(lastRank, stageRank("completed")) << "the last progress seen is the completed render's";
        EXPECT_EQ(op.progress().percent, 100);
        std::optional<std::string> result = op.tryResult();
        ASSERT_TRUE(result.has_value());
        renderJson = *result;
        EXPECT_EQ(op.tryResult(), result) << "a wait leaves the outcome in place";
    }
    EXPECT_NE(renderJson.find("\"status\":\"completed\""), std::string::npos);
    std::vector<uint8_t> bytes = c.downloadRender(renderJson);
    EXPECT_GT(bytes.size(), 100u);
    const std::string id = field(renderJson, "id");
    EXPECT_EQ(c.downloadRender(id).size(), bytes.size());
    EXPECT_NE(c.retrieveRender(id).find(id), std::string::npos);
    EXPECT_NE(c.listRenders(std::nullopt, 5).find("\"items\":["), std::string::npos);
}

TEST_F(Renders, AFailedRenderThrowsRenderFailedFromTheOperation) {
    renderiq::Client c = signedIn();
    Capture cap;
    renderiq::Operation op = c.startRender(cap.image(), R"({"prompt": "[fail]", "quality": "standard"})");
    try {
        (void)op.wait();
        FAIL() << "no exception";
    } catch (const renderiq::RenderFailedError& e) {
        EXPECT_EQ(e.apiCode(), "RENDER_FAILED");
    }
}

TEST_F(Renders, AnOperationCancelledMidwayEndsWithCancelledError) {
    renderiq::Client c = signedIn(slowUrl());
    Capture cap;
    renderiq::Operation op = c.startRender(cap.image(), R"({"prompt": "slow", "quality": "standard"})");
    std::string progress;
    for (int i = 0; i < 1500; i++) {
        progress = op.progress().json;
        if (progress.find("\"render\":{") != std::string::npos) break;
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_FALSE(op.done());
    EXPECT_FALSE(op.tryResult().has_value());
    EXPECT_FALSE(op.wait(20ms).has_value());
    op.cancel();
    EXPECT_THROW((void)op.wait(), renderiq::CancelledError);
    EXPECT_FALSE(field(progress, "id", progress.find("\"render\":{")).empty());
}

// The only worker of the withdraw server is kept busy for 20 s by a render created first, so
// the operation's render is certainly pending when the operation is cancelled.
TEST_F(Renders, CancellingAPendingRenderOperationWithdrawsItAndRefundsIt) {
    const std::string url = env("RENDERIQ_TEST_WITHDRAW_URL", "");
    const std::string user = env("RENDERIQ_TEST_WITHDRAW_EMAIL", "");
    ASSERT_FALSE(url.empty() || user.empty())
        << "RENDERIQ_TEST_WITHDRAW_URL and RENDERIQ_TEST_WITHDRAW_EMAIL must be set (scripts/test-ffi.sh, CTest)";
    renderiq::Client c(config(url));
    c.signIn(user, password());
    Capture cap;
    (void)c.createRender(cap.image(), R"({"prompt": "keeps the worker busy", "quality": "standard"})");
    const long long before = balance(c);
    ASSERT_GT(before, 0);

    renderiq::Operation op = c.startRender(cap.image(), R"({"prompt": "withdrawn", "quality": "standard"})");
    std::string progress;
    for (int i = 0; i < 3000; i++) {
        progress = op.progress().json;
        if (progress.find("\"render\":{") != std::string::npos) break;
        std::this_thread::sleep_for(10ms);
    }
    const size_t render = progress.find("\"render\":{");
    ASSERT_NE(render, std::string::npos) << "the render was not created within 30 s";
    const std::string id = field(progress, "id", render);
    EXPECT_EQ(field(progress, "status", render), "pending");
    EXPECT_EQ(balance(c), before - 5) << "it was charged";

    op.cancel();
    EXPECT_THROW((void)op.wait(30s), renderiq::CancelledError);
    std::string status = "pending";
    for (int i = 0; i < 3000 && status == "pending"; i++) {
        status = field(c.retrieveRender(id), "status");
        if (status == "pending") std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(status, "cancelled");
    EXPECT_EQ(balance(c), before) << "refunded";
}

TEST_F(Renders, ACreateOperationGivesThePendingRenderAndAWaitOperationFollowsItToTheEnd) {
    renderiq::Client c = signedIn();
    Capture cap;
    renderiq::Operation op = c.startCreateRender(cap.image(), R"({"quality": "standard"})");
    const std::string created = op.wait();
    EXPECT_NE(created.find("\"status\":\"pending\""), std::string::npos);
    renderiq::Operation waiting = c.startWaitForRender(field(created, "id"), 60s);
    EXPECT_NE(waiting.wait().find("\"status\":\"completed\""), std::string::npos);
}

// The callback is registered on a wait for a render of the slow server (3 s), so the operation
// cannot have finished before: it ends when it is cancelled, after the registration, and the
// callback then runs on the SDK's thread rather than the caller's.
TEST_F(Renders, OnCompleteRunsOnceOnAWorkerThread) {
    renderiq::Client c = signedIn(slowUrl());
    Capture cap;
    const std::string created = c.createRender(cap.image(), R"({"quality": "standard"})");
    std::atomic<int> calls{0};
    std::atomic<bool> otherThread{false};
    const auto self = std::this_thread::get_id();
    renderiq::Operation op = c.startWaitForRender(field(created, "id"), 60s);
    op.onComplete([&] {
        otherThread = std::this_thread::get_id() != self;
        calls++;
    });
    EXPECT_THROW(op.onComplete([] {}), renderiq::UsageError);
    op.cancel();
    for (int i = 0; i < 3000 && calls == 0; i++) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(otherThread) << "the callback ran on the thread that registered it";
    EXPECT_THROW((void)op.tryResult(), renderiq::CancelledError);
}

TEST_F(Renders, AccountResourcesRoundTrip) {
    renderiq::Client c = signedIn();
    EXPECT_NE(c.createProject("Farnsworth House").find("\"slug\":"), std::string::npos);
    EXPECT_NE(c.projects().find("Farnsworth House"), std::string::npos);
    EXPECT_NE(c.credits().find("\"balance\":"), std::string::npos);
    EXPECT_NE(c.creditTransactions(1, 3).find("\"items\":"), std::string::npos);
    EXPECT_NE(c.settings().find("\"defaultQuality\":"), std::string::npos);
    const std::string key = c.createApiKey("cpp", {"renders:read"});
    const std::string keyId = field(key, "id", key.find("\"apiKey\""));
    EXPECT_NE(c.apiKeys().find(keyId), std::string::npos);
    c.revokeApiKey(keyId);
    const std::string hook = c.registerWebhook("http://127.0.0.1:9/hook", std::vector<std::string>{"render.completed"});
    const std::string hookId = field(hook, "id", hook.find("\"webhook\""));
    EXPECT_NE(c.webhooks().find(hookId), std::string::npos);
    c.deleteWebhook(hookId);
    EXPECT_THROW(c.deleteWebhook(hookId), renderiq::NotFoundError);
    EXPECT_NE(c.health().find("\"status\":\"ok\""), std::string::npos);
    c.signOut();
    EXPECT_FALSE(c.isSignedIn());
}

using Calls = LiveObjects;

TEST_F(Calls, AnyCallAsJsonWithPixelsBorrowedBesideIt) {
    renderiq::Client c(config(baseUrl()));
    const std::string user = c.call(R"({"call": "sign_in", "email": ")" + email() + R"(", "password": ")" + password() + R"("})");
    EXPECT_NE(user.find(email()), std::string::npos) << user;
    EXPECT_EQ(c.call(R"({"call": "is_signed_in"})"), "true");
    EXPECT_NE(c.call(R"({"call": "credits"})").find("\"balance\":"), std::string::npos);

    Capture cap;
    const std::string created = c.call(
        R"({"call": "create_render", "image": {"kind": "raw", "width": 50, "height": 30, "stride": 256, "pixelFormat": "bgra8"},
            "settings": {"quality": "standard"}})",
        cap.pixels);
    EXPECT_NE(created.find("\"status\":\"pending\""), std::string::npos) << created;
    const std::string id = field(created, "id");
    EXPECT_NE(c.call(R"({"call": "retrieve_render", "id": ")" + id + R"("})").find(id), std::string::npos);

    // the call is checked by the core, which names what is wrong
    try {
        (void)c.call(R"({"call": "fly"})");
        ADD_FAILURE() << "no exception";
    } catch (const renderiq::ValidationError& e) {
        EXPECT_EQ(e.code(), RENDERIQ_ERROR_INVALID_INPUT);
        EXPECT_NE(std::string(e.what()).find("create_render"), std::string::npos) << e.what();
    }
    const std::vector<uint8_t> bytes{1, 2, 3};
    EXPECT_THROW((void)c.call(R"({"call": "credits"})", bytes), renderiq::ValidationError);
    EXPECT_THROW((void)c.call(R"({"call": "prepare_image", "image": {"kind": "raw", "width": 50, "height": 30, "pixelFormat": "bgra8"}})",
                              renderiq::Bytes(cap.pixels.data(), 50 * 4 * 30 - 1)),
                 renderiq::ValidationError);
}

TEST_F(Calls, AStartedCallsOutcomeIsReadAsOftenAsAsked) {
    renderiq::Client c = signedIn();
    renderiq::Operation op = c.start(R"({"call": "credits"})");
    for (int i = 0; i < 3000 && !op.done(); i++) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(op.done());
    const std::optional<std::string> first = op.outcome();
    ASSERT_TRUE(first.has_value());
    EXPECT_NE(first->find("\"balance\":"), std::string::npos) << *first;
    EXPECT_EQ(op.outcome(), first) << "reading the outcome does not take it";
    EXPECT_EQ(op.tryResult(), first);
    EXPECT_EQ(op.outcome(), first) << "nor does waiting for it";
    EXPECT_EQ(op.wait(), *first);

    // a failure is thrown each time it is read
    renderiq::Operation missing = c.start(R"({"call": "retrieve_render", "id": "00000000-0000-0000-0000-000000000000"})");
    EXPECT_THROW((void)missing.wait(30s), renderiq::NotFoundError);
    renderiq::Operation again = c.start(R"({"call": "retrieve_render", "id": "00000000-0000-0000-0000-000000000000"})");
    for (int i = 0; i < 3000 && !again.done(); i++) std::this_thread::sleep_for(10ms);
    EXPECT_THROW((void)again.outcome(), renderiq::NotFoundError);
    EXPECT_THROW((void)again.outcome(), renderiq::NotFoundError);
}

TEST_F(Calls, ARenderCallsProgressVersionGrowsAndEndsAt100) {
    renderiq::Client c = signedIn();
    Capture cap;
    renderiq::Operation op = c.start(
        R"({"call": "render", "image": {"kind": "raw", "width": 50, "height": 30, "stride": 256, "pixelFormat": "bgra8", "bottomUp": true},
            "settings": {"quality": "standard"}, "wait": {"timeoutMs": 120000}})",
        cap.pixels);
    cap.pixels.assign(cap.pixels.size(), 0);  // copied at start
    long long lastVersion = -1;
    int changes = 0;
    for (int i = 0; i < 6000 && !op.done(); i++) {
        const long long v = intField(op.progress().json, "version");
        EXPECT_GE(v, lastVersion) << "the version went back";
        if (v > lastVersion && lastVersion >= 0) changes++;
        lastVersion = v;
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(op.done());
    const renderiq::Progress last = op.progress();
    EXPECT_GE(intField(last.json, "version"), lastVersion);
    EXPECT_GT(intField(last.json, "version"), 0);
    EXPECT_EQ(last.percent, 100);
    const std::optional<std::string> result = op.outcome();
    ASSERT_TRUE(result.has_value());
    EXPECT_NE(result->find("\"status\":\"completed\""), std::string::npos) << *result;
    (void)changes;  // how many changes a poller sees depends on its timing; the order does not
}

TEST_F(Calls, TheTypedMethodsAreCallsWithTheCoresDefaults) {
    renderiq::Client c = signedIn();
    // strings are escaped into the call's JSON and come back unchanged
    const std::string name = "Ca' d'Oro \"Venezia\"\n\\ \t\x01";
    const std::string project = c.createProject(name);
    EXPECT_NE(project.find(R"(Ca' d'Oro \"Venezia\"\n\\ \t\u0001)"), std::string::npos) << project;
    // the core's defaults: every render outcome for a webhook, page size 20
    const std::string hook = c.registerWebhook("http://127.0.0.1:9/hook");
    for (const char* event : {"render.completed", "render.failed", "render.cancelled"})
        EXPECT_NE(hook.find(event), std::string::npos) << hook;
    c.deleteWebhook(field(hook, "id", hook.find("\"webhook\"")));
    EXPECT_NE(c.listRenders().find("\"limit\":20"), std::string::npos);
    EXPECT_NE(c.listRenders(std::nullopt, 3).find("\"limit\":3"), std::string::npos);
    EXPECT_THROW((void)c.listRenders(std::nullopt, 101), renderiq::ValidationError);
    EXPECT_THROW((void)c.creditTransactions(0), renderiq::ValidationError);
    const std::string secret = c.callbackSecret();
    EXPECT_FALSE(secret.empty());
    EXPECT_EQ(secret.find('"'), std::string::npos) << secret;
    // the blocking render: created and followed to its end
    Capture cap;
    EXPECT_NE(c.render(cap.image(), R"({"quality": "standard"})", 120s).find("\"status\":\"completed\""), std::string::npos);
}

TEST_F(Calls, AFreedHandleNeverReachesALaterObject) {
    renderiq::Client c(config(baseUrl()));
    RenderiqOp* stale = nullptr;
    {
        renderiq::Operation op = c.start(R"({"call": "health"})");
        stale = op.handle();
        (void)op.wait(30s);
    }
    renderiq::Operation later = c.start(R"({"call": "health"})");
    EXPECT_NE(later.handle(), stale) << "a handle value was reused";
    EXPECT_EQ(renderiq_op_poll(stale), -RENDERIQ_ERROR_INVALID_HANDLE);
    EXPECT_EQ(renderiq_op_free(stale), RENDERIQ_ERROR_INVALID_HANDLE);
    EXPECT_EQ(renderiq_op_poll(reinterpret_cast<const RenderiqOp*>(c.handle())), -RENDERIQ_ERROR_INVALID_HANDLE)
        << "a client handle is not an operation";
    EXPECT_NE(later.wait(30s)->find("\"status\":\"ok\""), std::string::npos);
}

TEST_F(Webhooks, SignAndVerifyTheStandardVector) {
    const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const std::string body = R"({"test": 2432232314})";
    const std::string sig = renderiq::webhooks::sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
    EXPECT_EQ(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    try {
        (void)renderiq::webhooks::verify(secret, body + " ", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, 1614265330);
        FAIL() << "no exception";
    } catch (const renderiq::WebhookVerificationError& e) {
        EXPECT_EQ(e.apiCode(), "WEBHOOK_BAD_SIGNATURE");
    }
    // verified, but not a render event: accepted, the body kept whole as the payload
    const std::string event = renderiq::webhooks::verify(secret, body, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, 1614265330);
    EXPECT_NE(event.find(R"("data":null)"), std::string::npos) << event;
    EXPECT_NE(event.find(R"("payload":{"test":2432232314})"), std::string::npos) << event;
    // verified, but not JSON: only reading the event refuses it
    const std::string text = "not json";
    const std::string textSig = renderiq::webhooks::sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, text);
    EXPECT_THROW((void)renderiq::webhooks::verify(secret, text, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", textSig, 1614265330),
                 renderiq::DecodeError);
}

TEST_F(Images, PrepareImageHonoursMaxEdgeAndFormat) {
    Capture cap;
    renderiq::PreparedImage p = renderiq::prepareImage(cap.image(), R"({"maxEdge": 25, "format": "png"})");
    ASSERT_GT(p.bytes.size(), 8u);
    EXPECT_EQ(p.bytes[1], 'P');
    EXPECT_NE(p.infoJson.find("\"width\":25"), std::string::npos);
    // a buffer one byte short is refused, never over-read: the core's check, a ValidationError
    // naming the field, as in every language
    const renderiq::Image shortImage = renderiq::Image::raw(cap.pixels.data(), Capture::stride * (Capture::height - 1) + Capture::width * 4 - 1,
                                                            Capture::width, Capture::height, Capture::stride, renderiq::PixelFormat::Bgra8);
    try {
        (void)renderiq::prepareImage(shortImage);
        ADD_FAILURE() << "no exception";
    } catch (const renderiq::ValidationError& e) {
        EXPECT_EQ(e.code(), RENDERIQ_ERROR_INVALID_INPUT);
        EXPECT_NE(e.details().find(R"("data":)"), std::string::npos) << e.json();
    }
    EXPECT_THROW((void)renderiq::prepareImage(renderiq::Image::file("/nonexistent.png")), renderiq::ImageError);
}

}  // namespace
