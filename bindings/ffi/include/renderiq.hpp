// renderiq.hpp: header-only C++17 wrapper of the Renderiq SDK's C ABI (renderiq.h).
//
// - Move-only RAII handles (`renderiq::Client`, `renderiq::Operation`) over std::unique_ptr with
//   the C library's free functions as deleters; nothing to free by hand.
// - Errors are exceptions, everywhere: `renderiq::Error` and one subclass per error kind
//   (`AuthError`, `InsufficientCreditsError`, `RateLimitError`, ...), each carrying the status
//   code, kind, HTTP status, request id, API error code and the JSON details.
// - Results are the API's objects as JSON text (`std::string`, camelCase wire JSON: Render,
//   User, Credits, Page, ...); parse them with the JSON library you already use.
// - Every request the SDK can make is also a call, as JSON (`renderiq_sdk::call::Call`):
//   `client.call(R"({"call": "credits"})")` blocks, `client.start(...)` runs it as an Operation.
//   The typed methods below are sugar over the same two entries: each builds one call's JSON
//   (images travel as the call's borrowed data buffer) and returns its result.
// - The ABI version of the loaded library is checked when a Client is constructed; a mismatch
//   throws `renderiq::AbiMismatchError` naming both versions.
//
//   #include <renderiq.hpp>
//   renderiq::Client client(R"({"baseUrl": "http://127.0.0.1:8787", "platform": "archicad"})");
//   client.signIn("ada@example.com", "correct horse");
//   renderiq::Operation op = client.startRender(
//       renderiq::Image::raw(pixels, len, width, height, stride, renderiq::PixelFormat::Bgra8),
//       R"({"prompt": "dusk, warm light", "style": "photorealistic"})");
//   // from a UI timer:
//   if (op.done()) { std::string renderJson = *op.tryResult(); }
//
// Thread-safety: a Client may be shared by several threads; an Operation may be polled from
// any thread. Blocking Client methods must not run on a UI thread.
#ifndef RENDERIQ_HPP
#define RENDERIQ_HPP

#include "renderiq.h"
#include "renderiq_models.hpp"  // generated: models, error table, hints in C++'s names

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace renderiq {

namespace detail {

/// The end of the JSON value (or object key) starting at `i` in `s`: one past a string, object
/// or array, or the `,` / `}` after a scalar.
inline size_t valueEnd(std::string_view s, size_t i) {
    int depth = 0;
    bool inString = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
                if (depth == 0) return i + 1;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']' || c == ',') {
            if (depth == 0) return i;
            if (c != ',' && --depth == 0) return i + 1;
        }
    }
    return i;
}

/// The raw JSON of the member `key` of the compact JSON object `json` (as the library writes
/// it); empty when there is no such member.
inline std::string_view member(std::string_view json, std::string_view key) {
    for (size_t i = 1; i < json.size() && json[i] == '"';) {
        const size_t keyEnd = valueEnd(json, i);
        const size_t end = valueEnd(json, keyEnd + 1);
        if (json.substr(i + 1, keyEnd - i - 2) == key) return json.substr(keyEnd + 1, end - keyEnd - 1);
        i = end + 1;
    }
    return {};
}

/// The text of a JSON string value; empty for `null` or anything else.
inline std::string text(std::string_view raw) {
    std::string out;
    if (raw.size() < 2 || raw.front() != '"') return out;
    for (size_t i = 1; i + 1 < raw.size(); ++i) {
        char c = raw[i];
        if (c == '\\' && i + 2 < raw.size()) {
            c = raw[++i];
            if (c == 'u' && i + 4 < raw.size()) {  // the library escapes only control characters
                out += static_cast<char>(std::stoi(std::string(raw.substr(i + 1, 4)), nullptr, 16));
                i += 4;
                continue;
            }
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == 'b' ? '\b' : c == 'f' ? '\f' : c;
        }
        out += c;
    }
    return out;
}

/// A JSON number value; std::nullopt for `null` or nothing.
inline std::optional<double> number(std::string_view raw) {
    if (raw.empty() || raw == "null") return std::nullopt;
    return std::stod(std::string(raw));
}

}  // namespace detail

