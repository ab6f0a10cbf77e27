// Checking a step's outcome against its `expect` ({"ok": ...}, {"ok_any": true},
// {"error": {...}}), as tests/conformance/README.md defines it, in C++'s terms: the error is the
// renderiq::Error subclass the wrapper threw, its fields are read through the wrapper's
// accessors, and the calls a hint must name are spelled as C++ spells them (createRender).
#ifndef RENDERIQ_CONFORMANCE_EXPECT_HPP
#define RENDERIQ_CONFORMANCE_EXPECT_HPP

#include "matching.hpp"

#include <renderiq.hpp>

#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

/// One row of the core's error table (renderiq-sdk/src/error_table.rs, CLASSES), hard-coded
/// here in the same order, which is ErrorKind::ALL's and so the C ABI's status codes 1-17.
struct ErrorClassRow {
    const char* kind;
    const char* stem;
    std::vector<std::string> fields;  // beyond the base fields every error has
};

inline const std::vector<ErrorClassRow>& errorTable() {
    static const std::vector<ErrorClassRow> rows = {
        {"auth", "Auth", {}},
        {"permission_denied", "PermissionDenied", {}},
        {"not_found", "NotFound", {}},
        {"invalid_input", "Validation", {}},
        {"insufficient_credits", "InsufficientCredits", {"requiredCredits", "availableCredits"}},
        {"rate_limited", "RateLimit", {"retryAfter"}},
        {"conflict", "Conflict", {}},
        {"server", "Server", {"retryAfter"}},
        {"render_failed", "RenderFailed", {}},
        {"network", "Network", {}},
        {"timeout", "Timeout", {}},
        {"cancelled", "Cancelled", {}},
        {"image", "Image", {}},
        {"webhook_verification", "WebhookVerification", {}},
        {"token_store", "TokenStore", {}},
        {"config", "Config", {}},
        {"decode", "Decode", {}},
    };
    return rows;
}

/// The fields every error class has (error_table.rs, BASE_FIELDS).
inline const std::vector<std::string>& baseFields() {
    static const std::vector<std::string> names = {"kind", "code", "message", "hint", "status", "requestId", "details"};
    return names;
}

inline const ErrorClassRow* rowOfKind(const std::string& kind) {
    for (const ErrorClassRow& r : errorTable())
        if (kind == r.kind) return &r;
    return nullptr;
}

/// The C++ class the wrapper threw, by name ("ValidationError", "UsageError", ...).
inline std::string cppClassOf(const renderiq::Error& e) {
#define RQ_CLASS(T) \
    if (dynamic_cast<const renderiq::T*>(&e) != nullptr) return #T;
    RQ_CLASS(AuthError)
    RQ_CLASS(PermissionDeniedError)
    RQ_CLASS(NotFoundError)
    RQ_CLASS(ValidationError)
    RQ_CLASS(InsufficientCreditsError)
    RQ_CLASS(RateLimitError)
    RQ_CLASS(ConflictError)
    RQ_CLASS(ServerError)
    RQ_CLASS(RenderFailedError)
    RQ_CLASS(NetworkError)
    RQ_CLASS(TimeoutError)
    RQ_CLASS(CancelledError)
    RQ_CLASS(ImageError)
    RQ_CLASS(WebhookVerificationError)
    RQ_CLASS(TokenStoreError)
    RQ_CLASS(ConfigError)
    RQ_CLASS(DecodeError)
    RQ_CLASS(UsageError)
    RQ_CLASS(InternalError)
#undef RQ_CLASS
    return "Error";
}

/// What a failed call left: the exception's class and everything its accessors say.
struct ErrorInfo {
    std::string cppClass;
    std::string kind;
    std::string what;
    std::string apiCode;
    uint16_t httpStatus = 0;
    std::string requestId;
    std::optional<int64_t> requiredCredits, availableCredits;
    std::optional<double> retryAfterSeconds;
    json all;  // renderiq_error_json: the error as the core writes it
    std::string details;  // Error::details(): the error JSON's "details"
    std::string message;  // without the hint: the error JSON's "message"
    std::string hint;     // what what() says beyond the message: the hint the C error carries

