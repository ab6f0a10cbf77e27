using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;
using NUnit.Framework;

namespace Renderiq.Sdk.Tests
{
    /// <summary>
    /// A reference server (<c>renderiq-server serve --bind 127.0.0.1:0</c>) with its own data
    /// folder and users, stopped on <see cref="Dispose"/>.
    /// </summary>
    public sealed class TestServer : IDisposable
    {
        public const string Password = "correct-horse-battery";

        /// <summary>The suite signs in from 127.0.0.1, as a few users, far more often than the
        /// shipped limits allow (60 sign-ins a minute per address, 10 per email).</summary>
        private const string SuiteAuthLimits = "--auth-rate-limit 10000 --sign-in-rate-limit 10000";

        private readonly Process _process;
        private readonly string _dataDir;

        public string BaseUrl { get; private set; }

        private TestServer(Process process, string dataDir, string baseUrl)
        {
            _process = process;
            _dataDir = dataDir;
            BaseUrl = baseUrl;
        }

        /// <summary>Where the repository is: RENDERIQ_REPO_ROOT, or found above the test assembly.</summary>
        public static string RepoRoot
        {
            get
            {
                string env = Environment.GetEnvironmentVariable("RENDERIQ_REPO_ROOT");
                if (!string.IsNullOrEmpty(env)) return env;
                string dir = Path.GetDirectoryName(typeof(TestServer).Assembly.Location);
                while (dir != null && !(File.Exists(Path.Combine(dir, "Cargo.toml")) && Directory.Exists(Path.Combine(dir, "bindings"))))
                    dir = Path.GetDirectoryName(dir);
                if (dir == null) throw new InvalidOperationException("cannot find the repository root: set RENDERIQ_REPO_ROOT");
                return dir;
            }
        }

        public static string ServerBinary
        {
            get
            {
                string env = Environment.GetEnvironmentVariable("RENDERIQ_SERVER_BIN");
                if (!string.IsNullOrEmpty(env)) return env;
                string target = Environment.GetEnvironmentVariable("CARGO_TARGET_DIR");
                if (string.IsNullOrEmpty(target)) target = Path.Combine(RepoRoot, "target");
                return Path.Combine(Path.Combine(target, "debug"), "renderiq-server");
            }
        }

        /// <summary>Starts a server; <paramref name="users"/> maps emails to their credits.</summary>
        public static TestServer Start(IDictionary<string, long> users, params string[] serveArgs)
        {
            string dataDir = Path.Combine(Path.GetTempPath(), "renderiq-dotnet-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dataDir);
            foreach (var user in users)
                RunToEnd(string.Format("user add --email {0} --password {1} --credits {2} --data-dir \"{3}\"", user.Key, Password, user.Value, dataDir));

            var psi = new ProcessStartInfo(ServerBinary,
                "serve --bind 127.0.0.1:0 --test-hooks --allow-private-webhooks --data-dir \"" + dataDir + "\" " + SuiteAuthLimits + " " + string.Join(" ", serveArgs))
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            psi.EnvironmentVariables["RUST_LOG"] = "warn";
            var process = new Process { StartInfo = psi };
            string url = null;
            var ready = new ManualResetEventSlim(false);
            var output = new System.Text.StringBuilder();
            DataReceivedEventHandler onLine = (s, e) =>
            {
                if (e.Data == null) return;
                lock (output) output.AppendLine(e.Data);
                Match m = Regex.Match(e.Data, @"listening on (http://127\.0\.0\.1:\d+)");
                if (m.Success && url == null)
                {
                    url = m.Groups[1].Value;
                    ready.Set();
                }
            };
            process.OutputDataReceived += onLine;
            process.ErrorDataReceived += onLine;
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!ready.Wait(TimeSpan.FromSeconds(60)))
            {
                try { process.Kill(); } catch (InvalidOperationException) { }
                string log;
                lock (output) log = output.ToString();
                throw new InvalidOperationException("renderiq-server did not start: " + log);
            }
            return new TestServer(process, dataDir, url);
        }

        private static void RunToEnd(string args)
        {
            var psi = new ProcessStartInfo(ServerBinary, args)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.EnvironmentVariables["RUST_LOG"] = "warn";
            using (Process p = Process.Start(psi))
            {
                string stdout = p.StandardOutput.ReadToEnd();
                string stderr = p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0)
                    throw new InvalidOperationException("renderiq-server " + args + " failed: " + stdout + stderr);
            }
        }