/// Base of every exception this wrapper throws for a failed call: the status code, the message
/// with what to do next, and the error's JSON (renderiq_error_json), from which the getters read.
class Error : public std::runtime_error {
public:
    /// An error of status `code` (its snake_case `kind`), saying `message`, described by `json`.
    Error(int32_t code, std::string kind, const std::string& message, std::string json)
        : std::runtime_error(message), code_(code), kind_(std::move(kind)), json_(std::move(json)) {}

    /// The status code: one of the RENDERIQ_ERROR_* constants.
    [[nodiscard]] int32_t code() const noexcept { return code_; }
    /// Stable snake_case kind name: "auth", "insufficient_credits", "null_argument", ...
    [[nodiscard]] const std::string& kind() const noexcept { return kind_; }
    /// Everything as JSON: {"kind","hintId","code","message","display","status","requestId",
    /// "details","requiredCredits","availableCredits","retryAfter"}; absent values are null.
    [[nodiscard]] const std::string& json() const noexcept { return json_; }
    /// HTTP status of the failed response; 0 when the server did not answer.
    [[nodiscard]] uint16_t httpStatus() const { return static_cast<uint16_t>(field("status").value_or(0)); }
    /// The server's request id (quote it to support); empty when there is none.
    [[nodiscard]] std::string requestId() const { return detail::text(detail::member(json_, "requestId")); }
    /// The API's errorCode ("INSUFFICIENT_CREDITS", "WEBHOOK_BAD_SIGNATURE", ...); may be empty.
    [[nodiscard]] std::string apiCode() const { return detail::text(detail::member(json_, "code")); }
    /// The API's field errors as a JSON object ({"limit": "use 1 to 100"}); "null" when none.
    [[nodiscard]] std::string details() const {
        const std::string_view raw = detail::member(json_, "details");
        return raw.empty() ? "null" : std::string(raw);
    }
    /// Credits the render needed (insufficient credits).
    [[nodiscard]] std::optional<int64_t> requiredCredits() const { return whole("requiredCredits"); }
    /// Credits available (insufficient credits).
    [[nodiscard]] std::optional<int64_t> availableCredits() const { return whole("availableCredits"); }
    /// How long to wait before retrying (rate limited, 503).
    [[nodiscard]] std::optional<std::chrono::milliseconds> retryAfter() const {
        const auto seconds = field("retryAfter");
        if (!seconds) return std::nullopt;
        return std::chrono::milliseconds(static_cast<int64_t>(*seconds * 1000.0 + 0.5));
    }

private:
    std::optional<double> field(std::string_view key) const { return detail::number(detail::member(json_, key)); }
    std::optional<int64_t> whole(std::string_view key) const {
        const auto v = field(key);
        return v ? std::optional<int64_t>(static_cast<int64_t>(*v)) : std::nullopt;
    }

    int32_t code_;
    std::string kind_;
    std::string json_;
};

}  // namespace renderiq

#include "renderiq_errors.hpp"  // generated: one class per error kind, and detail::throwKind