    static ErrorInfo from(const renderiq::Error& e) {
        ErrorInfo i;
        i.cppClass = cppClassOf(e);
        i.kind = e.kind();
        i.what = e.what();
        i.apiCode = e.apiCode();
        i.httpStatus = e.httpStatus();
        i.requestId = e.requestId();
        i.details = e.details();
        i.requiredCredits = e.requiredCredits();
        i.availableCredits = e.availableCredits();
        if (auto r = e.retryAfter()) i.retryAfterSeconds = static_cast<double>(r->count()) / 1000.0;
        i.all = json::parse(e.json(), nullptr, false);
        if (i.all.is_discarded()) i.all = json::object();
        const json bare = i.all.value("message", json(nullptr));
        i.message = bare.is_string() ? bare.get<std::string>() : i.what;
        i.hint = i.what;
        const size_t at = i.hint.find(i.message);
        if (at != std::string::npos) i.hint.erase(at, i.message.size());
        return i;
    }

    /// A short description for failure messages.
    std::string about() const { return "the error was " + cppClass + " (" + kind + "): " + what; }

    /// The error field `name` (camelCase, as the README names it) read through C++'s accessor.
    json field(const std::string& name) const {
        const auto orNull = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
        if (name == "kind") return kind;
        if (name == "code") return orNull(apiCode);
        if (name == "message") return message;
        if (name == "status") return httpStatus == 0 ? json(nullptr) : json(httpStatus);
        if (name == "requestId") return orNull(requestId);
        if (name == "requiredCredits") return requiredCredits ? json(*requiredCredits) : json(nullptr);
        if (name == "availableCredits") return availableCredits ? json(*availableCredits) : json(nullptr);
        if (name == "retryAfter") return retryAfterSeconds ? json(*retryAfterSeconds) : json(nullptr);
        if (name == "details") {  // the wrapper's details(): the field-error map
            json d = json::parse(details, nullptr, false);
            return d.is_discarded() ? json(nullptr) : d;
        }
        // "hint": the C++ wrapper has no hint accessor (see the report on per-language hints)
        throw StepFailure("the C++ wrapper has no accessor for the error field \"" + name + "\"");
    }
};

/// A call's outcome: its result JSON, or the error it threw.
struct Outcome {
    std::optional<json> value;
    std::optional<ErrorInfo> error;
};

/// C++'s method name for a call: lowerCamelCase (`renderiq_sdk::call::Language::Cpp.method`).
inline std::string cppMethod(const std::string& call) {
    std::string out;
    bool upper = false;
    for (char c : call) {
        if (c == '_') {
            upper = !out.empty();
        } else {
            out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
            upper = false;
        }
    }
    return out;
}

inline std::vector<std::string> strings(const json& want, const std::string& key) {
    std::vector<std::string> out;
    if (!want.is_array()) throw StepFailure("`" + key + "` must be a list of strings, got " + want.dump());
    for (const json& v : want) {
        if (!v.is_string()) throw StepFailure("`" + key + "` must be a list of strings, got " + want.dump());
        out.push_back(v.get<std::string>());
    }
    return out;
}

