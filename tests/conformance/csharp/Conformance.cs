using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renderiq.Sdk;
using Renderiq.Sdk.Json;
using Renderiq.Sdk.Native;
using RenderiqClient = Renderiq.Sdk.RenderiqClient;

namespace Renderiq.Conformance
{
    /// <summary>
    /// The C# conformance runner: runs every scenario of tests/conformance/scenarios through
    /// <see cref="RenderiqClient.CallAsync"/> / <see cref="RenderiqClient.Start"/> against the
    /// reference servers and prints <c>N passed, N failed</c> (see tests/conformance/README.md).
    /// </summary>
    /// <example>
    /// <code>
    /// RENDERIQ_CONFORMANCE_SERVERS='{"default":"http://127.0.0.1:8787"}' RENDERIQ_CONFORMANCE_USERS=users.json \
    ///     mono Renderiq.Conformance.exe [scenario-stem ...]
    /// </code>
    /// </example>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            string root = RepoRoot();
            string dir = Environment.GetEnvironmentVariable("RENDERIQ_CONFORMANCE_SCENARIO_DIR");
            if (string.IsNullOrEmpty(dir)) dir = Path.Combine(root, "tests", "conformance", "scenarios");
            var servers = ReadEnvObject("RENDERIQ_CONFORMANCE_SERVERS", false);
            var usersPath = Environment.GetEnvironmentVariable("RENDERIQ_CONFORMANCE_USERS");
            var users = string.IsNullOrEmpty(usersPath)
                ? new Dictionary<string, object>()
                : (Dictionary<string, object>)JsonReader.Parse(File.ReadAllText(usersPath));
            var files = Directory.GetFiles(dir, "*.json").OrderBy(f => f, StringComparer.Ordinal)
                .Where(f => args.Length == 0 || args.Contains(Path.GetFileNameWithoutExtension(f)))
                .ToList();

            int passed = 0, failed = 0;
            foreach (string file in files)
            {
                string stem = Path.GetFileNameWithoutExtension(file);
                string failure;
                string name = stem;
                try
                {
                    var scenario = (Dictionary<string, object>)JsonReader.Parse(File.ReadAllText(file));
                    name = (scenario.ContainsKey("name") ? scenario["name"] as string : null) ?? stem;
                    failure = new ScenarioRun(root, stem, scenario, servers, users).Run();
                }
                catch (Exception e)
                {
                    failure = "the runner failed: " + e;
                }
                if (failure == null)
                {
                    passed++;
                    Console.WriteLine("ok   " + stem);
                }
                else
                {
                    failed++;
                    Console.WriteLine("FAIL " + stem + ": " + name + ": " + failure.Replace("\n", "\n     "));
                }
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 && passed > 0 ? 0 : 1;
        }

        private static string RepoRoot()
        {
            string fromEnv = Environment.GetEnvironmentVariable("RENDERIQ_CONFORMANCE_ROOT");
            if (string.IsNullOrEmpty(fromEnv)) fromEnv = Environment.GetEnvironmentVariable("RENDERIQ_REPO_ROOT");
            if (!string.IsNullOrEmpty(fromEnv)) return Path.GetFullPath(fromEnv);
            for (string d = Directory.GetCurrentDirectory(); d != null; d = Path.GetDirectoryName(d))
                if (Directory.Exists(Path.Combine(d, "tests", "conformance", "scenarios"))) return d;
            throw new InvalidOperationException("cannot find the repository: set RENDERIQ_REPO_ROOT");
        }