namespace renderiq {

/// The C ABI was misused: NULL or invalid argument, invalid UTF-8, a dead handle, a result
/// taken twice or too early. A bug in the calling code.
class UsageError : public Error {
public:
    explicit UsageError(Error e) : Error(std::move(e)) {}
};
/// A bug inside the library was caught at the boundary.
class InternalError : public Error {
public:
    explicit InternalError(Error e) : Error(std::move(e)) {}
};

/// The loaded librenderiq speaks another ABI version than the renderiq.h this code was compiled
/// against.
class AbiMismatchError : public std::runtime_error {
public:
    AbiMismatchError(uint32_t expected, uint32_t found, const std::string& libraryVersion)
        : std::runtime_error(
              "renderiq: ABI version mismatch: this program was compiled against renderiq.h ABI "
              "version " + std::to_string(expected) + ", but the loaded librenderiq (version " +
              libraryVersion + ") has ABI version " + std::to_string(found) +
              "; ship the librenderiq that matches your renderiq.h (load it from your add-on's "
              "own folder) or rebuild against its headers"),
          expected_(expected),
          found_(found) {}
    /// RENDERIQ_ABI_VERSION of the header this code was compiled with.
    [[nodiscard]] uint32_t expected() const noexcept { return expected_; }
    /// renderiq_abi_version() of the loaded library.
    [[nodiscard]] uint32_t found() const noexcept { return found_; }

private:
    uint32_t expected_;
    uint32_t found_;
};

namespace detail {

struct ErrorDeleter {
    void operator()(RenderiqError* e) const noexcept { renderiq_error_free(e); }
};
struct StringDeleter {
    void operator()(char* s) const noexcept { renderiq_string_free(s); }
};
struct ClientDeleter {
    void operator()(RenderiqClient* c) const noexcept { renderiq_client_free(c); }
};
struct OpDeleter {
    void operator()(RenderiqOp* o) const noexcept { renderiq_op_free(o); }
};

inline std::string str(const char* s) { return s ? std::string(s) : std::string(); }

/// The error's message with what to do next in C++'s names (the generated table) and the
/// request id: "invalid email or password (check the e-mail and password given to signIn)
/// [request req_…]".
inline std::string message(std::string_view json) {
    std::string text = detail::text(member(json, "message"));
    const std::string_view hint = models::hintFor(detail::text(member(json, "hintId")));
    if (!hint.empty()) text.append(" (").append(hint).append(")");
    const std::string requestId = detail::text(member(json, "requestId"));
    if (!requestId.empty()) text.append(" [request ").append(requestId).append("]");
    return text;
}

/// Throws the exception for status `code`, taking ownership of `raw` (may be NULL, as for a
/// call without an error object: poll, cancel).
[[noreturn]] inline void throwError(int32_t code, RenderiqError* raw) {
    std::unique_ptr<RenderiqError, ErrorDeleter> owned(raw);
    const std::string kind = str(renderiq_status_name(code));
    std::string json = raw ? str(renderiq_error_json(raw)) : "{}";
    const std::string text = raw ? message(json) : "renderiq: " + kind;  // before json is moved
    Error e(code, kind, text, std::move(json));
    throwKind(code, e);
    switch (code) {
        case RENDERIQ_ERROR_PANIC: throw InternalError(std::move(e));
        case RENDERIQ_ERROR_NULL_ARGUMENT:
        case RENDERIQ_ERROR_INVALID_UTF8:
        case RENDERIQ_ERROR_INVALID_ARGUMENT:
        case RENDERIQ_ERROR_INVALID_HANDLE:
        case RENDERIQ_ERROR_NOT_READY:
        case RENDERIQ_ERROR_ALREADY_TAKEN: throw UsageError(std::move(e));
        default: throw e;
    }
}

/// Throws unless `code` is RENDERIQ_OK. Call it as `rc = call(..., &err); check(rc, err);`,
/// never as `check(call(..., &err), err)`: argument evaluation order is unspecified, so `err`
/// could be read before the call fills it.
inline void check(int32_t code, RenderiqError* e) {
    if (code != RENDERIQ_OK) throwError(code, e);
}

/// Takes ownership of a string returned by the library.
inline std::string take(char* s) {
    std::unique_ptr<char, StringDeleter> owned(s);
    return str(owned.get());
}

/// Takes ownership of a byte buffer returned by the library.
inline std::vector<uint8_t> takeBytes(uint8_t* data, size_t len) {
    std::vector<uint8_t> out;
    if (data) out.assign(data, data + len);
    renderiq_bytes_free(data, len);
    return out;
}

/// Calls `f(char** out, RenderiqError** err)` and returns the string it produced.
template <class F>
std::string callString(F&& f) {
    char* out = nullptr;
    RenderiqError* err = nullptr;
    int32_t rc = f(&out, &err);
    std::string result = take(out);
    check(rc, err);
    return result;
}

/// `s` as a JSON string literal.
inline std::string quote(std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
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
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
    return out;
}

/// Builds one call's JSON text for Client::call: `{"call": name, key: value, ...}`. Values are
/// written as given; the core checks them.
class CallJson {
public:
    /// An empty object, for an object inside a call (`settings`).
    CallJson() : text_("{") {}
    /// A call: `{"call": name, …}`.
    explicit CallJson(std::string_view name) : text_("{\"call\":" + quote(name)) {}
    /// A string field.
    CallJson& str(std::string_view key, std::string_view value) { return raw(key, quote(value)); }
    /// A number field.
    CallJson& num(std::string_view key, uint64_t value) { return raw(key, std::to_string(value)); }
    /// A boolean field.
    CallJson& flag(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
    /// An array of strings.
    CallJson& strs(std::string_view key, const std::vector<std::string>& values) {
        std::string array = "[";
        for (const std::string& v : values) {
            if (array.size() > 1) array += ',';
            array += quote(v);
        }
        return raw(key, array + ']');
    }
    /// A field whose value is JSON text the caller wrote (an array, an object).
    CallJson& raw(std::string_view key, std::string_view json) {
        if (text_.size() > 1) text_ += ',';
        text_ += quote(key);
        text_ += ':';
        text_ += json;
        return *this;
    }
    /// The finished JSON text.
    [[nodiscard]] std::string text() const { return text_ + '}'; }

private:
    std::string text_;
};

}  // namespace detail
}  // namespace renderiq

#include "renderiq_calls.hpp"  // generated: the typed methods of the simple calls

namespace renderiq {

/// RENDERIQ_ABI_VERSION of the header this code was compiled against.
inline constexpr uint32_t kAbiVersion = RENDERIQ_ABI_VERSION;

/// Throws AbiMismatchError unless the loaded library speaks this header's ABI version.
inline void checkAbiVersion() {
    const uint32_t found = renderiq_abi_version();
    if (found != RENDERIQ_ABI_VERSION) {
        throw AbiMismatchError(RENDERIQ_ABI_VERSION, found, detail::str(renderiq_version()));
    }
}

/// The SDK version of the loaded library, e.g. "0.1.0".
[[nodiscard]] inline std::string version() { return detail::str(renderiq_version()); }

// ---- borrowed bytes -------------------------------------------------------------------------

/// Bytes borrowed for the length of one call, like C++20's `std::span<const uint8_t>`: built
/// from a pointer and a length, or from any contiguous container of bytes (`std::vector<uint8_t>`,
/// `std::string`, `std::array<uint8_t, N>`, a `std::span`).
///
///   std::vector<uint8_t> png = readFile("view.png");
///   client.call(R"({"call": "create_render", "image": {"kind": "bytes"}})", png);
class Bytes {
public:
    /// No bytes.
    constexpr Bytes() noexcept = default;
    /// `len` bytes at `data`.
    constexpr Bytes(const uint8_t* data, size_t len) noexcept : data_(data), len_(len) {}
    /// The bytes of a contiguous container of 1-byte elements.
    template <class C,
              class = std::enable_if_t<
                  sizeof(*std::declval<const C&>().data()) == 1 &&
                  std::is_convertible_v<decltype(std::declval<const C&>().size()), size_t>>>
    Bytes(const C& c) noexcept  // NOLINT(google-explicit-constructor): a view, like std::span
        : data_(reinterpret_cast<const uint8_t*>(c.data())), len_(c.size()) {}

