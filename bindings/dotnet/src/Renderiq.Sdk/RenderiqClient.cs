using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Renderiq.Sdk.Json;
using Renderiq.Sdk.Native;
using RenderiqClient_ = Renderiq.Sdk.Native.RenderiqClient;

namespace Renderiq.Sdk
{
    /// <summary>
    /// A client of the Renderiq plugin API: sign in, render viewport captures, follow them to
    /// completion, download the results; credits, projects, settings, API keys, webhooks.
    /// </summary>
    /// <remarks>
    /// <para>Thread-safe: create one per add-in and share it. Dispose it when the add-in shuts
    /// down; disposing twice is harmless, and any call after <see cref="Dispose"/> throws
    /// <see cref="ObjectDisposedException"/>.</para>
    /// <para>Every call has a synchronous form, which blocks on network I/O, and an
    /// <c>…Async</c> form. On a host's UI thread (Revit, AutoCAD) use the <c>…Async</c> forms:
    /// each is one call of the core's call surface (<see cref="CallAsync"/>) running in a native
    /// background operation that completes its task from a completion callback, so no thread
    /// waits for it, and cancelling the token cancels the request.</para>
    /// <para>Errors surface as <see cref="RenderiqException"/> subclasses; cancellation as
    /// <see cref="OperationCanceledException"/> (a <see cref="TaskCanceledException"/> from the
    /// <c>…Async</c> methods) carrying your token.</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// using (var client = new RenderiqClient(new ClientOptions { Platform = Platform.Revit, PluginName = "my-addin", PluginVersion = "1.0" }))
    /// {
    ///     await client.SignInAsync(email, password);
    ///     var image = RenderImage.FromPixels(pixels, width, height, stride, PixelFormat.Bgra32);
    ///     Render render = await client.RenderAsync(image, new RenderOptions { Prompt = "warm evening light" },
    ///         new Progress&lt;RenderProgress&gt;(p =&gt; statusBar.Text = p.Stage + " " + p.Percent + "%"), cancellationToken);
    ///     byte[] png = await client.DownloadRenderAsync(render);
    /// }
    /// </code>
    /// </example>
    public sealed unsafe class RenderiqClient : IDisposable
    {
        private readonly ClientHandle _handle;
        private int _disposed;

        /// <summary>Creates a client.</summary>
        /// <exception cref="ConfigurationException">A malformed option (base URL, certificate, proxy, token store).</exception>
        /// <exception cref="DllNotFoundException">The native library is not beside Renderiq.Sdk.dll (see the README's troubleshooting).</exception>
        /// <exception cref="NativeLibraryMismatchException">The native library is from another release.</exception>
        public RenderiqClient(ClientOptions options = null)
            : this((options ?? new ClientOptions()).ToJson(), true)
        {
        }

        /// <summary>A client from the C ABI's configuration JSON as it is (the conformance runner's options).</summary>
        internal RenderiqClient(string configJson, bool raw)
        {
            NativeLibraryLoader.EnsureLoaded();
            byte[] config = Interop.Utf8Z(configJson, nameof(configJson));
            RenderiqClient_* ptr = null;
            RenderiqError* error = null;
            int status;
            fixed (byte* c = config)
            {
                status = NativeMethods.renderiq_client_new(c, &ptr, &error);
            }
            Interop.Check(status, error);
            _handle = new ClientHandle(ptr);
        }

        /// <summary>The native library's SDK version, e.g. <c>0.1.0</c>.</summary>
        public static string NativeVersion
        {
            get
            {
                NativeLibraryLoader.EnsureLoaded();
                return Interop.ReadBorrowed(NativeMethods.renderiq_version());
            }
        }

        /// <summary>The native library's ABI version (equal to the one this assembly expects, or loading fails).</summary>
        public static uint AbiVersion
        {
            get
            {
                NativeLibraryLoader.EnsureLoaded();
                return NativeMethods.renderiq_abi_version();
            }
        }

        /// <summary>Frees the native client. Calls running on other threads finish first. Safe to call twice.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            _handle.Dispose();
        }

