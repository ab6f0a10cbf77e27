// The C++ conformance runner: every scenario of tests/conformance/scenarios through renderiq.hpp's
// generic entry points, Client::call (blocking) and Client::start (an Operation), one line each,
// then `N passed, N failed`. Exits 1 when any failed, 2 when the setup is missing.
//
//   renderiq_conformance_cpp [STEM...]      # every scenario, or the named ones
//
// Environment (scripts/test-conformance.sh sets it): RENDERIQ_CONFORMANCE_SERVERS (JSON object of
// base URLs), RENDERIQ_CONFORMANCE_USERS (path of the users JSON file), RENDERIQ_CONFORMANCE_ROOT
// (the repository root; default: where this runner was built from).
#include "expect.hpp"
#include "matching.hpp"

#include <renderiq.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <utility>

namespace conformance {
namespace {

using namespace std::chrono_literals;

/// Longest a single operation may take before the step fails.
constexpr auto kStepLimit = 120s;
/// How often a `start` step looks at the operation's progress.
constexpr auto kPoll = 5ms;

struct SetupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw StepFailure("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// What the script hands every runner: the servers, the users and the repository root.
struct Setup {
    std::string root;
    json servers;
    json users;

    static Setup fromEnv() {
        Setup s;
        const char* root = std::getenv("RENDERIQ_CONFORMANCE_ROOT");
        s.root = (root && *root) ? root : RENDERIQ_CONFORMANCE_DEFAULT_ROOT;
        const char* servers = std::getenv("RENDERIQ_CONFORMANCE_SERVERS");
        if (!servers || !*servers)
            throw SetupError("RENDERIQ_CONFORMANCE_SERVERS is not set: run scripts/test-conformance.sh, or set it to "
                             "{\"default\": \"http://127.0.0.1:PORT\", ...}");
        s.servers = json::parse(servers, nullptr, false);
        if (!s.servers.is_object())
            throw SetupError("RENDERIQ_CONFORMANCE_SERVERS is not a JSON object of URLs");
        const char* users = std::getenv("RENDERIQ_CONFORMANCE_USERS");
        if (!users || !*users)
            throw SetupError("RENDERIQ_CONFORMANCE_USERS is not set: it names the users JSON file that "
                             "scripts/test-conformance.sh writes");
        try {
            s.users = json::parse(readFile(users), nullptr, false);
        } catch (const StepFailure& e) {
            throw SetupError(std::string("the users file: ") + e.what());
        }
        if (!s.users.is_object()) throw SetupError(std::string("the users file ") + users + " is not a JSON object");
        return s;
    }

    std::string scenariosDir() const { return root + "/tests/conformance/scenarios"; }

    /// The setup values a scenario may use as `${name}`.
    Vars values(const std::string& stem, const std::string& server) const {
        if (!users.contains(stem)) throw StepFailure("the users file has no account for scenario \"" + stem + "\"");
        if (!servers.contains(server)) throw StepFailure("no server \"" + server + "\" in RENDERIQ_CONFORMANCE_SERVERS");
        const json& user = users[stem];
        Vars v;
        for (const char* key : {"email", "password"}) {
            if (!user.contains(key)) throw StepFailure("the account of \"" + stem + "\" has no \"" + key + "\"");
            v[key] = user[key];
        }
        v["base_url"] = servers[server];
        v["assets"] = root + "/examples/assets";
        v["vectors"] = root + "/tests/vectors";
        return v;
    }
};

/// The named byte buffers `attach` hands to a call beside its JSON (README, *Buffers*).
std::vector<uint8_t> namedBuffer(const std::string& name, const std::string& root) {
    if (name == "raw_bgra_2x2_stride12_bottom_up") {
        return {0, 0, 255, 255, 0, 255, 0, 255, 9, 9, 9, 9,  // row 0 and 4 bytes of padding
                255, 0, 0, 255, 255, 255, 255, 255};         // row 1
    }
    if (name == "sample_png") {
        const std::string bytes = readFile(root + "/examples/assets/sample-viewport.png");
        return std::vector<uint8_t>(bytes.begin(), bytes.end());
    }
    throw StepFailure("unknown buffer \"" + name + "\" (see the README's Buffers)");
}

/// Runs `f`, which returns result JSON text, and keeps what it returned or threw.
template <class F>
Outcome capture(F&& f) {
    Outcome o;
    try {
        const std::string text = f();
        o.value = json::parse(text, nullptr, false);
        if (o.value->is_discarded()) throw StepFailure("the result is not JSON: " + text.substr(0, 300));
    } catch (const renderiq::Error& e) {
        o.error = ErrorInfo::from(e);
    }
    return o;
}

std::string stepLabel(const json& step) {
    for (const char* key : {"call", "start"}) {
        if (step.contains(key) && step[key].is_object() && step[key].contains("call"))
            return std::string(key) + " " + step[key]["call"].get<std::string>();
    }
    if (step.is_object())
        for (auto it = step.begin(); it != step.end(); ++it)
            if (it.key() != "expect" && it.key() != "save") return it.key();
    return "?";
}

/// One scenario in progress: its variables and its current client.
class Scenario {
public:
    Scenario(const Setup& setup, Vars vars) : setup_(setup), vars_(std::move(vars)) {
        defaults_ = {{"baseUrl", vars_["base_url"]}, {"tokenStore", "memory"}};
    }

    void buildDefaultClient() {
        try {
            client_.emplace(defaults_.dump());
        } catch (const renderiq::Error& e) {
            throw StepFailure(std::string("the default client: ") + e.what());
        }
    }

    void step(const json& step) {
        // `${name}` anywhere in a string (README), expectations included
        const json expect = substitute(step.value("expect", json(nullptr)), vars_);
        if (step.contains("call")) {
            const Outcome o = call(step["call"], step.value("attach", json(nullptr)));
            check(expect, o);
            save(step.value("save", json(nullptr)), o);
        } else if (step.contains("start")) {
            start(step["start"], step);
        } else if (step.contains("sleep_ms")) {
            if (!step["sleep_ms"].is_number_unsigned()) throw StepFailure("sleep_ms must be a whole number");
            std::this_thread::sleep_for(std::chrono::milliseconds(step["sleep_ms"].get<uint64_t>()));
        } else if (step.contains("verify_webhook")) {
            check(expect, verifyWebhook(substitute(step["verify_webhook"], vars_)));
        } else if (step.contains("client")) {
            const json options = substitute(step["client"], vars_);
            if (!options.is_object()) throw StepFailure("`client` must be an object");
            json merged = defaults_;
            for (auto it = options.begin(); it != options.end(); ++it) merged[it.key()] = it.value();
            client_.reset();
            const Outcome o = capture([&] {
                client_.emplace(merged.dump());
                return std::string("null");
            });
            if (!expect.is_null()) {
                check(expect, o);
            } else if (o.error) {
                throw StepFailure("the client was not built: " + o.error->what);
            }
        } else {
            throw StepFailure("unknown step " + shortText(step));
        }
    }

private:
    renderiq::Client& client() {
        if (!client_) throw StepFailure("there is no client: the last `client` step did not build one");
        return *client_;
    }

    std::vector<uint8_t> attachment(const json& attach) const {
        if (attach.is_null()) return {};
        if (!attach.is_string()) throw StepFailure("`attach` must name a buffer");
        return namedBuffer(attach.get<std::string>(), setup_.root);
    }

    Outcome call(const json& callJson, const json& attach) {
        const std::string text = substitute(callJson, vars_).dump();
        const std::vector<uint8_t> data = attachment(attach);
        renderiq::Client& c = client();
        return capture([&] { return c.call(text, data); });
    }

    void start(const json& callJson, const json& step) {
        const json expect = substitute(step.value("expect", json(nullptr)), vars_);
        const std::string text = substitute(callJson, vars_).dump();
        const std::vector<uint8_t> data = attachment(step.value("attach", json(nullptr)));
        std::optional<renderiq::Operation> op;
        const Outcome started = capture([&] {
            op.emplace(client().start(text, data));
            return std::string("null");
        });
        if (started.error) {
            check(expect, started);
            return;
        }
        json seen = progressOf(*op);
        const int64_t firstVersion = seen.value("version", int64_t{0});
        const json cancelWhen = step.value("cancel_when", json(nullptr));
        const bool expectProgress = cancelWhen.is_null() && step.value("expect_progress", false);
        if (cancelWhen == json("at_once")) {
            op->cancel();
        } else if (cancelWhen.is_object() && cancelWhen.contains("stage") && cancelWhen["stage"].is_string()) {
            seen = waitForStage(*op, cancelWhen["stage"].get<std::string>());
            op->cancel();
        } else if (!cancelWhen.is_null()) {
            throw StepFailure("cancel_when must be \"at_once\" or {\"stage\": ...}, got " + cancelWhen.dump());
        }
        // the binding's wait, not a poll of its own
        const Outcome o = capture([&] {
            std::optional<std::string> result = op->wait(kStepLimit);
            if (!result) throw StepFailure("the operation did not finish within 120 s");
            return *result;
        });
        if (cancelWhen.is_null()) seen = progressOf(*op);
        if (expectProgress) {
            if (seen.value("version", int64_t{0}) <= firstVersion)
                throw StepFailure("the progress version never grew (stayed " + std::to_string(firstVersion) + ")");
            if (seen.value("percent", 0) != 100)
                throw StepFailure("the last progress was " + seen["percent"].dump() + " percent");
        }
        check(expect, o);
        save(step.value("save", json(nullptr)), o);
        Outcome progress;
        progress.value = seen;
        save(step.value("save_progress", json(nullptr)), progress);
    }

    static json progressOf(const renderiq::Operation& op) {
        const json p = json::parse(op.progress().json, nullptr, false);
        if (!p.is_object()) throw StepFailure("the progress is not a JSON object");
        return p;
    }

    static json waitForStage(const renderiq::Operation& op, const std::string& stage) {
        const auto deadline = std::chrono::steady_clock::now() + kStepLimit;
        while (true) {
            const bool done = op.done();  // before the progress: a stage seen is then not the last's
            const json p = progressOf(op);
            if (p.value("stage", json(nullptr)) == json(stage)) return p;
            if (done) {
                const Outcome o = capture([&] { return *op.outcome(); });
                throw StepFailure("the operation finished before reaching stage \"" + stage + "\" (last stage " +
                                  p.value("stage", json(nullptr)).dump() + "): " +
                                  (o.error ? o.error->what : shortText(*o.value)));
            }
            if (std::chrono::steady_clock::now() > deadline)
                throw StepFailure("stage \"" + stage + "\" not reached within 120 s");
            std::this_thread::sleep_for(kPoll);
        }
    }

    /// A `verify_webhook` step through the typed verify entry; `"event": true` also reads the
    /// event, else the outcome is the verified body.
    static Outcome verifyWebhook(const json& spec) {
        const auto text = [&](const char* key) -> std::optional<std::string> {
            if (!spec.contains(key) || spec[key].is_null()) return std::nullopt;
            if (spec[key].is_string()) return spec[key].get<std::string>();
            if (spec[key].is_number()) return spec[key].dump();
            throw StepFailure(std::string("`") + key + "` must be a string, got " + spec[key].dump());
        };
        const std::optional<std::string> secret = text("secret"), body = text("body");
        if (!secret) throw StepFailure("verify_webhook needs a `secret`");
        if (!body) throw StepFailure("verify_webhook needs a `body`");
        if (!spec.contains("now") || !spec["now"].is_number_integer())
            throw StepFailure("verify_webhook needs `now` (unix seconds)");
        const int64_t now = spec["now"].get<int64_t>();
        if (spec.contains("tolerance_s") && spec["tolerance_s"] != json(300))
            throw StepFailure("renderiq_webhook_verify takes no tolerance: the C ABI verifies with the default 300 s "
                              "only, and the scenario asks for tolerance_s " + spec["tolerance_s"].dump());
        const std::optional<std::string> id = text("id"), timestamp = text("timestamp"), signature = text("signature");
        const bool event = spec.value("event", false);
        return capture([&] {
            char* out = nullptr;
            RenderiqError* err = nullptr;
            const auto cstr = [](const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; };
            const int32_t rc = renderiq_webhook_verify(
                secret->c_str(), reinterpret_cast<const uint8_t*>(body->data()), body->size(), cstr(id),
                cstr(timestamp), cstr(signature), now, event ? &out : nullptr, &err);
            std::string result = renderiq::detail::take(out);
            renderiq::detail::check(rc, err);
            if (!event) return json(*body).dump();
            // The C event is {type, timestamp, data, payload}; a body that is no render event
            // (data null) is the event as the other languages read it: the body, whole.
            const json parsed = json::parse(result, nullptr, false);
            return !parsed.is_discarded() && parsed.value("data", json(nullptr)).is_null() ? parsed["payload"].dump() : result;
        });
    }

    void save(const json& save, const Outcome& o) {
        if (save.is_null()) return;
        if (!save.is_object()) throw StepFailure("`save` must be an object");
        if (o.error) throw StepFailure("nothing to save: the call failed (" + o.error->what + ")");
        for (auto it = save.begin(); it != save.end(); ++it) {
            if (!it.value().is_string()) throw StepFailure("a `save` path must be a string");
            vars_[it.key()] = atPath(*o.value, it.value().get<std::string>());
        }
    }

    const Setup& setup_;
    Vars vars_;
    json defaults_;
    std::optional<renderiq::Client> client_;
};

/// Runs one scenario file; throws StepFailure with why its first failing step failed.
void runScenario(const Setup& setup, const std::string& path, const std::string& stem) {
    const json doc = json::parse(readFile(path), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) throw StepFailure("not a JSON object");
    const std::string server = doc.value("server", std::string("default"));
    Scenario scenario(setup, setup.values(stem, server));
    scenario.buildDefaultClient();
    if (!doc.contains("steps") || !doc["steps"].is_array()) throw StepFailure("the scenario has no `steps` list");
    size_t n = 0;
    for (const json& step : doc["steps"]) {
        n++;
        try {
            scenario.step(step);
        } catch (const StepFailure& e) {
            throw StepFailure("step " + std::to_string(n) + " (" + stepLabel(step) + "): " + e.what());
        } catch (const std::exception& e) {  // a JSON type error in the scenario, a wrapper bug
            throw StepFailure("step " + std::to_string(n) + " (" + stepLabel(step) + "): " + e.what());
        }
    }
}

std::vector<std::string> scenarioFiles(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().extension() == ".json") files.push_back(entry.path().filename().string());
    }
    if (ec) throw SetupError("cannot list " + dir + ": " + ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace
}  // namespace conformance

int main(int argc, char** argv) {
    using namespace conformance;
    Setup setup;
    std::vector<std::string> files;
    try {
        renderiq::checkAbiVersion();
        setup = Setup::fromEnv();
        files = scenarioFiles(setup.scenariosDir());
    } catch (const std::exception& e) {
        std::cerr << "conformance: " << e.what() << "\n";
        return 2;
    }
    const std::vector<std::string> only(argv + 1, argv + argc);
    int passed = 0, failed = 0;
    for (const std::string& file : files) {
        const std::string stem = file.substr(0, file.size() - 5);
        if (!only.empty() && std::find(only.begin(), only.end(), stem) == only.end() &&
            std::find(only.begin(), only.end(), file) == only.end())
            continue;
        try {
            runScenario(setup, setup.scenariosDir() + "/" + file, stem);
            passed++;
            std::cout << "ok   " << file << std::endl;
        } catch (const std::exception& e) {
            failed++;
            std::cout << "FAIL " << file << ": " << e.what() << std::endl;
        }
    }
    std::cout << passed << " passed, " << failed << " failed" << std::endl;
    return failed == 0 ? 0 : 1;
}