    [[nodiscard]] constexpr const uint8_t* data() const noexcept { return data_; }
    [[nodiscard]] constexpr size_t size() const noexcept { return len_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return len_ == 0; }

private:
    const uint8_t* data_ = nullptr;
    size_t len_ = 0;
};

// ---- images ---------------------------------------------------------------------------------

/// Channel order of raw pixels.
enum class PixelFormat : uint32_t { Rgba8, Bgra8 };

/// A viewport capture: a file, encoded bytes, or raw pixels, as the `image` field of a call
/// plus the bytes that travel beside it. It *borrows* the caller's buffer: keep the buffer
/// alive until the call that takes the Image returns (the library copies it then; it may be
/// freed right after, even while an Operation runs). The core checks every field.
class Image {
public:
    /// A PNG, JPEG or WebP file (UTF-8 path).
    [[nodiscard]] static Image file(const std::string& path) {
        return Image(R"({"kind":"file","path":)" + detail::quote(path) + "}", {});
    }
    /// PNG, JPEG or WebP bytes.
    [[nodiscard]] static Image encoded(const uint8_t* data, size_t len) {
        return Image(R"({"kind":"bytes"})", Bytes(data, len));
    }
    /// Raw pixels: `height` rows of `width * 4` bytes, `stride` bytes apart (0 = width * 4);
    /// `bottomUp` when the first row in memory is the image's bottom row (OpenGL).
    [[nodiscard]] static Image raw(const uint8_t* data, size_t len, uint32_t width, uint32_t height,
                                   size_t stride, PixelFormat format, bool bottomUp = false) {
        return Image(R"({"kind":"raw","width":)" + std::to_string(width) + R"(,"height":)" +
                         std::to_string(height) + R"(,"stride":)" + std::to_string(stride) +
                         R"(,"pixelFormat":)" + (format == PixelFormat::Bgra8 ? R"("bgra8")" : R"("rgba8")") +
                         R"(,"bottomUp":)" + (bottomUp ? "true" : "false") + "}",
                     Bytes(data, len));
    }
    /// The call's `image` field (JSON).
    [[nodiscard]] const std::string& json() const noexcept { return json_; }
    /// The bytes attached beside the call (none for a file).
    [[nodiscard]] Bytes data() const noexcept { return data_; }

private:
    Image(std::string json, Bytes data) : json_(std::move(json)), data_(data) {}
    std::string json_;
    Bytes data_;
};

/// An image prepared for upload by prepareImage().
struct PreparedImage {
    std::vector<uint8_t> bytes;
    /// {"mimeType","format","width","height","size"}
    std::string infoJson;
};

/// Prepares an image as a render would (down-scaled, encoded, no metadata) without uploading
/// it: the `prepare_image` call. `prepareJson` is its `prepare` field ({"maxEdge", "format",
/// "maxBytes", "jpegQuality"}); empty for the defaults. Runs on this thread.
///
///   renderiq::PreparedImage p = renderiq::prepareImage(image, R"({"maxEdge": 1024})");
[[nodiscard]] inline PreparedImage prepareImage(const Image& image, const std::string& prepareJson = "") {
    detail::CallJson c("prepare_image");
    c.raw("image", image.json());
    if (!prepareJson.empty()) c.raw("prepare", prepareJson);
    const std::string text = c.text();
    uint8_t* data = nullptr;
    size_t len = 0;
    char* info = nullptr;
    RenderiqError* err = nullptr;
    int32_t rc = renderiq_image_prepare(text.c_str(), image.data().data(), image.data().size(), &data, &len, &info, &err);
    PreparedImage out{detail::takeBytes(data, len), detail::take(info)};
    detail::check(rc, err);
    return out;
}

// ---- operations -----------------------------------------------------------------------------

/// Progress of an Operation.
struct Progress {
    /// 0-100.
    uint8_t percent = 0;
    /// {"percent", "stage", "done", "render": Render JSON or null, "version"}; `version` counts
    /// the changes, so a poller that saw it has seen everything up to it.
    std::string json;
};

/// A call running in the background (Client::start, startRender, ...); poll it from a UI
/// timer. Move-only; destroying it cancels the work if it is still running.
class Operation {
public:
    /// Takes ownership of a handle from renderiq_call_start.
    explicit Operation(RenderiqOp* op) noexcept : op_(op) {}