        private void ThrowIfDisposed()
        {
            if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(RenderiqClient));
        }

        // ---- the thin layer over NativeMethods ------------------------------------------------

        private delegate int JsonCall(RenderiqClient_* client, byte** outJson, RenderiqError** outError);
        private delegate int UnitCall(RenderiqClient_* client, RenderiqError** outError);
        private delegate int StartCall(RenderiqClient_* client, RenderiqOp** outOp, RenderiqError** outError);

        private string CallJson(JsonCall call)
        {
            ThrowIfDisposed();
            using (_handle.Acquire())
            {
                byte* json = null;
                RenderiqError* error = null;
                int status = call(_handle.Ptr, &json, &error);
                string text = Interop.TakeString(json);
                Interop.Check(status, error);
                return text;
            }
        }

        private void CallUnit(UnitCall call)
        {
            ThrowIfDisposed();
            using (_handle.Acquire())
            {
                RenderiqError* error = null;
                int status = call(_handle.Ptr, &error);
                Interop.Check(status, error);
            }
        }

        private OperationHandle StartOperation(StartCall call)
        {
            ThrowIfDisposed();
            using (_handle.Acquire())
            {
                RenderiqOp* op = null;
                RenderiqError* error = null;
                int status = call(_handle.Ptr, &op, &error);
                Interop.Check(status, error);
                return new OperationHandle(op);
            }
        }

        private static JsonObject Obj(string json)
        {
            return JsonReader.ParseObject(json);
        }

        private static List<object> Arr(string json)
        {
            var list = JsonReader.Parse(json) as List<object>;
            if (list == null) throw new FormatException("expected a JSON array");
            return list;
        }

        /// <summary>The JSON of a call of the core's call surface: <c>{"call": name, …}</c>.</summary>
        private static JsonWriter CallOf(string name)
        {
            return new JsonWriter().Add("call", name);
        }

        /// <summary>A typed <c>…Async</c> method: one call through <see cref="CallAsync"/>, its result parsed.</summary>
        private Task<T> CallAsync<T>(JsonWriter call, Func<string, T> parse, CancellationToken ct)
        {
            return TaskHelpers.Then(CallAsync(call.ToString(), null, ct), parse);
        }

        private static Task<T> Run<T>(Func<T> f, CancellationToken ct)
        {
            // For DownloadRenderAsync only (no call answers bytes): a pool thread waits for the
            // native call; the token is observed before the request starts (a request is bounded
            // by ClientOptions.Timeout).
            if (ct.IsCancellationRequested) return Task.FromCanceled<T>(ct);
            return Task.Run(f, ct);
        }

        private static void NotNullOrEmpty(string value, string name)
        {
            if (value == null) throw new ArgumentNullException(name);
            if (value.Length == 0) throw new ArgumentException("must not be empty", name);
        }

        // ---- the generic call entry --------------------------------------------------------------

        /// <summary>
        /// Makes any call of the SDK, given as JSON, and answers its result JSON (the API object
        /// in camelCase, or <c>null</c> for calls without one). Every typed method of this class is
        /// one of these calls; the list of calls, with their fields and defaults, is the core's
        /// <c>renderiq_sdk::call::Call</c>. Runs in a native background operation: no thread waits.
        /// </summary>
        /// <param name="callJson">The call, e.g. <c>{"call":"credits"}</c> or <c>{"call":"create_render","image":{"kind":"bytes"}}</c>.</param>
        /// <param name="data">
        /// Image bytes travelling beside the call instead of base64 inside it (the encoded file of
        /// <c>{"kind":"bytes"}</c>, the pixels of <c>{"kind":"raw",…}</c>); copied before this
        /// method returns. Null when unused.
        /// </param>
        /// <param name="cancellationToken">
        /// Cancels the call; a call that creates a render also withdraws it while it is pending
        /// (credits refunded). The task then becomes canceled.
        /// </param>
        /// <exception cref="ValidationException">The call is not valid (from the method: the message names the unknown call or field).</exception>
        /// <example>
        /// <code>
        /// string credits = await client.CallAsync("{\"call\":\"credits\"}");
        /// string render = await client.CallAsync("{\"call\":\"render\",\"image\":{\"kind\":\"bytes\"}}", pngBytes, token);
        /// </code>
        /// </example>
        public Task<string> CallAsync(string callJson, byte[] data = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(callJson, nameof(callJson));
            if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<string>(cancellationToken);
            return NativeOperation.Run(StartCallOperation(callJson, data), null, cancellationToken);
        }

        /// <summary>
        /// Makes any call, blocking the calling thread (on a UI thread use <see cref="CallAsync"/>).
        /// Arguments and result as for <see cref="CallAsync"/>.
        /// </summary>
        public string Call(string callJson, byte[] data = null)
        {
            NotNullOrEmpty(callJson, nameof(callJson));
            byte[] c = Interop.Utf8Z(callJson, nameof(callJson));
            return CallJson((client, o, err) =>
            {
                fixed (byte* cp = c)
                fixed (byte* dp = data)
                    return NativeMethods.renderiq_call(client, cp, dp, new UIntPtr(data == null ? 0u : (uint)data.Length), o, err);
            });
        }

        /// <summary>
        /// Starts any call in the background and returns at once: poll its progress from a UI
        /// timer, cancel it, await its result. Arguments as for <see cref="CallAsync"/>.
        /// </summary>
        /// <example>
        /// <code>
        /// RenderiqOperation op = client.Start("{\"call\":\"render\",\"image\":{\"kind\":\"file\",\"path\":\"view.png\"}}");
        /// cancelButton.Click += (s, e) =&gt; op.Cancel();
        /// string renderJson = await op.Completion;
        /// </code>
        /// </example>
        public RenderiqOperation Start(string callJson, byte[] data = null)
        {
            NotNullOrEmpty(callJson, nameof(callJson));
            return new RenderiqOperation(StartCallOperation(callJson, data));
        }

        private OperationHandle StartCallOperation(string callJson, byte[] data)
        {
            byte[] c = Interop.Utf8Z(callJson, nameof(callJson));
            // `data` is pinned for the start call only: the native library copies it.
            return StartOperation((client, o, err) =>
            {
                fixed (byte* cp = c)
                fixed (byte* dp = data)
                    return NativeMethods.renderiq_call_start(client, cp, dp, new UIntPtr(data == null ? 0u : (uint)data.Length), o, err);
            });
        }

        // ---- auth -----------------------------------------------------------------------------

        /// <summary>Signs in with email and password and keeps the session in the token store.</summary>
        /// <exception cref="AuthenticationException">Wrong email or password (<c>INVALID_CREDENTIALS</c>).</exception>
        public User SignIn(string email, string password)
        {
            NotNullOrEmpty(email, nameof(email));
            NotNullOrEmpty(password, nameof(password));
            byte[] e = Interop.Utf8Z(email, nameof(email));
            byte[] p = Interop.Utf8Z(password, nameof(password));
            string json = CallJson((c, o, err) =>
            {
                fixed (byte* ep = e)
                fixed (byte* pp = p)
                    return NativeMethods.renderiq_client_sign_in(c, ep, pp, o, err);
            });
            Array.Clear(p, 0, p.Length);
            return User.FromJson(Obj(json));
        }

        /// <inheritdoc cref="SignIn"/>
        public Task<User> SignInAsync(string email, string password, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(email, nameof(email));
            NotNullOrEmpty(password, nameof(password));
            return CallAsync(CallOf("sign_in").Add("email", email).Add("password", password), j => User.FromJson(Obj(j)), cancellationToken);
        }

        /// <summary>Uses an API key (<c>rq_…</c>) for every further request and keeps it in the token store.</summary>
        public void UseApiKey(string apiKey)
        {
            NotNullOrEmpty(apiKey, nameof(apiKey));
            byte[] k = Interop.Utf8Z(apiKey, nameof(apiKey));
            CallUnit((c, err) => { fixed (byte* kp = k) return NativeMethods.renderiq_client_use_api_key(c, kp, err); });
            Array.Clear(k, 0, k.Length);
        }

        /// <inheritdoc cref="UseApiKey"/>
        public Task UseApiKeyAsync(string apiKey, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(apiKey, nameof(apiKey));
            return CallAsync(CallOf("use_api_key").Add("key", apiKey).ToString(), null, cancellationToken);
        }

        /// <summary>Signs out: revokes the session on the server (best effort) and clears the token store.</summary>
        public void SignOut()
        {
            CallUnit((c, err) => NativeMethods.renderiq_client_sign_out(c, err));
        }

        /// <inheritdoc cref="SignOut"/>
        public Task SignOutAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync(CallOf("sign_out").ToString(), null, cancellationToken);
        }

        /// <summary>Whether a session or an API key is available (reads the token store; no request).</summary>
        public bool IsSignedIn()
        {
            ThrowIfDisposed();
            using (_handle.Acquire())
            {
                byte signedIn = 0;
                RenderiqError* error = null;
                int status = NativeMethods.renderiq_client_is_signed_in(_handle.Ptr, &signedIn, &error);
                Interop.Check(status, error);
                return signedIn != 0;
            }
        }

        /// <inheritdoc cref="IsSignedIn"/>
        public Task<bool> IsSignedInAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync(CallOf("is_signed_in"), j => JsonReader.Parse(j) as bool? == true, cancellationToken);
        }

        /// <summary>The signed-in user.</summary>
        /// <exception cref="AuthenticationException">Not signed in.</exception>
        public User Me()
        {
            return User.FromJson(Obj(CallJson((c, o, err) => NativeMethods.renderiq_client_me(c, o, err))));
        }

        /// <inheritdoc cref="Me"/>
        public Task<User> MeAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync(CallOf("me"), j => User.FromJson(Obj(j)), cancellationToken);
        }

        /// <summary>Server health; needs no sign-in.</summary>
        public Health Health()
        {
            return Sdk.Health.FromJson(Obj(CallJson((c, o, err) => NativeMethods.renderiq_client_health(c, o, err))));
        }

        /// <inheritdoc cref="Health"/>
        public Task<Health> HealthAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync(CallOf("health"), j => Sdk.Health.FromJson(Obj(j)), cancellationToken);
        }

        // ---- credits, projects, settings ----------------------------------------------------------

        /// <summary>The credit balance.</summary>
        public Credits GetCredits()
        {
            return Credits.FromJson(Obj(CallJson((c, o, err) => NativeMethods.renderiq_client_credits(c, o, err))));
        }

        /// <inheritdoc cref="GetCredits"/>
        public Task<Credits> GetCreditsAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync(CallOf("credits"), j => Credits.FromJson(Obj(j)), cancellationToken);
        }

        /// <summary>One page of the credit ledger, newest first.</summary>
        /// <param name="page">Page number, from 1.</param>
        /// <param name="limit">Page size.</param>
        public Page<CreditTransaction> GetCreditTransactions(int page = 1, int limit = 20)
        {
            if (page < 1) throw new ArgumentOutOfRangeException(nameof(page), page, "pages start at 1");
            if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "must be positive");
            string json = CallJson((c, o, err) => NativeMethods.renderiq_client_credit_transactions(c, (uint)page, (uint)limit, o, err));
            return Page<CreditTransaction>.FromJson(Obj(json), CreditTransaction.FromJson);
        }

        /// <inheritdoc cref="GetCreditTransactions"/>
        public Task<Page<CreditTransaction>> GetCreditTransactionsAsync(int page = 1, int limit = 20, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync(CallOf("credit_transactions").Add("page", page).Add("limit", limit),
                j => Page<CreditTransaction>.FromJson(Obj(j), CreditTransaction.FromJson), cancellationToken);
        }

        /// <summary>The user's projects.</summary>
        public IReadOnlyList<Project> ListProjects()
        {
            string json = CallJson((c, o, err) => NativeMethods.renderiq_client_projects_list(c, o, err));
            return JsonObject.MapArray(Arr(json), "projects", Project.FromJson);
        }

        /// <inheritdoc cref="ListProjects"/>
        public Task<IReadOnlyList<Project>> ListProjectsAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<IReadOnlyList<Project>>(CallOf("projects"), j => JsonObject.MapArray(Arr(j), "projects", Project.FromJson), cancellationToken);
        }

        /// <summary>Creates a project.</summary>
        public Project CreateProject(string name, string description = null)
        {
            NotNullOrEmpty(name, nameof(name));
            byte[] n = Interop.Utf8Z(name, nameof(name));
            byte[] d = Interop.Utf8Z(description, nameof(description));
            string json = CallJson((c, o, err) =>
            {
                fixed (byte* np = n)
                fixed (byte* dp = d)
                    return NativeMethods.renderiq_client_project_create(c, np, dp, o, err);
            });
            return Project.FromJson(Obj(json));
        }

        /// <inheritdoc cref="CreateProject"/>
        public Task<Project> CreateProjectAsync(string name, string description = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(name, nameof(name));
            return CallAsync(CallOf("create_project").Add("name", name).Add("description", description), j => Project.FromJson(Obj(j)), cancellationToken);
        }

        /// <summary>The user's settings.</summary>
        public Settings GetSettings()
        {
            return Settings.FromJson(Obj(CallJson((c, o, err) => NativeMethods.renderiq_client_settings_get(c, o, err))));
        }

        /// <inheritdoc cref="GetSettings"/>
        public Task<Settings> GetSettingsAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync(CallOf("settings"), j => Settings.FromJson(Obj(j)), cancellationToken);
        }

        /// <summary>Changes the settings that are set in <paramref name="update"/>; returns all settings.</summary>
        public Settings UpdateSettings(SettingsUpdate update)
        {
            if (update == null) throw new ArgumentNullException(nameof(update));
            byte[] u = Interop.Utf8Z(update.ToJson());
            string json = CallJson((c, o, err) => { fixed (byte* up = u) return NativeMethods.renderiq_client_settings_update(c, up, o, err); });
            return Settings.FromJson(Obj(json));
        }

        /// <inheritdoc cref="UpdateSettings"/>
        public Task<Settings> UpdateSettingsAsync(SettingsUpdate update, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (update == null) throw new ArgumentNullException(nameof(update));
            return CallAsync(CallOf("update_settings").Add("settings", JsonReader.Parse(update.ToJson())), j => Settings.FromJson(Obj(j)), cancellationToken);
        }

        // ---- API keys ----------------------------------------------------------------------------

        /// <summary>Creates an API key; its secret is in the result this once.</summary>
        /// <param name="name">A name to recognise it by.</param>
        /// <param name="scopes">Scopes, e.g. <c>renders:create</c>, <c>renders:read</c>.</param>
        /// <param name="expiresAt">Expiry; null for none.</param>
        public CreatedApiKey CreateApiKey(string name, IEnumerable<string> scopes, DateTimeOffset? expiresAt = null)
        {
            NotNullOrEmpty(name, nameof(name));
            if (scopes == null) throw new ArgumentNullException(nameof(scopes));
            byte[] n = Interop.Utf8Z(name, nameof(name));
            byte[] s = Interop.Utf8Z(JsonWriter.Serialize(new List<string>(scopes)));
            byte[] x = Interop.Utf8Z(Rfc3339(expiresAt));
            string json = CallJson((c, o, err) =>
            {
                fixed (byte* np = n)
                fixed (byte* sp = s)
                fixed (byte* xp = x)
                    return NativeMethods.renderiq_client_api_key_create(c, np, sp, xp, o, err);
            });
            return CreatedApiKey.FromJson(Obj(json));
        }

        /// <inheritdoc cref="CreateApiKey"/>
        public Task<CreatedApiKey> CreateApiKeyAsync(string name, IEnumerable<string> scopes, DateTimeOffset? expiresAt = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(name, nameof(name));
            if (scopes == null) throw new ArgumentNullException(nameof(scopes));
            return CallAsync(CallOf("create_api_key").Add("name", name).Add("scopes", new List<string>(scopes)).Add("expiresAt", Rfc3339(expiresAt)),
                j => CreatedApiKey.FromJson(Obj(j)), cancellationToken);
        }

        private static string Rfc3339(DateTimeOffset? t)
        {
            return t.HasValue ? t.Value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null;
        }

        /// <summary>The user's API keys (without secrets).</summary>
        public IReadOnlyList<ApiKey> ListApiKeys()
        {
            string json = CallJson((c, o, err) => NativeMethods.renderiq_client_api_keys_list(c, o, err));
            return JsonObject.MapArray(Arr(json), "apiKeys", ApiKey.FromJson);
        }

        /// <inheritdoc cref="ListApiKeys"/>
        public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<IReadOnlyList<ApiKey>>(CallOf("api_keys"), j => JsonObject.MapArray(Arr(j), "apiKeys", ApiKey.FromJson), cancellationToken);
        }

        /// <summary>Revokes an API key.</summary>
        public void RevokeApiKey(string keyId)
        {
            NotNullOrEmpty(keyId, nameof(keyId));
            byte[] k = Interop.Utf8Z(keyId, nameof(keyId));
            CallUnit((c, err) => { fixed (byte* kp = k) return NativeMethods.renderiq_client_api_key_revoke(c, kp, err); });
        }

        /// <inheritdoc cref="RevokeApiKey"/>
        public Task RevokeApiKeyAsync(string keyId, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(keyId, nameof(keyId));
            return CallAsync(CallOf("revoke_api_key").Add("id", keyId).ToString(), null, cancellationToken);
        }

        // ---- webhooks ----------------------------------------------------------------------------

        /// <summary>Registers a webhook; its signing secret is in the result this once.</summary>
        /// <param name="url">Delivery URL.</param>
        /// <param name="events">Event types, e.g. <c>render.completed</c>, <c>render.failed</c>.</param>
        public CreatedWebhook RegisterWebhook(string url, IEnumerable<string> events)
        {
            NotNullOrEmpty(url, nameof(url));
            if (events == null) throw new ArgumentNullException(nameof(events));
            byte[] u = Interop.Utf8Z(url, nameof(url));
            byte[] e = Interop.Utf8Z(JsonWriter.Serialize(new List<string>(events)));
            string json = CallJson((c, o, err) =>
            {
                fixed (byte* up = u)
                fixed (byte* ep = e)
                    return NativeMethods.renderiq_client_webhook_register(c, up, ep, o, err);
            });
            return CreatedWebhook.FromJson(Obj(json));
        }

        /// <inheritdoc cref="RegisterWebhook"/>
        public Task<CreatedWebhook> RegisterWebhookAsync(string url, IEnumerable<string> events, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(url, nameof(url));
            if (events == null) throw new ArgumentNullException(nameof(events));
            return CallAsync(CallOf("register_webhook").Add("url", url).Add("events", new List<string>(events)),
                j => CreatedWebhook.FromJson(Obj(j)), cancellationToken);
        }

        /// <summary>The user's webhooks.</summary>
        public IReadOnlyList<WebhookEndpoint> ListWebhooks()
        {
            string json = CallJson((c, o, err) => NativeMethods.renderiq_client_webhooks_list(c, o, err));
            return JsonObject.MapArray(Arr(json), "webhooks", WebhookEndpoint.FromJson);
        }

        /// <inheritdoc cref="ListWebhooks"/>
        public Task<IReadOnlyList<WebhookEndpoint>> ListWebhooksAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<IReadOnlyList<WebhookEndpoint>>(CallOf("webhooks"), j => JsonObject.MapArray(Arr(j), "webhooks", WebhookEndpoint.FromJson), cancellationToken);
        }

        /// <summary>Deletes a webhook.</summary>
        public void DeleteWebhook(string webhookId)
        {
            NotNullOrEmpty(webhookId, nameof(webhookId));
            byte[] w = Interop.Utf8Z(webhookId, nameof(webhookId));
            CallUnit((c, err) => { fixed (byte* wp = w) return NativeMethods.renderiq_client_webhook_delete(c, wp, err); });
        }

        /// <inheritdoc cref="DeleteWebhook"/>
        public Task DeleteWebhookAsync(string webhookId, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(webhookId, nameof(webhookId));
            return CallAsync(CallOf("delete_webhook").Add("id", webhookId).ToString(), null, cancellationToken);
        }

        // ---- renders -----------------------------------------------------------------------------

        /// <summary>
        /// Prepares the image and creates a render (status <see cref="RenderStatus.Pending"/>).
        /// Blocks while the image is encoded and uploaded: on a UI thread use
        /// <see cref="CreateRenderAsync"/> or <see cref="RenderAsync"/>.
        /// </summary>
        /// <exception cref="InsufficientCreditsException">Not enough credits; nothing was charged.</exception>
        /// <exception cref="RateLimitException">Too many renders; see <see cref="RateLimitException.RetryAfter"/>.</exception>
        /// <exception cref="ValidationException">The server rejected the parameters.</exception>
        /// <exception cref="ImageException">The image could not be read or encoded.</exception>
        public Render CreateRender(RenderImage image, RenderOptions options = null)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            byte[] p = Interop.Utf8Z((options ?? new RenderOptions()).ToJson());
            string json = CallJson((c, o, err) =>
                image.With(img => { fixed (byte* pp = p) return NativeMethods.renderiq_client_render_create(c, img, pp, o, err); }));
            return Sdk.Render.Parse(json);
        }

        /// <summary>
        /// Creates a render in the background: the image is copied before this method returns,
        /// then encoded and uploaded on a worker thread. Progress stages: <c>preparing</c>,
        /// <c>uploading</c>. The task's result is the new render (status pending).
        /// </summary>
        public Task<Render> CreateRenderAsync(RenderImage image, RenderOptions options = null, IProgress<RenderProgress> progress = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            byte[] p = Interop.Utf8Z((options ?? new RenderOptions()).ToJson());
            if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<Render>(cancellationToken);
            OperationHandle op = StartOperation((c, o, err) =>
                image.With(img => { fixed (byte* pp = p) return NativeMethods.renderiq_render_create_start(c, img, pp, o, err); }));
            return ParseRender(NativeOperation.Run(op, progress, cancellationToken));
        }

        /// <summary>Waits until the render is finished (long-poll). Blocks: on a UI thread use <see cref="WaitForRenderAsync"/>.</summary>
        /// <param name="renderId">The render.</param>
        /// <param name="timeout">How long to wait. Default is 10 minutes.</param>
        /// <exception cref="RenderFailedException">The render failed (credits refunded).</exception>
        /// <exception cref="RenderiqTimeoutException">Not finished in time; it keeps running on the server.</exception>
        public Render WaitForRender(string renderId, TimeSpan? timeout = null)
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            byte[] id = Interop.Utf8Z(renderId, nameof(renderId));
            uint ms = RenderOptions.TimeoutMs(timeout);
            string json = CallJson((c, o, err) => { fixed (byte* ip = id) return NativeMethods.renderiq_client_render_wait(c, ip, ms, o, err); });
            return Sdk.Render.Parse(json);
        }

        /// <summary>
        /// Waits in the background until the render is finished. Cancelling the token stops
        /// waiting (the render goes on on the server). Progress carries the render as last seen.
        /// </summary>
        public Task<Render> WaitForRenderAsync(string renderId, TimeSpan? timeout = null, IProgress<RenderProgress> progress = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            byte[] id = Interop.Utf8Z(renderId, nameof(renderId));
            uint ms = RenderOptions.TimeoutMs(timeout);
            if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<Render>(cancellationToken);
            OperationHandle op = StartOperation((c, o, err) =>
            {
                fixed (byte* ip = id) return NativeMethods.renderiq_render_wait_start(c, ip, ms, o, err);
            });
            return ParseRender(NativeOperation.Run(op, progress, cancellationToken));
        }

        /// <summary>
        /// Creates a render and waits for it: the whole "Render" button. Blocks: on a UI thread use
        /// <see cref="RenderAsync"/>.
        /// </summary>
        public Render Render(RenderImage image, RenderOptions options = null)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            options = options ?? new RenderOptions();
            byte[] p = Interop.Utf8Z(options.ToJson());
            uint ms = RenderOptions.TimeoutMs(options.WaitTimeout);
            using (OperationHandle op = StartOperation((c, o, err) =>
                image.With(img => { fixed (byte* pp = p) return NativeMethods.renderiq_render_start(c, img, pp, ms, o, err); })))
            using (op.Acquire())
            {
                byte* json = null;
                RenderiqError* error = null;
                int status = NativeMethods.renderiq_op_wait(op.Ptr, NativeMethods.RENDERIQ_WAIT_FOREVER, &json, &error);
                string text = Interop.TakeString(json);
                Interop.Check(status, error);
                return Sdk.Render.Parse(text);
            }
        }

        /// <summary>
        /// Creates a render and follows it to completion in one background operation: the whole
        /// "Render" button of a plugin. The image is copied before this method returns. Progress
        /// stages: <c>preparing</c>, <c>uploading</c>, then the render's status (<c>pending</c>,
        /// <c>processing</c>, <c>completed</c>). Cancelling the token stops the operation at once
        /// (the task becomes canceled) and, when the render already exists and has not started
        /// processing, cancels it on the server too, which refunds its credits.
        /// </summary>
        /// <exception cref="InsufficientCreditsException">Not enough credits (from the task).</exception>
        /// <exception cref="RenderFailedException">The render failed; credits refunded (from the task).</exception>
        public Task<Render> RenderAsync(RenderImage image, RenderOptions options = null, IProgress<RenderProgress> progress = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            options = options ?? new RenderOptions();
            byte[] p = Interop.Utf8Z(options.ToJson());
            uint ms = RenderOptions.TimeoutMs(options.WaitTimeout);
            if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<Render>(cancellationToken);
            OperationHandle op = StartOperation((c, o, err) =>
                image.With(img => { fixed (byte* pp = p) return NativeMethods.renderiq_render_start(c, img, pp, ms, o, err); }));
            return ParseRender(NativeOperation.Run(op, progress, cancellationToken));
        }

        private static Task<Render> ParseRender(Task<string> json)
        {
            return TaskHelpers.Then(json, Sdk.Render.Parse);
        }

        /// <summary>A render's current state.</summary>
        /// <exception cref="NotFoundException">No such render.</exception>
        public Render GetRender(string renderId)
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            byte[] id = Interop.Utf8Z(renderId, nameof(renderId));
            return Sdk.Render.Parse(CallJson((c, o, err) => { fixed (byte* ip = id) return NativeMethods.renderiq_client_render_get(c, ip, o, err); }));
        }

        /// <inheritdoc cref="GetRender"/>
        public Task<Render> GetRenderAsync(string renderId, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            return CallAsync(CallOf("retrieve_render").Add("id", renderId), Sdk.Render.Parse, cancellationToken);
        }

        /// <summary>One page of the user's renders, newest first.</summary>
        public Page<Render> ListRenders(ListRendersQuery query = null)
        {
            byte[] q = Interop.Utf8Z((query ?? new ListRendersQuery()).ToJson());
            string json = CallJson((c, o, err) => { fixed (byte* qp = q) return NativeMethods.renderiq_client_render_list(c, qp, o, err); });
            return Page<Render>.FromJson(Obj(json), o => Sdk.Render.FromJson(o));
        }

        /// <inheritdoc cref="ListRenders"/>
        public Task<Page<Render>> ListRendersAsync(ListRendersQuery query = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var call = (Dictionary<string, object>)JsonReader.Parse((query ?? new ListRendersQuery()).ToJson());
            call["call"] = "list_renders";
            return TaskHelpers.Then(CallAsync(JsonWriter.Serialize(call), null, cancellationToken),
                j => Page<Render>.FromJson(Obj(j), o => Sdk.Render.FromJson(o)));
        }

        /// <summary>Cancels a render that has not started processing; its credits are refunded.</summary>
        /// <exception cref="ConflictException">It already started.</exception>
        public Render CancelRender(string renderId)
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            byte[] id = Interop.Utf8Z(renderId, nameof(renderId));
            return Sdk.Render.Parse(CallJson((c, o, err) => { fixed (byte* ip = id) return NativeMethods.renderiq_client_render_cancel(c, ip, o, err); }));
        }

        /// <inheritdoc cref="CancelRender"/>
        public Task<Render> CancelRenderAsync(string renderId, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            return CallAsync(CallOf("cancel_render").Add("id", renderId), Sdk.Render.Parse, cancellationToken);
        }

        /// <summary>Downloads a completed render's image.</summary>
        /// <exception cref="ValidationException">The render has no output yet.</exception>
        public byte[] DownloadRender(Render render)
        {
            if (render == null) throw new ArgumentNullException(nameof(render));
            return DownloadRenderCore(render.Json ?? render.Id);
        }

        /// <summary>Downloads a completed render's image by id.</summary>
        public byte[] DownloadRender(string renderId)
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            return DownloadRenderCore(renderId);
        }

        private byte[] DownloadRenderCore(string renderOrJson)
        {
            byte[] r = Interop.Utf8Z(renderOrJson);
            ThrowIfDisposed();
            using (_handle.Acquire())
            {
                byte* data = null;
                UIntPtr len = UIntPtr.Zero;
                RenderiqError* error = null;
                int status;
                fixed (byte* rp = r)
                {
                    status = NativeMethods.renderiq_client_render_download(_handle.Ptr, rp, &data, &len, &error);
                }
                byte[] bytes = Interop.TakeBytes(data, len);
                Interop.Check(status, error);
                return bytes;
            }
        }

        /// <inheritdoc cref="DownloadRender(Render)"/>
        public Task<byte[]> DownloadRenderAsync(Render render, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (render == null) throw new ArgumentNullException(nameof(render));
            return Run(() => DownloadRender(render), cancellationToken);
        }

        /// <inheritdoc cref="DownloadRender(string)"/>
        public Task<byte[]> DownloadRenderAsync(string renderId, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            return Run(() => DownloadRender(renderId), cancellationToken);
        }

        /// <summary>Downloads a completed render's image to a file (written atomically); returns its size in bytes.</summary>
        public long DownloadRenderToFile(Render render, string path)
        {
            if (render == null) throw new ArgumentNullException(nameof(render));
            NotNullOrEmpty(path, nameof(path));
            byte[] r = Interop.Utf8Z(render.Json ?? render.Id);
            byte[] p = Interop.Utf8Z(System.IO.Path.GetFullPath(path), nameof(path));
            ThrowIfDisposed();
            using (_handle.Acquire())
            {
                ulong size = 0;
                RenderiqError* error = null;
                int status;
                fixed (byte* rp = r)
                fixed (byte* pp = p)
                {
                    status = NativeMethods.renderiq_client_render_download_to_file(_handle.Ptr, rp, pp, &size, &error);
                }
                Interop.Check(status, error);
                return (long)size;
            }
        }

        /// <inheritdoc cref="DownloadRenderToFile"/>
        public Task<long> DownloadRenderToFileAsync(Render render, string path, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (render == null) throw new ArgumentNullException(nameof(render));
            NotNullOrEmpty(path, nameof(path));
            return CallAsync(CallOf("download_render").Add("id", render.Id).Add("path", System.IO.Path.GetFullPath(path)),
                j => Obj(j).Long("bytes"), cancellationToken);
        }

        /// <summary>
        /// Prepares an image exactly as a render would upload it (oriented, down-scaled, encoded,
        /// metadata stripped) without uploading it: to preview what will be sent. Runs on the
        /// calling thread (tens of milliseconds for a 4K capture); needs no client.
        /// </summary>
        public static PreparedImage PrepareImage(RenderImage image, RenderOptions options = null)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            NativeLibraryLoader.EnsureLoaded();
            byte[] p = Interop.Utf8Z((options ?? new RenderOptions()).ToJson());
            IntPtr data = IntPtr.Zero, info = IntPtr.Zero, error = IntPtr.Zero;
            UIntPtr len = UIntPtr.Zero;
            int status = image.With(img =>
            {
                byte* d = null;
                UIntPtr l = UIntPtr.Zero;
                byte* i = null;
                RenderiqError* e = null;
                int s;
                fixed (byte* pp = p) s = NativeMethods.renderiq_prepare_image(img, pp, &d, &l, &i, &e);
                data = (IntPtr)d;
                len = l;
                info = (IntPtr)i;
                error = (IntPtr)e;
                return s;
            });
            byte[] bytes = Interop.TakeBytes((byte*)data, len);
            string infoJson = Interop.TakeString((byte*)info);
            Interop.Check(status, (RenderiqError*)error);
            JsonObject o = Obj(infoJson);
            return new PreparedImage
            {
                Bytes = bytes,
                MimeType = o.String("mimeType"),
                Format = o.String("format"),
                Width = o.Int("width"),
                Height = o.Int("height"),
            };
        }
    }

    /// <summary>Continuations kept out of the unsafe client class (C# forbids await in unsafe code).</summary>
    internal static class TaskHelpers
    {
        internal static async Task<TOut> Then<TIn, TOut>(Task<TIn> task, Func<TIn, TOut> map)
        {
            return map(await task.ConfigureAwait(false));
        }
    }
}
