#include "RenderController.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <utility>

namespace renderiq_archicad {

namespace {

// Sets a flag for the duration of a call; `entered()` is false when the flag was already set.
class ReentryGuard {
public:
    explicit ReentryGuard(bool& flag) noexcept : flag_(flag), entered_(!flag) {
        if (entered_) flag_ = true;
    }
    ~ReentryGuard() {
        if (entered_) flag_ = false;
    }
    ReentryGuard(const ReentryGuard&) = delete;
    ReentryGuard& operator=(const ReentryGuard&) = delete;
    [[nodiscard]] bool entered() const noexcept { return entered_; }

private:
    bool& flag_;
    bool entered_;
};

std::string jsonString(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += ch;
                }
        }
    }
    return out + "\"";
}

// The string value of `"key":"..."` in compact JSON (the SDK's progress JSON); empty if absent.
std::string stringField(const std::string& json, const std::string& key) {
    const std::string pattern = "\"" + key + "\":\"";
    size_t p = json.find(pattern);
    if (p == std::string::npos) return {};
    p += pattern.size();
    const size_t end = json.find('"', p);
    return end == std::string::npos ? std::string() : json.substr(p, end - p);
}

}  // namespace

const char* toString(RenderState state) noexcept {
    switch (state) {
        case RenderState::Idle: return "idle";
        case RenderState::Uploading: return "uploading";
        case RenderState::Processing: return "processing";
        case RenderState::Done: return "done";
        case RenderState::Failed: return "failed";
    }
    return "unknown";
}

RenderController::RenderController(const std::string& configJson) : client_(configJson) {}

RenderController::~RenderController() {
    op_.reset();  // freeing a running operation cancels it
    if (download_.valid()) download_.wait();
}

std::string RenderController::signIn(const std::string& email, const std::string& password) {
    return client_.signIn(email, password);
}

void RenderController::useApiKey(const std::string& key) { client_.useApiKey(key); }

bool RenderController::isSignedIn() const { return client_.isSignedIn(); }

std::string RenderController::paramsJson(const RenderRequest& request) {
    return "{\"prompt\": " + jsonString(request.prompt) + ", \"style\": " + jsonString(request.style) +
           ", \"quality\": " + jsonString(request.quality) + "}";
}

bool RenderController::startFromBgra(const BgraPixels& px, const RenderRequest& request) {
    return start(renderiq::Image::raw(px.data, px.size, px.width, px.height, px.stride,
                                      renderiq::PixelFormat::Bgra8, px.bottomUp),
                 request);
}

bool RenderController::startFromEncoded(const uint8_t* data, size_t size, const RenderRequest& request) {
    return start(renderiq::Image::encoded(data, size), request);
}

void RenderController::beginNew() {
    op_.reset();
    percent_ = 0;
    stage_.clear();
    result_.clear();
    renderJson_.clear();
    errorMessage_.clear();
    errorKind_.clear();
}

bool RenderController::start(const renderiq::Image& image, const RenderRequest& request) {
    ReentryGuard guard(inCall_);
    if (!guard.entered() || busy()) return false;
    beginNew();
    try {
        // Returns at once: the pixels are copied, the upload and the wait run in the library.
        op_.emplace(client_.startRender(image, paramsJson(request)));
    } catch (const renderiq::Error& e) {
        fail(e.kind(), e.what());
        return false;
    } catch (const std::exception& e) {
        fail("internal", e.what());
        return false;
    }
    state_ = RenderState::Uploading;
    stage_ = "preparing";
    return true;
}

RenderState RenderController::tick() {
    ReentryGuard guard(inCall_);
    if (!guard.entered() || !busy()) return state_;
    try {
        if (download_.valid()) {  // the render is complete; its image is being downloaded
            if (download_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return state_;
            result_ = download_.get();  // rethrows the download's error
            percent_ = 100;
            stage_ = "done";
            state_ = RenderState::Done;
            return state_;
        }
        if (!op_) return state_;
        if (!op_->done()) {
            const renderiq::Progress p = op_->progress();
            percent_ = p.percent;
            const std::string stage = stringField(p.json, "stage");
            if (!stage.empty()) stage_ = stage;
            state_ = (stage_ == "preparing" || stage_ == "uploading") ? RenderState::Uploading
                                                                      : RenderState::Processing;
            return state_;
        }
        std::optional<std::string> render = op_->tryResult();  // throws the operation's error
        op_.reset();
        if (!render) return state_;  // cannot happen once done(); stay busy
        renderJson_ = *render;
        state_ = RenderState::Processing;
        stage_ = "downloading";
        // downloadRender blocks on the network: run it off the host's thread. The client is
        // thread-safe and outlives the future (the destructor waits for it).
        download_ = std::async(std::launch::async,
                               [client = &client_, json = renderJson_] { return client->downloadRender(json); });
    } catch (const renderiq::Error& e) {
        op_.reset();
        fail(e.kind(), e.what());
    } catch (const std::exception& e) {
        op_.reset();
        fail("internal", e.what());
    }
    return state_;
}

void RenderController::cancel() {
    if (op_) {
        try {
            op_->cancel();
        } catch (const renderiq::Error&) {
            // already finished: the next tick reports how
        }
    }
}

void RenderController::reset() {
    if (busy() || inCall_) return;
    beginNew();
    state_ = RenderState::Idle;
}

void RenderController::fail(std::string kind, std::string message) {
    errorKind_ = std::move(kind);
    errorMessage_ = std::move(message);
    state_ = RenderState::Failed;
}

}  // namespace renderiq_archicad