    /// true once finished (successfully, with an error, or cancelled). Never blocks.
    [[nodiscard]] bool done() const {
        int32_t r = renderiq_op_poll(op_.get());
        if (r < 0) detail::throwError(-r, nullptr);
        return r == 1;
    }

    /// The latest progress. Never blocks.
    [[nodiscard]] Progress progress() const {
        Progress p;
        char* json = nullptr;
        RenderiqError* err = nullptr;
        int32_t rc = renderiq_op_progress(op_.get(), &p.percent, &json, &err);
        p.json = detail::take(json);
        detail::check(rc, err);
        return p;
    }

    /// Asks the operation to stop; it then ends with CancelledError. Never blocks.
    void cancel() { detail::check(renderiq_op_cancel(op_.get()), nullptr); }

    /// The outcome once finished, as often as asked: the result JSON (`null` for calls without
    /// one), or the operation's error thrown; std::nullopt while running. Never blocks.
    ///
    ///   if (auto json = op.outcome()) show(*json);  // from a UI timer
    [[nodiscard]] std::optional<std::string> outcome() const {
        return unlessNotReady([&](char** o, RenderiqError** e) { return renderiq_op_outcome(op_.get(), o, e); });
    }

    /// Blocks up to `timeout` for the outcome (readable again, like outcome()); std::nullopt
    /// when the time ran out. Not on a UI thread.
    [[nodiscard]] std::optional<std::string> wait(std::chrono::milliseconds timeout) {
        const auto ms = timeout.count() < 0 ? 0 : timeout.count();
        const uint32_t t = ms >= static_cast<long long>(RENDERIQ_WAIT_FOREVER)
                               ? RENDERIQ_WAIT_FOREVER - 1
                               : static_cast<uint32_t>(ms);
        return unlessNotReady([&](char** o, RenderiqError** e) { return renderiq_op_wait(op_.get(), t, o, e); });
    }