        /// <summary>A client of this server with an in-memory token store.</summary>
        public RenderiqClient NewClient(int? maxRetries = null)
        {
            return new RenderiqClient(new ClientOptions
            {
                BaseUrl = BaseUrl,
                Platform = Platform.Revit,
                PluginName = "renderiq-dotnet-tests",
                PluginVersion = "1.0.0",
                TokenStore = TokenStore.Memory,
                Timeout = TimeSpan.FromSeconds(30),
                MaxRetries = maxRetries,
            });
        }

        /// <summary>A signed-in client of this server.</summary>
        public RenderiqClient SignedIn(string email, int? maxRetries = null)
        {
            RenderiqClient client = NewClient(maxRetries);
            client.SignIn(email, Password);
            return client;
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit(10000);
                }
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
            try { Directory.Delete(_dataDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The servers of the suite, started on first use and stopped after the last test.</summary>
    [SetUpFixture]
    public class Servers
    {
        public const string Main = "alice@example.com";
        public const string Poor = "poor@example.com";
        public const string Limited = "busy@example.com";
        public const string Withdrawer = "withdraw@example.com";

        private static readonly object Gate = new object();
        private static TestServer _main, _slow, _rateLimited, _oneWorker;

        /// <summary>The default server: renders take ~300 ms. Users: alice (1000 credits), poor (0 credits).</summary>
        public static TestServer Default
        {
            get
            {
                lock (Gate)
                    return _main ?? (_main = TestServer.Start(new Dictionary<string, long> { { Main, 1000 }, { Poor, 0 } }));
            }
        }

        /// <summary>A slow server: renders take 15 s, for cancellation midway.</summary>
        public static TestServer Slow
        {
            get
            {
                lock (Gate)
                    return _slow ?? (_slow = TestServer.Start(new Dictionary<string, long> { { Main, 1000 } }, "--render-delay-ms", "15000"));
            }
        }

        /// <summary>One render creation per minute per user and platform.</summary>
        public static TestServer RateLimited
        {
            get
            {
                lock (Gate)
                    return _rateLimited ?? (_rateLimited = TestServer.Start(new Dictionary<string, long> { { Limited, 1000 } }, "--create-rate-limit", "1"));
            }
        }

        /// <summary>
        /// One worker and 20 s renders: once a render keeps the worker busy, the next one stays
        /// pending for at least 20 s. User: withdraw (1000 credits), used by no other server's tests.
        /// </summary>
        public static TestServer OneWorker
        {
            get
            {
                lock (Gate)
                    return _oneWorker ?? (_oneWorker = TestServer.Start(new Dictionary<string, long> { { Withdrawer, 1000 } },
                        "--workers", "1", "--render-delay-ms", "20000"));
            }
        }

        [TearDown]
        public void StopServers()
        {
            lock (Gate)
            {
                foreach (TestServer s in new[] { _main, _slow, _rateLimited, _oneWorker })
                    if (s != null) s.Dispose();
                _main = _slow = _rateLimited = _oneWorker = null;
            }
        }
    }

    /// <summary>Test images.</summary>
    public static class TestImages
    {
        /// <summary>
        /// A BGRA gradient of <paramref name="width"/> x <paramref name="height"/> with rows padded
        /// to <paramref name="stride"/> bytes; the padding is filled with 0xEE so that a reader
        /// that ignores the stride produces visible garbage.
        /// </summary>
        public static byte[] Bgra(int width, int height, int stride)
        {
            var pixels = new byte[stride * height];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = 0xEE;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int o = y * stride + x * 4;
                    pixels[o + 0] = (byte)(255 * x / width);       // B
                    pixels[o + 1] = (byte)(255 * y / height);      // G
                    pixels[o + 2] = (byte)((x + y) % 256);         // R
                    pixels[o + 3] = 255;                           // A
                }
            return pixels;
        }

        public static bool IsPng(byte[] b)
        {
            return b.Length > 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G';
        }

        public static bool IsJpeg(byte[] b)
        {
            return b.Length > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
        }
    }
}
