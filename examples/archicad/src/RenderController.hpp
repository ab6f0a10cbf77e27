// RenderController: the portable part of the ArchiCAD add-on. It owns the Renderiq client,
// starts a render from the 3D window's pixels and is advanced by tick() from the host's
// idle/timer callback. Nothing here includes ArchiCAD headers, so it builds and is tested on
// any platform (tests/controller_test.cpp).
//
// Threading: one thread (ArchiCAD's main thread) calls start*/tick/cancel/reset and the
// getters. tick() never blocks: the render runs in a renderiq::Operation and the download of
// the finished image on a std::async worker. signIn()/useApiKey() block on the network; call
// them at start-up or from a worker thread, not from the idle callback.
#ifndef RENDERIQ_ARCHICAD_RENDER_CONTROLLER_HPP
#define RENDERIQ_ARCHICAD_RENDER_CONTROLLER_HPP

#include <renderiq.hpp>

#include <cstddef>
#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

namespace renderiq_archicad {

enum class RenderState {
    Idle,        // nothing started (or reset())
    Uploading,   // preparing and uploading the capture
    Processing,  // the server renders; also while the result is downloaded
    Done,        // result() holds the image bytes (PNG or JPEG)
    Failed,      // errorMessage()/errorKind() say why
};

const char* toString(RenderState state) noexcept;

/// What to render; turned into the SDK's render params JSON.
struct RenderRequest {
    std::string prompt;
    std::string style = "photorealistic";
    std::string quality = "standard";
};

/// A BGRA8 read-back: `height` rows of `width * 4` bytes, `stride` bytes apart (0 = packed).
/// Borrowed only for the start call (the library copies it).
struct BgraPixels {
    const uint8_t* data = nullptr;
    size_t size = 0;
    uint32_t width = 0;
    uint32_t height = 0;
    size_t stride = 0;
    bool bottomUp = false;  // first row in memory is the bottom one (OpenGL read-back)
};

class RenderController {
public:
    /// `configJson` as for renderiq::Client ({"baseUrl", "platform", "pluginName", ...}).
    /// Throws renderiq::Error / renderiq::AbiMismatchError.
    explicit RenderController(const std::string& configJson);
    /// Cancels a running render; waits for an in-flight download to finish.
    ~RenderController();
    RenderController(const RenderController&) = delete;
    RenderController& operator=(const RenderController&) = delete;

    // ---- blocking account calls (not from the idle callback) ----
    /// Returns the User JSON; throws renderiq::Error (AuthError for wrong credentials).
    std::string signIn(const std::string& email, const std::string& password);
    void useApiKey(const std::string& key);
    [[nodiscard]] bool isSignedIn() const;

    // ---- non-blocking render flow (host's main thread) ----
    /// Starts a render from BGRA pixels. Returns false (and changes nothing) while a render is
    /// running or when called re-entrantly; returns false with state Failed if the SDK rejects
    /// the arguments. Done/Failed states are replaced by the new render.
    bool startFromBgra(const BgraPixels& pixels, const RenderRequest& request);
    /// Same from encoded PNG/JPEG bytes (e.g. ArchiCAD's own picture export).
    bool startFromEncoded(const uint8_t* data, size_t size, const RenderRequest& request);
    /// Advances the state machine; never blocks. Call it from the idle/timer callback.
    /// A re-entrant call (the host pumping events inside a tick) returns the state unchanged.
    RenderState tick();
    /// Asks the running render to stop; the next ticks end in Failed with kind "cancelled".
    void cancel();
    /// Back to Idle after Done/Failed (no-op while busy).
    void reset();

    [[nodiscard]] RenderState state() const noexcept { return state_; }
    [[nodiscard]] bool busy() const noexcept {
        return state_ == RenderState::Uploading || state_ == RenderState::Processing;
    }
    /// 0-100.
    [[nodiscard]] uint8_t progress() const noexcept { return percent_; }
    /// The SDK's stage ("preparing", "uploading", "pending", "processing", ...), "downloading".
    [[nodiscard]] const std::string& stage() const noexcept { return stage_; }
    [[nodiscard]] const std::vector<uint8_t>& result() const noexcept { return result_; }
    /// The completed Render JSON (id, status, output URL, ...).
    [[nodiscard]] const std::string& renderJson() const noexcept { return renderJson_; }
    [[nodiscard]] const std::string& errorMessage() const noexcept { return errorMessage_; }
    /// The SDK's error kind ("render_failed", "insufficient_credits", "cancelled", ...).
    [[nodiscard]] const std::string& errorKind() const noexcept { return errorKind_; }

    [[nodiscard]] renderiq::Client& client() noexcept { return client_; }

    /// The render params JSON for a request (exposed for tests).
    static std::string paramsJson(const RenderRequest& request);

private:
    bool start(const renderiq::Image& image, const RenderRequest& request);
    void fail(std::string kind, std::string message);
    void beginNew();

    renderiq::Client client_;
    std::optional<renderiq::Operation> op_;
    std::future<std::vector<uint8_t>> download_;
    RenderState state_ = RenderState::Idle;
    uint8_t percent_ = 0;
    std::string stage_;
    std::vector<uint8_t> result_;
    std::string renderJson_;
    std::string errorMessage_;
    std::string errorKind_;
    bool inCall_ = false;  // re-entry guard for start*/tick
};

}  // namespace renderiq_archicad

#endif