    /// The result once finished, std::nullopt while running; throws the operation's error if
    /// it failed. Never blocks: wait() with no time to wait.
    [[nodiscard]] std::optional<std::string> tryResult() { return wait(std::chrono::milliseconds(0)); }

    /// Blocks until the operation finishes and returns its result. Not on a UI thread.
    [[nodiscard]] std::string wait() {
        return detail::callString([&](char** out, RenderiqError** err) {
            return renderiq_op_wait(op_.get(), RENDERIQ_WAIT_FOREVER, out, err);
        });
    }

    /// Calls `f` once when the operation finishes, on a library worker thread (or now, on this
    /// thread, if it already finished). `f` must return quickly and must not block: post to
    /// your UI thread. Exceptions thrown by `f` are swallowed. One callback per operation.
    void onComplete(std::function<void()> f) {
        auto* heap = new std::function<void()>(std::move(f));
        RenderiqError* err = nullptr;
        int32_t rc = renderiq_op_set_callback(op_.get(), &Operation::trampoline, heap, &err);
        if (rc != RENDERIQ_OK) {
            delete heap;
            detail::throwError(rc, err);
        }
    }

    /// The C handle, still owned by this object.
    [[nodiscard]] RenderiqOp* handle() const noexcept { return op_.get(); }

private:
    /// The string `f(char** out, RenderiqError** err)` produced; std::nullopt when it answered
    /// RENDERIQ_ERROR_NOT_READY.
    template <class F>
    static std::optional<std::string> unlessNotReady(F&& f) {
        char* out = nullptr;
        RenderiqError* err = nullptr;
        const int32_t rc = f(&out, &err);
        if (rc == RENDERIQ_ERROR_NOT_READY) {
            renderiq_error_free(err);
            return std::nullopt;
        }
        std::string result = detail::take(out);
        detail::check(rc, err);
        return result;
    }
    static void trampoline(void* data) noexcept {
        std::unique_ptr<std::function<void()>> f(static_cast<std::function<void()>*>(data));
        try {
            (*f)();
        } catch (...) {
        }
    }
    std::unique_ptr<RenderiqOp, detail::OpDeleter> op_;
};

// ---- client ---------------------------------------------------------------------------------

/// The Renderiq API client. Move-only; share one per add-on (it is thread-safe). Every method
/// blocks the calling thread; for renders from a UI thread use the start* methods.
class Client : public detail::CallMethods<Client> {
public:
    /// Creates a client from a JSON configuration ({"baseUrl", "platform", "pluginName",
    /// "pluginVersion", "timeoutMs", "maxRetries", "apiKey", "tokenStore", "rootCertificatePem",
    /// "proxy", ...}); empty for the defaults. Throws AbiMismatchError when the loaded library
    /// has another ABI version, ConfigError for a bad configuration.
    explicit Client(const std::string& configJson = "") {
        checkAbiVersion();
        RenderiqClient* raw = nullptr;
        RenderiqError* err = nullptr;
        const int32_t rc = renderiq_client_new(configJson.c_str(), &raw, &err);
        detail::check(rc, err);
        client_.reset(raw);
    }

