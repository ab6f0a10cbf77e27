// The scenario language's data rules (tests/conformance/README.md): the subset rule of
// expectations with its matchers ($any, $range, $contains), `${name}` substitution and the
// dot paths of `save`. The same rules as the Rust runner (tests/conformance/rust/src/matching.rs,
// vars.rs), so that the runners agree.
#ifndef RENDERIQ_CONFORMANCE_MATCHING_HPP
#define RENDERIQ_CONFORMANCE_MATCHING_HPP

#include <nlohmann/json.hpp>

#include <map>
#include <stdexcept>
#include <string>

namespace conformance {

using json = nlohmann::json;

/// Why a step failed; the message is the FAIL line's reason.
struct StepFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A value as text, cut to a readable length.
inline std::string shortText(const json& v) {
    std::string text = v.dump();
    if (text.size() > 300) text = text.substr(0, 300) + "...";
    return text;
}

namespace detail {

inline bool isNumber(const json& v) { return v.is_number(); }

/// Checks a matcher object ({"$any": true}, {"$range": [lo, hi]}, {"$contains": "s"}); false
/// when `expected` is no matcher.
inline bool matcher(const json& expected, const json& actual, const std::string& path) {
    if (!expected.is_object() || expected.size() != 1) return false;
    const auto it = expected.begin();
    const std::string& name = it.key();
    const json& arg = it.value();
    if (name == "$any") {
        if (actual.is_null()) throw StepFailure(path + " is null, expected a value");
        return true;
    }
    if (name == "$range") {
        if (!arg.is_array() || arg.size() != 2 || !arg[0].is_number() || !arg[1].is_number())
            throw StepFailure(path + ": $range needs [low, high], got " + arg.dump());
        const double lo = arg[0].get<double>(), hi = arg[1].get<double>();
        if (!actual.is_number() || actual.get<double>() < lo || actual.get<double>() > hi)
            throw StepFailure(path + " is " + shortText(actual) + ", expected a number from " + arg[0].dump() +
                              " to " + arg[1].dump());
        return true;
    }
    if (name == "$contains") {
        if (!arg.is_string()) throw StepFailure(path + ": $contains needs a string, got " + arg.dump());
        const std::string needle = arg.get<std::string>();
        if (!actual.is_string() || actual.get<std::string>().find(needle) == std::string::npos)
            throw StepFailure(path + " is " + shortText(actual) + ", expected a string containing \"" + needle + "\"");
        return true;
    }
    return false;
}

inline void subsetAt(const json& expected, const json& actual, const std::string& path) {
    if (matcher(expected, actual, path)) return;
    if (expected.is_object() && actual.is_object()) {
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            const std::string at = path + "." + it.key();
            const auto have = actual.find(it.key());
            if (have != actual.end()) {
                subsetAt(it.value(), *have, at);
            } else if (!it.value().is_null()) {  // null expected and absent are the same
                throw StepFailure(at + " is missing (expected " + it.value().dump() + ")");
            }
        }
        return;
    }
    if (expected.is_array() && actual.is_array()) {
        if (expected.size() != actual.size())
            throw StepFailure(path + " has " + std::to_string(actual.size()) + " elements, expected " +
                              std::to_string(expected.size()) + ": " + shortText(actual));
        for (size_t i = 0; i < expected.size(); i++) subsetAt(expected[i], actual[i], path + "[" + std::to_string(i) + "]");
        return;
    }
    if (isNumber(expected) && isNumber(actual)) {
        if (expected.get<double>() != actual.get<double>())
            throw StepFailure(path + " is " + actual.dump() + ", expected " + expected.dump());
        return;
    }
    if (expected != actual) throw StepFailure(path + " is " + shortText(actual) + ", expected " + expected.dump());
}

}  // namespace detail

/// Throws StepFailure, naming the JSON path of the first difference, unless `actual` contains
/// `expected`: objects by the keys of `expected`, arrays element-wise with the same length,
/// scalars equal (numbers by value).
inline void subset(const json& expected, const json& actual) { detail::subsetAt(expected, actual, "$"); }

using Vars = std::map<std::string, json>;

namespace detail {

inline const json& lookup(const std::string& name, const Vars& vars) {
    const auto it = vars.find(name);
    if (it == vars.end())
        throw StepFailure("variable ${" + name + "} is not set (no setup value or saved variable)");
    return it->second;
}

inline json substituteString(const std::string& s, const Vars& vars) {
    if (s.size() > 3 && s.compare(0, 2, "${") == 0 && s.back() == '}') {
        const std::string name = s.substr(2, s.size() - 3);
        if (name.find('}') == std::string::npos && name.find("${") == std::string::npos) return lookup(name, vars);
    }
    std::string out;
    size_t pos = 0;
    while (true) {
        const size_t start = s.find("${", pos);
        if (start == std::string::npos) break;
        const size_t end = s.find('}', start);
        if (end == std::string::npos) break;
        out += s.substr(pos, start - pos);
        const json& v = lookup(s.substr(start + 2, end - start - 2), vars);
        out += v.is_string() ? v.get<std::string>() : v.dump();
        pos = end + 1;
    }
    out += s.substr(pos);
    return out;
}

}  // namespace detail

/// Replaces every `${name}` in `value`: a string that is exactly `"${name}"` becomes the saved
/// JSON value itself; inside a longer string a value is spliced in as its text.
inline json substitute(const json& value, const Vars& vars) {
    if (value.is_string()) return detail::substituteString(value.get<std::string>(), vars);
    if (value.is_array()) {
        json out = json::array();
        for (const json& v : value) out.push_back(substitute(v, vars));
        return out;
    }
    if (value.is_object()) {
        json out = json::object();
        for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = substitute(it.value(), vars);
        return out;
    }
    return value;
}

/// The part of `value` a dot-separated `path` names (`""` = all of it).
inline json atPath(const json& value, const std::string& path) {
    if (path.empty()) return value;
    const json* cur = &value;
    size_t pos = 0;
    while (pos <= path.size()) {
        const size_t dot = path.find('.', pos);
        const std::string seg = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
        const json* next = nullptr;
        if (cur->is_object()) {
            const auto it = cur->find(seg);
            if (it != cur->end()) next = &*it;
        } else if (cur->is_array() && !seg.empty() && seg.find_first_not_of("0123456789") == std::string::npos) {
            const size_t i = std::stoul(seg);
            if (i < cur->size()) next = &(*cur)[i];
        }
        if (next == nullptr) throw StepFailure("the result has no \"" + seg + "\" at path \"" + path + "\"");
        cur = next;
        if (dot == std::string::npos) break;
        pos = dot + 1;
    }
    return *cur;
}

}  // namespace conformance

#endif  // RENDERIQ_CONFORMANCE_MATCHING_HPP