        private static Dictionary<string, object> ReadEnvObject(string name, bool optional)
        {
            string text = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(text))
            {
                if (optional) return new Dictionary<string, object>();
                throw new InvalidOperationException(name + " is not set: run scripts/test-conformance.sh");
            }
            return (Dictionary<string, object>)JsonReader.Parse(text);
        }
    }

    /// <summary>One scenario: its variables, its client, its steps in order.</summary>
    internal sealed class ScenarioRun
    {
        /// <summary>How long one step may take before it counts as hung.</summary>
        private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(2);

        private readonly string _root;
        private readonly Dictionary<string, object> _scenario;
        private readonly Dictionary<string, object> _vars = new Dictionary<string, object>(StringComparer.Ordinal);
        private readonly string _baseUrl;
        private RenderiqClient _client;

        internal ScenarioRun(string root, string stem, Dictionary<string, object> scenario,
            Dictionary<string, object> servers, Dictionary<string, object> users)
        {
            _root = root;
            _scenario = scenario;
            string server = Get(scenario, "server") as string ?? "default";
            _baseUrl = Get(servers, server) as string;
            if (_baseUrl == null) throw new InvalidOperationException("no base URL for server '" + server + "' in RENDERIQ_CONFORMANCE_SERVERS");
            var user = Get(users, stem) as Dictionary<string, object>;
            if (user != null)
            {
                _vars["email"] = Get(user, "email");
                _vars["password"] = Get(user, "password");
            }
            _vars["assets"] = Path.Combine(root, "examples", "assets");
            _vars["vectors"] = Path.Combine(root, "tests", "vectors");
            _vars["base_url"] = _baseUrl;
        }

        /// <summary>Runs the steps; null when every one passed, else what went wrong.</summary>
        internal string Run()
        {
            var steps = Get(_scenario, "steps") as List<object>;
            if (steps == null) return "the scenario has no steps";
            _client = NewClient(null);
            try
            {
                for (int i = 0; i < steps.Count; i++)
                {
                    var step = steps[i] as Dictionary<string, object>;
                    string failure = step == null ? "a step is not an object" : RunStep(step);
                    if (failure != null) return "step " + (i + 1) + " (" + Describe(step) + "): " + failure;
                }
                return null;
            }
            finally
            {
                if (_client != null) _client.Dispose();
            }
        }

        private static string Describe(Dictionary<string, object> step)
        {
            if (step == null) return "?";
            foreach (string k in new[] { "call", "start" })
            {
                var c = Get(step, k) as Dictionary<string, object>;
                if (c != null) return k + " " + Get(c, "call");
            }
            return string.Join(",", step.Keys.ToArray());
        }

        private RenderiqClient NewClient(Dictionary<string, object> options)
        {
            // The runner's defaults: the scenario's server, a memory token store; the step's
            // options are merged over them, as the C ABI's configuration JSON.
            string defaults = new ClientOptionsJson(_baseUrl).Json;
            var config = (Dictionary<string, object>)JsonReader.Parse(defaults);
            if (options != null)
                foreach (var kv in options) config[kv.Key] = kv.Value;
            return new RenderiqClient(JsonWriter.Serialize(config), true);
        }

        private string RunStep(Dictionary<string, object> step)
        {
            if (step.ContainsKey("sleep_ms"))
            {
                Thread.Sleep(Convert.ToInt32(step["sleep_ms"], CultureInfo.InvariantCulture));
                return null;
            }
            // A missing expect means {"ok_any": true}.
            var expect = step.ContainsKey("expect") ? Substitute(step["expect"]) as Dictionary<string, object>
                : new Dictionary<string, object> { { "ok_any", true } };
            if (expect == null) return "expect must be an object";
            Outcome outcome;
            Dictionary<string, object> progress = null;
            if (step.ContainsKey("client"))
            {
                var options = Substitute(step["client"]) as Dictionary<string, object>;
                if (options == null) return "client must be an object";
                if (_client != null) _client.Dispose();
                _client = null;
                try
                {
                    _client = NewClient(options);
                    outcome = Outcome.Ok("null");
                }
                catch (Exception e)
                {
                    outcome = Outcome.Raised(e);
                }
            }
            else if (step.ContainsKey("verify_webhook"))
            {
                outcome = VerifyWebhook(Substitute(step["verify_webhook"]) as Dictionary<string, object>);
            }
            else if (step.ContainsKey("call") || step.ContainsKey("start"))
            {
                if (_client == null) return "there is no client: the last client step did not build one";
                outcome = step.ContainsKey("call") ? Call(step) : Start(step, out progress);
            }
            else
            {
                return "unknown step kind: " + string.Join(",", step.Keys.ToArray());
            }
            if (outcome.RunnerFailure != null) return outcome.RunnerFailure;

            string failure = Expectations.Check(expect, outcome);
            if (failure != null) return failure;
            return Save(Get(step, "save"), outcome.Error == null ? outcome.Result : null, outcome.Error != null)
                ?? Save(Get(step, "save_progress"), progress, false);
        }

        private string Save(object save, object value, bool failed)
        {
            var names = save as Dictionary<string, object>;
            if (names == null) return null;
            if (failed) return "nothing to save: the call failed";
            foreach (var kv in names)
            {
                object found;
                string path = kv.Value as string ?? "";
                if (!JsonPath.TryGet(value, path, out found)) return "save: no '" + path + "' in " + JsonWriter.Serialize(value);
                _vars[kv.Key] = found;
            }
            return null;
        }

        private string CallJson(Dictionary<string, object> step, string key, out byte[] data)
        {
            data = null;
            string attach = Get(step, "attach") as string;
            if (attach != null) data = Buffers.Get(attach, _root);
            return JsonWriter.Serialize(Substitute(step[key]));
        }

        private Outcome Call(Dictionary<string, object> step)
        {
            byte[] data;
            string json = CallJson(step, "call", out data);
            using (var limit = new CancellationTokenSource(StepLimit))
            {
                try
                {
                    string result = _client.CallAsync(json, data, limit.Token).GetAwaiter().GetResult();
                    return Outcome.Ok(result);
                }
                catch (OperationCanceledException) when (limit.IsCancellationRequested)
                {
                    return Outcome.Failed("the call did not end within " + StepLimit.TotalSeconds + " s");
                }
                catch (Exception e)
                {
                    return Outcome.Raised(e);
                }
            }
        }

        /// <summary>
        /// A start step; <paramref name="seen"/> is the progress when the condition held (for
        /// save_progress): at the cancel, or at the end.
        /// </summary>
        private Outcome Start(Dictionary<string, object> step, out Dictionary<string, object> seen)
        {
            seen = null;
            string failure = null;
            byte[] data;
            string json = CallJson(step, "start", out data);
            object cancelWhen = Get(step, "cancel_when");
            bool expectProgress = Get(step, "expect_progress") as bool? == true;
            RenderiqOperation op;
            try
            {
                op = _client.Start(json, data);
            }
            catch (Exception e)
            {
                return Outcome.Raised(e);
            }
            using (op)
            {
                DateTime deadline = DateTime.UtcNow + StepLimit;
                seen = Progress(op);
                if (cancelWhen as string == "at_once")
                {
                    op.Cancel();
                }
                else if (cancelWhen != null)
                {
                    string stage = Get(cancelWhen as Dictionary<string, object>, "stage") as string;
                    if (stage == null) return Outcome.Failed("cancel_when: expected \"at_once\" or {\"stage\": …}");
                    while (Get(seen, "stage") as string != stage)
                    {
                        if (op.IsCompleted) { failure = "the operation ended before reaching stage '" + stage + "' (last " + JsonWriter.Serialize(seen) + ")"; break; }
                        if (DateTime.UtcNow > deadline) { failure = "stage '" + stage + "' not reached within " + StepLimit.TotalSeconds + " s"; break; }
                        Thread.Sleep(10);
                        seen = Progress(op);
                    }
                    op.Cancel();
                    if (failure != null) return Outcome.Failed(failure);
                }
                else if (expectProgress)
                {
                    long first = Version(seen);
                    while (!op.IsCompleted)
                    {
                        if (DateTime.UtcNow > deadline) return Outcome.Failed("the operation did not end within " + StepLimit.TotalSeconds + " s");
                        Thread.Sleep(10);
                    }
                    seen = Progress(op);
                    if (Version(seen) <= first) return Outcome.Failed("the progress version never grew (stayed " + first + ")");
                    long percent = Convert.ToInt64(Get(seen, "percent") ?? 0L, CultureInfo.InvariantCulture);
                    if (percent != 100) return Outcome.Failed("the last progress was " + percent + " percent");
                }
                TimeSpan left = deadline - DateTime.UtcNow;
                if (!Ended(op.Completion, left > TimeSpan.Zero ? left : TimeSpan.Zero))
                    return Outcome.Failed("the operation did not end within " + StepLimit.TotalSeconds + " s");
            }
            try
            {
                return Outcome.Ok(op.Completion.GetAwaiter().GetResult());
            }
            catch (Exception e)
            {
                return Outcome.Raised(e);
            }
        }

        /// <summary>Whether the task ended within <paramref name="timeout"/>, however it ended.</summary>
        private static bool Ended(Task task, TimeSpan timeout)
        {
            try
            {
                return task.Wait(timeout);
            }
            catch (AggregateException)
            {
                return true;
            }
        }

        private static Dictionary<string, object> Progress(RenderiqOperation op)
        {
            return (Dictionary<string, object>)JsonReader.Parse(op.ProgressJson);
        }

        private static long Version(Dictionary<string, object> progress)
        {
            return Convert.ToInt64(Get(progress, "version") ?? 0L, CultureInfo.InvariantCulture);
        }

        /// <summary>
        /// A verify_webhook step through the binding's typed entry: <see cref="Webhook.Verify(string, byte[], IEnumerable{KeyValuePair{string, string}}, DateTimeOffset?)"/>
        /// answers the body it verified; with <c>"event": true</c> the event is read as
        /// <see cref="Webhook.VerifyEvent(string, byte[], IEnumerable{KeyValuePair{string, string}}, DateTimeOffset?)"/>
        /// reads it (renderiq_webhook_verify with an event out-parameter), and the result is the
        /// event's payload.
        /// </summary>
        private static unsafe Outcome VerifyWebhook(Dictionary<string, object> v)
        {
            if (v == null) return Outcome.Failed("verify_webhook: expected an object");
            object tolerance = Get(v, "tolerance_s");
            if (tolerance != null && Convert.ToDouble(tolerance, CultureInfo.InvariantCulture) != Webhook.Tolerance.TotalSeconds)
                return Outcome.Failed("verify_webhook: the C# binding has no tolerance setting (fixed at " + Webhook.Tolerance.TotalSeconds + " s)");
            string secret = Text(Get(v, "secret"));
            string bodyText = Text(Get(v, "body"));
            if (secret == null || bodyText == null) return Outcome.Failed("verify_webhook needs a secret and a body");
            object now = Get(v, "now");
            if (now == null) return Outcome.Failed("verify_webhook needs now (unix seconds)");
            long nowUnix = Convert.ToInt64(now, CultureInfo.InvariantCulture);
            byte[] body = Encoding.UTF8.GetBytes(bodyText);
            var headers = new List<KeyValuePair<string, string>>();
            foreach (var h in new[] { new[] { Webhook.IdHeader, "id" }, new[] { Webhook.TimestampHeader, "timestamp" }, new[] { Webhook.SignatureHeader, "signature" } })
            {
                string value = Text(Get(v, h[1]));
                if (value != null) headers.Add(new KeyValuePair<string, string>(h[0], value));
            }
            try
            {
                Webhook.Verify(secret, body, headers, DateTimeOffset.FromUnixTimeSeconds(nowUnix));
                if (Get(v, "event") as bool? != true) return Outcome.Ok(JsonWriter.Serialize(bodyText));
                return Outcome.Ok(VerifiedEventPayload(secret, body, headers, nowUnix));
            }
            catch (Exception e)
            {
                return Outcome.Raised(e);
            }
        }

        /// <summary>The event of a verified body, as <see cref="Webhook.VerifyEvent(string, byte[], IEnumerable{KeyValuePair{string, string}}, DateTimeOffset?)"/> reads it; its payload as JSON.</summary>
        private static unsafe string VerifiedEventPayload(string secret, byte[] body, List<KeyValuePair<string, string>> headers, long nowUnix)
        {
            Func<string, string> header = name => headers.Where(h => h.Key == name).Select(h => h.Value).FirstOrDefault();
            byte[] s = Interop.Utf8Z(secret);
            byte[] i = Interop.Utf8Z(header(Webhook.IdHeader));
            byte[] t = Interop.Utf8Z(header(Webhook.TimestampHeader));
            byte[] g = Interop.Utf8Z(header(Webhook.SignatureHeader));
            byte* json = null;
            RenderiqError* error = null;
            int status;
            fixed (byte* sp = s)
            fixed (byte* bp = body)
            fixed (byte* ip = i)
            fixed (byte* tp = t)
            fixed (byte* gp = g)
            {
                status = NativeMethods.renderiq_webhook_verify(sp, bp, new UIntPtr((uint)body.Length), ip, tp, gp, nowUnix == 0 ? 1 : nowUnix, &json, &error);
            }
            string result = Interop.TakeString(json);
            Interop.Check(status, error);
            var ev = JsonReader.Parse(result) as Dictionary<string, object>;
            object payload;
            return ev != null && ev.TryGetValue("payload", out payload) ? JsonWriter.Serialize(payload) : result;
        }

        private static string Text(object v)
        {
            if (v == null) return null;
            return v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture);
        }

        internal static object Get(Dictionary<string, object> o, string key)
        {
            object v;
            return o != null && o.TryGetValue(key, out v) ? v : null;
        }

        /// <summary><c>${name}</c> replaced by saved variables and setup values, recursively.</summary>
        private object Substitute(object value)
        {
            var s = value as string;
            if (s != null)
            {
                if (s.StartsWith("${", StringComparison.Ordinal) && s.EndsWith("}", StringComparison.Ordinal) && s.IndexOf("${", 2, StringComparison.Ordinal) < 0)
                {
                    string name = s.Substring(2, s.Length - 3);
                    if (_vars.ContainsKey(name)) return _vars[name];
                }
                var sb = new StringBuilder();
                int pos = 0;
                while (true)
                {
                    int start = s.IndexOf("${", pos, StringComparison.Ordinal);
                    int end = start < 0 ? -1 : s.IndexOf('}', start);
                    if (end < 0) { sb.Append(s, pos, s.Length - pos); break; }
                    string name = s.Substring(start + 2, end - start - 2);
                    sb.Append(s, pos, start - pos);
                    object v;
                    if (_vars.TryGetValue(name, out v)) sb.Append(v as string ?? JsonWriter.Serialize(v));
                    else sb.Append(s, start, end - start + 1);
                    pos = end + 1;
                }
                return sb.ToString();
            }
            var o = value as Dictionary<string, object>;
            if (o != null)
            {
                var copy = new Dictionary<string, object>(StringComparer.Ordinal);
                foreach (var kv in o) copy[kv.Key] = Substitute(kv.Value);
                return copy;
            }
            var a = value as List<object>;
            if (a != null) return a.Select(Substitute).ToList();
            return value;
        }
    }

    /// <summary>The runner's default client configuration: the binding's own options, as JSON.</summary>
    internal sealed class ClientOptionsJson
    {
        internal ClientOptionsJson(string baseUrl)
        {
            Json = new ClientOptions { BaseUrl = baseUrl, TokenStore = TokenStore.Memory }.ToJson();
        }

        internal string Json { get; }
    }

    /// <summary>What a step produced: a result JSON, an exception, or a failure of the runner's own checks.</summary>
    internal sealed class Outcome
    {
        internal string ResultJson;
        internal object Result;
        internal Exception Error;
        internal string RunnerFailure;

        internal static Outcome Ok(string json)
        {
            return new Outcome { ResultJson = json, Result = json == null ? null : JsonReader.Parse(json) };
        }

        internal static Outcome Raised(Exception e)
        {
            var agg = e as AggregateException;
            if (agg != null && agg.InnerExceptions.Count == 1) e = agg.InnerExceptions[0];
            return new Outcome { Error = e };
        }

        internal static Outcome Failed(string why)
        {
            return new Outcome { RunnerFailure = why };
        }
    }

    /// <summary>The named byte buffers of the README's *Buffers*.</summary>
    internal static class Buffers
    {
        internal static byte[] Get(string name, string root)
        {
            switch (name)
            {
                case "raw_bgra_2x2_stride12_bottom_up":
                    return new byte[]
                    {
                        0, 0, 255, 255, 0, 255, 0, 255, 9, 9, 9, 9,
                        255, 0, 0, 255, 255, 255, 255, 255,
                    };
                case "sample_png":
                    return File.ReadAllBytes(Path.Combine(root, "examples", "assets", "sample-viewport.png"));
                default:
                    throw new ArgumentException("unknown buffer '" + name + "'");
            }
        }
    }

    /// <summary>Dot-separated keys and indices into a parsed JSON value; "" is the whole value.</summary>
    internal static class JsonPath
    {
        internal static bool TryGet(object value, string path, out object found)
        {
            found = value;
            if (string.IsNullOrEmpty(path)) return true;
            foreach (string part in path.Split('.'))
            {
                var o = found as Dictionary<string, object>;
                var a = found as List<object>;
                int index;
                if (o != null && o.TryGetValue(part, out found)) continue;
                if (a != null && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < a.Count)
                {
                    found = a[index];
                    continue;
                }
                found = null;
                return false;
            }
            return true;
        }
    }

    /// <summary>The README's *Expectations*, checked against a C# outcome.</summary>
    internal static class Expectations
    {
        /// <summary>
        /// The C# class for each error class stem of the core's table where it is not
        /// <c>stem + "Exception"</c> (today's names; see the report of the conformance work).
        /// </summary>
        private static readonly Dictionary<string, string> ClassNames = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            { "Auth", "AuthException" },
            { "InvalidInput", "ValidationException" },
            { "RateLimited", "RateLimitException" },
            { "Timeout", "RenderiqTimeoutException" },
            { "Config", "ConfigException" },
            { "Cancelled", "OperationCanceledException" },
            { "Decode", "DecodeException" },
        };

        /// <summary>camelCase error fields whose C# property is not the PascalCase name.</summary>
        private static readonly Dictionary<string, string> FieldNames = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            { "status", "HttpStatus" },
        };

        internal static string CSharpClass(string stem)
        {
            string name;
            return ClassNames.TryGetValue(stem, out name) ? name : stem + "Exception";
        }

        internal static string Pascal(string name)
        {
            var sb = new StringBuilder();
            bool upper = true;
            foreach (char c in name)
            {
                if (c == '_') { upper = true; continue; }
                sb.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            return sb.ToString();
        }

        internal static string Check(Dictionary<string, object> expect, Outcome outcome)
        {
            if (expect == null || expect.Count != 1) return "expect needs exactly one of ok, ok_any, error";
            if (expect.ContainsKey("ok") || expect.ContainsKey("ok_any"))
            {
                if (outcome.Error != null) return "expected success, got " + Describe(outcome.Error);
                if (!expect.ContainsKey("ok")) return null;
                string why = Subset(expect["ok"], outcome.Result, "$");
                return why == null ? null : why + "\n     result: " + outcome.ResultJson;
            }
            var error = ScenarioRun.Get(expect, "error") as Dictionary<string, object>;
            if (error == null) return "expect has neither ok, ok_any nor error";
            if (outcome.Error == null) return "expected an error, got success: " + outcome.ResultJson;
            return CheckError(error, outcome.Error);
        }

        private static string Describe(Exception e)
        {
            var r = e as RenderiqException;
            return e.GetType().Name + ": " + e.Message + (r != null ? " " + r.ErrorJson : "");
        }

        private static readonly string[] ErrorKeys = { "kind", "class", "code", "status", "fields", "hintCalls", "hintExcludes", "messageContains" };

        private static string CheckError(Dictionary<string, object> error, Exception e)
        {
            foreach (string key in error.Keys)
                if (Array.IndexOf(ErrorKeys, key) < 0) return "unknown key \"" + key + "\" in an error expectation";
            var r = e as RenderiqException;
            string seen = e.GetType().Name + ": " + e.Message + (r != null ? " " + r.ErrorJson : "");
            object v;
            if (error.TryGetValue("kind", out v))
            {
                string kind = Kind(e);
                if (kind != (string)v) return "kind is " + kind + ", expected " + v + " (" + seen + ")";
            }
            if (error.TryGetValue("class", out v))
            {
                string cls = CSharpClass((string)v);
                bool match = false;
                for (Type t = e.GetType(); t != null; t = t.BaseType) match |= t.Name == cls;
                if (!match) return "class is " + e.GetType().Name + ", expected " + cls + " (" + seen + ")";
            }
            if (error.TryGetValue("code", out v))
            {
                string why = Subset(v, Property(e, "Code"), "code");
                if (why != null) return why + " (" + seen + ")";
            }
            if (error.TryGetValue("status", out v))
            {
                string why = Subset(v, Property(e, "HttpStatus"), "status");
                if (why != null) return why + " (" + seen + ")";
            }
            var fields = ScenarioRun.Get(error, "fields") as Dictionary<string, object>;
            if (fields != null)
            {
                foreach (var kv in fields)
                {
                    string prop;
                    if (!FieldNames.TryGetValue(kv.Key, out prop)) prop = Pascal(kv.Key);
                    PropertyInfo p = e.GetType().GetProperty(prop, BindingFlags.Public | BindingFlags.Instance);
                    if (p == null) return e.GetType().Name + " has no property " + prop + " for field " + kv.Key + " (" + seen + ")";
                    string why = Subset(kv.Value, Property(e, prop), prop);
                    if (why != null) return why + " (" + seen + ")";
                }
            }
            // The hint (RenderiqException.Hint); it is also in the message.
            string hint = Property(e, "Hint") as string ?? "";
            var hintCalls = ScenarioRun.Get(error, "hintCalls") as List<object>;
            if (hintCalls != null)
                foreach (object call in hintCalls)
                {
                    string method = Pascal((string)call) + "Async";
                    if (hint.IndexOf(method, StringComparison.Ordinal) < 0) return "the hint \"" + hint + "\" does not name " + method + " (" + seen + ")";
                    if (e.Message.IndexOf(method, StringComparison.Ordinal) < 0) return "the message does not name " + method + ": " + e.Message;
                }
            var hintExcludes = ScenarioRun.Get(error, "hintExcludes") as List<object>;
            if (hintExcludes != null)
                foreach (object word in hintExcludes)
                    if (hint.IndexOf((string)word, StringComparison.Ordinal) >= 0) return "the hint \"" + hint + "\" names \"" + word + "\"";
            var contains = ScenarioRun.Get(error, "messageContains") as List<object>;
            if (contains == null && error.TryGetValue("messageContains", out v) && v is string) contains = new List<object> { v };
            if (contains != null)
            {
                string bare = BareMessage(e);
                foreach (object text in contains)
                    if (bare.IndexOf((string)text, StringComparison.Ordinal) < 0) return "the message lacks \"" + text + "\": " + bare;
            }
            return null;
        }

        /// <summary>
        /// A property of the exception as a JSON value: a <see cref="TimeSpan"/> in seconds, the
        /// JSON text of <c>Details</c> parsed; null when the exception has no such property.
        /// </summary>
        private static object Property(Exception e, string name)
        {
            PropertyInfo p = e.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (p == null) return null;
            object value = p.GetValue(e, null);
            if (value is TimeSpan) return ((TimeSpan)value).TotalSeconds;
            if (name == "Details" && value is string) return JsonReader.Parse((string)value);
            return value;
        }

        /// <summary>The message without the hint: the error JSON's <c>message</c>, else <see cref="Exception.Message"/>.</summary>
        private static string BareMessage(Exception e)
        {
            string json = Property(e, "ErrorJson") as string;
            if (!string.IsNullOrEmpty(json))
            {
                try
                {
                    string message = ScenarioRun.Get(JsonReader.Parse(json) as Dictionary<string, object>, "message") as string;
                    if (message != null) return message;
                }
                catch (FormatException)
                {
                }
            }
            return e.Message;
        }

        /// <summary>The error's kind as the core names it.</summary>
        private static string Kind(Exception e)
        {
            if (e is OperationCanceledException) return "cancelled";
            var r = e as RenderiqException;
            if (r == null) return "not a Renderiq error (" + e.GetType().Name + ")";
            if (!string.IsNullOrEmpty(r.ErrorJson))
            {
                try
                {
                    var o = JsonReader.Parse(r.ErrorJson) as Dictionary<string, object>;
                    string kind = ScenarioRun.Get(o, "kind") as string;
                    if (kind != null) return kind;
                }
                catch (FormatException)
                {
                }
            }
            var sb = new StringBuilder();
            foreach (char c in r.Kind.ToString())
            {
                if (char.IsUpper(c) && sb.Length > 0) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            return sb.ToString();
        }

        private static bool IsNumber(object v)
        {
            return v is long || v is int || v is double || v is float || v is decimal || v is short || v is byte || v is uint || v is ulong;
        }

        private static bool Equal(object expected, object actual)
        {
            if (expected == null || actual == null) return expected == null && actual == null;
            if (IsNumber(expected) && IsNumber(actual))
                return Math.Abs(Convert.ToDouble(expected, CultureInfo.InvariantCulture) - Convert.ToDouble(actual, CultureInfo.InvariantCulture)) < 1e-9;
            return expected.Equals(actual);
        }

        /// <summary>
        /// Null when <paramref name="actual"/> contains <paramref name="expected"/> (README: objects
        /// by key, a null expected value standing for an absent key too; arrays element-wise;
        /// scalars equal, numbers by value; the matchers <c>$any</c>, <c>$range</c>, <c>$contains</c>).
        /// </summary>
        internal static string Subset(object expected, object actual, string at)
        {
            var eo = expected as Dictionary<string, object>;
            if (eo != null && eo.Count == 1)
            {
                var m = eo.First();
                switch (m.Key)
                {
                    case "$any":
                        return actual == null ? at + " is null, expected a value" : null;
                    case "$range":
                        var bounds = m.Value as List<object>;
                        if (bounds == null || bounds.Count != 2 || !IsNumber(bounds[0]) || !IsNumber(bounds[1])) return at + ": $range needs [low, high]";
                        if (!IsNumber(actual)) return at + " is " + Show(actual) + ", expected a number in " + Show(bounds);
                        double x = Convert.ToDouble(actual, CultureInfo.InvariantCulture);
                        return Convert.ToDouble(bounds[0], CultureInfo.InvariantCulture) <= x && x <= Convert.ToDouble(bounds[1], CultureInfo.InvariantCulture)
                            ? null : at + " is " + Show(actual) + ", expected a number in " + Show(bounds);
                    case "$contains":
                        var needle = m.Value as string;
                        if (needle == null) return at + ": $contains needs a string";
                        var text = actual as string;
                        return text != null && text.Contains(needle) ? null : at + " is " + Show(actual) + ", expected a string containing " + Show(needle);
                }
            }
            if (eo != null)
            {
                var ao = actual as Dictionary<string, object>;
                if (ao == null) return at + ": expected an object, got " + Show(actual);
                foreach (var kv in eo)
                {
                    object av;
                    if (!ao.TryGetValue(kv.Key, out av))
                    {
                        if (kv.Value == null) continue;
                        return at + "." + kv.Key + " is missing (expected " + Show(kv.Value) + ")";
                    }
                    string why = Subset(kv.Value, av, at + "." + kv.Key);
                    if (why != null) return why;
                }
                return null;
            }
            var ea = expected as List<object>;
            if (ea != null)
            {
                var aa = actual as List<object>;
                if (aa == null) return at + ": expected an array, got " + Show(actual);
                if (aa.Count != ea.Count) return at + ": " + aa.Count + " elements, expected " + ea.Count;
                for (int i = 0; i < ea.Count; i++)
                {
                    string why = Subset(ea[i], aa[i], at + "[" + i + "]");
                    if (why != null) return why;
                }
                return null;
            }
            return Equal(expected, actual) ? null : at + " is " + Show(actual) + ", expected " + Show(expected);
        }

        private static string Show(object v)
        {
            return v == null ? "null" : JsonWriter.Serialize(v);
        }
    }
}