    /// Makes any call, blocking, and returns its result JSON (`null` for calls without one):
    /// `{"call": "credits"}`, `{"call": "list_renders", "status": "completed", "limit": 50}`,
    /// `{"call": "create_render", "image": {"kind": "file", "path": "view.png"}, ...}`. The calls,
    /// their fields, defaults and rules are renderiq_sdk::call::Call's. `data` carries an image's
    /// bytes beside the call (an encoded file for `{"kind": "bytes"}`, pixels for `{"kind":
    /// "raw", "width", "height", "stride", "pixelFormat", "bottomUp"}`), borrowed for this call.
    /// Throws the call's error; ValidationError for a call that is not valid.
    ///
    ///   std::string balance = client.call(R"({"call": "credits"})");
    std::string call(std::string_view callJson, Bytes data = {}) const {
        const std::string text(callJson);
        return detail::callString([&](char** o, RenderiqError** e) {
            return renderiq_call(get(), text.c_str(), data.data(), data.size(), o, e);
        });
    }

    /// Starts any call in the background and returns at once (arguments as for call(); `data`
    /// is copied before this returns). Cancelling an operation of a call that creates a render
    /// (`create_render`, `render`) withdraws the render while it is pending (refunded).
    ///
    ///   renderiq::Operation op = client.start(R"({"call": "render", "image": {"kind": "raw",
    ///       "width": 800, "height": 600, "stride": 3200, "pixelFormat": "bgra8"}})", pixels);
    [[nodiscard]] Operation start(std::string_view callJson, Bytes data = {}) const {
        const std::string text(callJson);
        RenderiqOp* op = nullptr;
        RenderiqError* err = nullptr;
        const int32_t rc = renderiq_call_start(get(), text.c_str(), data.data(), data.size(), &op, &err);
        Operation result(op);
        detail::check(rc, err);
        return result;
    }

    // The simple calls' typed methods (signIn … listRenders) come from detail::CallMethods,
    // generated into renderiq_calls.hpp; those with an image, a wait or bytes are here. Values
    // are checked by the core (ValidationError naming the field), never here.

    /// Prepares, uploads and creates a render (Render JSON, status pending): the
    /// `create_render` call. `settingsJson` is its `settings` ({"prompt", "style", "quality",
    /// "aspectRatio", "projectId", "callbackUrl", "idempotencyKey"}), `prepareJson` its
    /// `prepare` ({"maxEdge", "format", "maxBytes", "jpegQuality"}); empty for the defaults.
    std::string createRender(const Image& image, const std::string& settingsJson = "", const std::string& prepareJson = "") {
        return call(renderCall("create_render", image, settingsJson, prepareJson, {}), image.data());
    }
    /// Creates a render and waits for it to end (the completed Render JSON), blocking: the
    /// `render` call; timeout 0 = 10 minutes. Arguments as for createRender().
    std::string render(const Image& image, const std::string& settingsJson = "",
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(0), const std::string& prepareJson = "") {
        return call(renderCall("render", image, settingsJson, prepareJson, timeout), image.data());
    }
    /// The former name of retrieveRender().
    [[nodiscard]] std::string getRender(const std::string& id) const { return retrieveRender(id); }
    /// Waits for a render to complete (Render JSON); timeout 0 = 10 minutes.
    std::string waitForRender(const std::string& id, std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
        return call(waitCall(id, timeout));
    }
    /// Downloads a completed render's output; `renderOrId` is an id or Render JSON.
    [[nodiscard]] std::vector<uint8_t> downloadRender(const std::string& renderOrId) const {
        uint8_t* data = nullptr;
        size_t len = 0;
        RenderiqError* err = nullptr;
        int32_t rc = renderiq_client_render_download(get(), renderOrId.c_str(), &data, &len, &err);
        std::vector<uint8_t> out = detail::takeBytes(data, len);
        detail::check(rc, err);
        return out;
    }
    /// Downloads a completed render's output to a file (the `download_render` call); returns
    /// its size in bytes.
    uint64_t downloadRenderToFile(const std::string& id, const std::string& path) const {
        const std::string result = call(detail::CallJson("download_render").str("id", id).str("path", path).text());
        const auto at = result.find("\"bytes\":");
        return at == std::string::npos ? 0 : std::stoull(result.substr(at + 8));
    }