/// Checks an error against an `error` expectation; throws StepFailure at the first key it fails.
inline void checkError(const json& want, const ErrorInfo& e) {
    static const std::vector<std::string> keys = {"kind", "class", "code", "status", "fields", "hintCalls",
                                                  "hintExcludes", "messageContains"};
    if (!want.is_object()) throw StepFailure("`error` must be an object, got " + want.dump());
    for (auto it = want.begin(); it != want.end(); ++it) {
        bool known = false;
        for (const std::string& k : keys) known = known || k == it.key();
        if (!known) throw StepFailure("unknown key \"" + it.key() + "\" in an error expectation");
    }
    const ErrorClassRow* row = rowOfKind(e.kind);
    if (want.contains("kind") && want["kind"] != json(e.kind))
        throw StepFailure("kind is " + e.kind + ", expected " + want["kind"].dump() + "; " + e.about());
    if (want.contains("class")) {
        const json& cls = want["class"];
        bool isStem = false;
        for (const ErrorClassRow& r : errorTable()) isStem = isStem || cls == json(r.stem);
        if (!isStem) throw StepFailure(cls.dump() + " is no class stem of the error table");
        const std::string stem = cls.get<std::string>();
        if (row == nullptr || stem != row->stem)
            throw StepFailure("the kind " + e.kind + " is class " + (row ? row->stem : std::string("(none)")) +
                              ", expected " + stem + "; " + e.about());
        if (e.cppClass != stem + "Error")
            throw StepFailure("the exception is renderiq::" + e.cppClass + ", expected renderiq::" + stem + "Error; " +
                              e.about());
    }
    if (want.contains("code")) {
        try {
            subset(want["code"], e.field("code"));
        } catch (const StepFailure& f) {
            throw StepFailure(std::string("code: ") + f.what() + "; " + e.about());
        }
    }
    if (want.contains("status")) {
        try {
            subset(want["status"], e.field("status"));
        } catch (const StepFailure& f) {
            throw StepFailure(std::string("status: ") + f.what() + "; " + e.about());
        }
    }
    if (want.contains("fields")) {
        const json& fields = want["fields"];
        if (!fields.is_object()) throw StepFailure("`fields` must be an object, got " + fields.dump());
        for (auto it = fields.begin(); it != fields.end(); ++it) {
            bool known = false;
            for (const std::string& f : baseFields()) known = known || f == it.key();
            if (row != nullptr)
                for (const std::string& f : row->fields) known = known || f == it.key();
            if (!known)
                throw StepFailure("\"" + it.key() + "\" is not a field of the " + (row ? row->stem : e.kind) +
                                  " class (error table)");
            try {
                subset(it.value(), e.field(it.key()));
            } catch (const StepFailure& f) {
                throw StepFailure("field " + it.key() + ": " + f.what() + "; " + e.about());
            }
        }
    }
    // The C ABI's error carries the core's hint id, and its message text (what()) ends with
    // the hint as the core renders it; the wrapper has no C++ hint of its own, so the hint
    // checked is that text beyond the bare message.
    if (want.contains("hintCalls")) {
        for (const std::string& call : strings(want["hintCalls"], "hintCalls")) {
            const std::string method = cppMethod(call);
            if (e.hint.find(method) == std::string::npos)
                throw StepFailure("the hint names no " + method + " (C++'s " + call + "): \"" + e.what + "\" (hintId " +
                                  e.all.value("hintId", json(nullptr)).dump() + ")");
        }
    }
    if (want.contains("hintExcludes")) {
        for (const std::string& word : strings(want["hintExcludes"], "hintExcludes"))
            if (e.hint.find(word) != std::string::npos)
                throw StepFailure("the hint names \"" + word + "\": \"" + e.what + "\"");
    }
    if (want.contains("messageContains")) {
        for (const std::string& word : strings(want["messageContains"], "messageContains"))
            if (e.message.find(word) == std::string::npos)
                throw StepFailure("the message \"" + e.message + "\" lacks \"" + word + "\"");
    }
}

inline const json& okValue(const Outcome& o) {
    if (o.error)
        throw StepFailure("expected success, got a " + o.error->kind + " error: " + o.error->what + " (code " +
                          o.error->field("code").dump() + ", status " + o.error->field("status").dump() + ")");
    return *o.value;
}

/// Checks an outcome against `expect`; a missing `expect` (null) means {"ok_any": true}.
inline void check(const json& expect, const Outcome& outcome) {
    if (expect.is_null()) {
        (void)okValue(outcome);
        return;
    }
    if (!expect.is_object() || expect.size() != 1)
        throw StepFailure("`expect` needs exactly one of ok, ok_any, error: " + expect.dump());
    if (expect.contains("ok")) {
        const json& got = okValue(outcome);
        try {
            subset(expect["ok"], got);
        } catch (const StepFailure& f) {
            throw StepFailure(std::string(f.what()) + "; the result was " + shortText(got));
        }
    } else if (expect.contains("ok_any")) {
        (void)okValue(outcome);
    } else if (expect.contains("error")) {
        if (!outcome.error) throw StepFailure("expected an error, the call succeeded with " + shortText(*outcome.value));
        checkError(expect["error"], *outcome.error);
    } else {
        throw StepFailure("unknown expectation " + expect.dump());
    }
}

}  // namespace conformance

#endif  // RENDERIQ_CONFORMANCE_EXPECT_HPP
