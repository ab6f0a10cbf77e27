using System;
using System.Globalization;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk
{
    /// <summary>
    /// Where the session (access and refresh tokens, or the API key) is kept between runs.
    /// </summary>
    public sealed class TokenStore
    {
        private readonly object _json;
        private readonly string _description;

        private TokenStore(object json, string description)
        {
            _json = json;
            _description = description;
        }

        /// <summary>
        /// The OS keychain: Windows Credential Manager, macOS Keychain, Secret Service on Linux.
        /// The default.
        /// </summary>
        public static TokenStore Keychain { get; } = new TokenStore("keychain", "Keychain");

        /// <summary>In memory only: the user signs in again after a restart.</summary>
        public static TokenStore Memory { get; } = new TokenStore("memory", "Memory");

        /// <summary>
        /// An encrypted file (authenticated encryption, key derived from <paramref name="passphrase"/>),
        /// for machines without a keychain.
        /// </summary>
        public static TokenStore EncryptedFile(string path, string passphrase)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("the token file path is empty", nameof(path));
            if (string.IsNullOrEmpty(passphrase)) throw new ArgumentException("the passphrase is empty", nameof(passphrase));
            return new TokenStore(new JsonWriter().Add("file", path).Add("passphrase", passphrase), "EncryptedFile(" + path + ")");
        }

        internal object ToJsonValue() { return _json; }

        /// <inheritdoc/>
        public override string ToString() { return _description; }
    }

    /// <summary>
    /// How a <see cref="RenderiqClient"/> reaches the service. Every property is optional.
    /// </summary>
    public sealed class ClientOptions
    {
        /// <summary>Server URL, e.g. <c>http://127.0.0.1:8787</c> for a local reference server. Default is <c>https://renderiq.io</c>.</summary>
        public string BaseUrl { get; set; }

        /// <summary>The host application, sent with every request. Default is <see cref="Sdk.Platform.Other"/>.</summary>
        public Platform? Platform { get; set; }

        /// <summary>Your add-in's name, sent with every request.</summary>
        public string PluginName { get; set; }

        /// <summary>Your add-in's version, sent with every request.</summary>
        public string PluginVersion { get; set; }

        /// <summary>Timeout of one HTTP request. Default is 60 seconds; zero or less is a <see cref="ConfigException"/>.</summary>
        public TimeSpan? Timeout { get; set; }

        /// <summary>Timeout of establishing a connection. Default is 10 seconds; zero or less is a <see cref="ConfigException"/>.</summary>
        public TimeSpan? ConnectTimeout { get; set; }

        /// <summary>
        /// Retries of transient failures (connection errors, 429, 5xx on idempotent requests).
        /// Default is 2; a count outside the core's range (0 to 10) makes the client's constructor throw <see cref="ConfigException"/>.
        /// </summary>
        public int? MaxRetries { get; set; }

        /// <summary>An API key (<c>rq_…</c>) to use instead of signing in. Never printed.</summary>
        public string ApiKey { get; set; }

        /// <summary>Where the session is kept. Default is <see cref="Sdk.TokenStore.Keychain"/>.</summary>
        public TokenStore TokenStore { get; set; }

        /// <summary>An extra root certificate (PEM text) for servers behind a corporate TLS proxy.</summary>
        public string RootCertificatePem { get; set; }

        /// <summary>Proxy URL, e.g. <c>http://proxy:3128</c>. Default is the system's proxy environment variables.</summary>
        public string Proxy { get; set; }

        /// <summary>True to ignore proxy environment variables.</summary>
        public bool? NoProxy { get; set; }

        internal string ToJson()
        {
            return new JsonWriter()
                .Add("baseUrl", BaseUrl)
                .Add("platform", Platform.HasValue ? Platform.Value.ToWire() : null)
                .Add("pluginName", PluginName)
                .Add("pluginVersion", PluginVersion)
                .Add("timeoutMs", Milliseconds(Timeout))
                .Add("connectTimeoutMs", Milliseconds(ConnectTimeout))
                .Add("maxRetries", MaxRetries)
                .Add("apiKey", ApiKey)
                .Add("tokenStore", TokenStore != null ? TokenStore.ToJsonValue() : null)
                .Add("rootCertificatePem", RootCertificatePem)
                .Add("proxy", Proxy)
                .Add("noProxy", NoProxy)
                .Add("sdkLanguage", "csharp")
                .Add("sdkLanguageVersion", RuntimeDescription())
                .ToString();
        }

        /// <summary>A duration as the core's whole milliseconds, rounded up; null stays null. The core checks the range.</summary>
        internal static object Milliseconds(TimeSpan? t)
            => t.HasValue ? (object)(long)Math.Ceiling(t.Value.TotalMilliseconds) : null;

        internal static string RuntimeDescription()
        {
            Type mono = Type.GetType("Mono.Runtime");
            if (mono != null)
            {
                var display = mono.GetMethod("GetDisplayName", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
                string name = display != null ? display.Invoke(null, null) as string : null;
                return "Mono " + (name ?? Environment.Version.ToString());
            }
            return System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
        }

        /// <inheritdoc/>
        public override string ToString()
        {
            return string.Format(CultureInfo.InvariantCulture,
                "ClientOptions {{ BaseUrl = {0}, Platform = {1}, Plugin = {2} {3}, ApiKey = {4}, TokenStore = {5} }}",
                BaseUrl ?? "(default)", Platform, PluginName, PluginVersion, ApiKey == null ? "null" : "<redacted>", TokenStore);
        }
    }
}