    /// Starts creating a render in the background (the image is copied now): the
    /// `create_render` call as an Operation. Arguments as for createRender().
    [[nodiscard]] Operation startCreateRender(const Image& image, const std::string& settingsJson = "", const std::string& prepareJson = "") {
        return start(renderCall("create_render", image, settingsJson, prepareJson, {}), image.data());
    }
    /// Starts waiting for a render in the background; timeout 0 = 10 minutes.
    [[nodiscard]] Operation startWaitForRender(const std::string& id, std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
        return start(waitCall(id, timeout));
    }
    /// Creates a render and follows it to completion in the background (the `render` call): a
    /// plugin's Render button. Cancelling it withdraws the render on the server while it is
    /// still pending (refunded). Arguments as for render().
    [[nodiscard]] Operation startRender(const Image& image, const std::string& settingsJson = "",
                                        std::chrono::milliseconds timeout = std::chrono::milliseconds(0), const std::string& prepareJson = "") {
        return start(renderCall("render", image, settingsJson, prepareJson, timeout), image.data());
    }

    /// The C handle, still owned by this object.
    [[nodiscard]] RenderiqClient* handle() const noexcept { return client_.get(); }

private:
    RenderiqClient* get() const noexcept { return client_.get(); }

    static std::string waitSpec(std::chrono::milliseconds timeout) {
        return "{\"timeoutMs\":" + std::to_string(timeout.count()) + "}";
    }
    static std::string waitCall(const std::string& id, std::chrono::milliseconds timeout) {
        detail::CallJson c("wait_for_render");
        c.str("id", id);
        if (timeout.count() > 0) c.raw("wait", waitSpec(timeout));
        return c.text();
    }
    static std::string renderCall(std::string_view name, const Image& image, const std::string& settingsJson,
                                  const std::string& prepareJson, std::chrono::milliseconds timeout) {
        detail::CallJson c(name);
        c.raw("image", image.json());
        if (!settingsJson.empty()) c.raw("settings", settingsJson);
        if (!prepareJson.empty()) c.raw("prepare", prepareJson);
        if (timeout.count() > 0) c.raw("wait", waitSpec(timeout));
        return c.text();
    }
    std::unique_ptr<RenderiqClient, detail::ClientDeleter> client_;
};

// ---- webhooks -------------------------------------------------------------------------------

namespace webhooks {

/// Verifies a delivery and returns its event JSON: `{"type", "timestamp", "data", "payload"}`,
/// `data` being the render of a render event and null for any other body (which is accepted,
/// whole, as `payload`). `body` is the raw request body; the three header values as received.
/// `nowUnix` 0 = the system clock. Throws WebhookVerificationError (apiCode() says why),
/// ConfigError for a malformed secret, or DecodeError for a signed body that is not JSON.
inline std::string verify(const std::string& secret, const std::string& body, const std::string& webhookId,
                          const std::string& webhookTimestamp, const std::string& webhookSignature,
                          int64_t nowUnix = 0) {
    return detail::callString([&](char** o, RenderiqError** e) {
        return renderiq_webhook_verify(secret.c_str(), reinterpret_cast<const uint8_t*>(body.data()), body.size(),
                                       webhookId.c_str(), webhookTimestamp.c_str(), webhookSignature.c_str(),
                                       nowUnix, o, e);
    });
}

/// The webhook-signature header value for a delivery ("v1,<base64>").
inline std::string sign(const std::string& secret, const std::string& msgId, int64_t timestamp, const std::string& body) {
    return detail::callString([&](char** o, RenderiqError** e) {
        return renderiq_webhook_sign(secret.c_str(), msgId.c_str(), timestamp,
                                     reinterpret_cast<const uint8_t*>(body.data()), body.size(), o, e);
    });
}

}  // namespace webhooks

}  // namespace renderiq

#endif  // RENDERIQ_HPP
