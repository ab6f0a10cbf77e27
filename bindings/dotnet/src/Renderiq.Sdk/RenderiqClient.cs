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
    public sealed unsafe partial class RenderiqClient : IDisposable
    {
        private readonly ClientHandle _handle;
        private int _disposed;

        /// <summary>Creates a client.</summary>
        /// <exception cref="ConfigException">A malformed option (base URL, certificate, proxy, token store).</exception>
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

        private static JsonObject Obj(string json) => JsonReader.ParseObject(json);

        private static Func<string, T> One<T>(Func<JsonObject, T> model) => j => model(Obj(j));

        private static bool ParseBool(string json) => JsonReader.Parse(json) as bool? == true;

        private static Func<string, IReadOnlyList<T>> ListOf<T>(string what, Func<JsonObject, T> item)
            => j => JsonObject.MapArray(JsonReader.Parse(j) as List<object>, what, item);

        private static Func<string, Page<T>> PageOf<T>(Func<JsonObject, T> item) => j => Page<T>.FromJson(Obj(j), item);

        /// <summary>The JSON of a call of the core's call surface: <c>{"call": name, …}</c>.</summary>
        private static JsonWriter CallOf(string name) => new JsonWriter().Add("call", name);

        /// <summary>A typed method: one call through <see cref="Call"/>, its result parsed.</summary>
        private T Sync<T>(JsonWriter call, Func<string, T> parse, byte[] data = null) => parse(Call(call.ToString(), data));

        /// <summary>A typed <c>…Async</c> method: one call through <see cref="CallAsync"/>, its result parsed.</summary>
        private Task<T> Async<T>(JsonWriter call, Func<string, T> parse, CancellationToken ct,
            byte[] data = null, IProgress<RenderProgress> progress = null)
        {
            if (ct.IsCancellationRequested) return Task.FromCanceled<T>(ct);
            return TaskHelpers.Then(NativeOperation.Run(StartCallOperation(call.ToString(), data), progress, ct), parse);
        }

        private static void NotNullOrEmpty(string value, string name)
        {
            if (value == null) throw new ArgumentNullException(name);
            if (value.Length == 0) throw new ArgumentException("must not be empty", name);
            if (value.IndexOf('\0') >= 0) throw new ArgumentException("must not contain NUL characters", name);
        }

        private static JsonWriter RenderCall(string name, RenderImage image, RenderOptions options, out byte[] data)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            return (options ?? new RenderOptions()).AddTo(CallOf(name).Add("image", image.ToCall(out data)), name == "render");
        }

        private static readonly Func<string, Render> RenderResult = One(Sdk.Render.FromJson);

        /// <summary><c>create_render</c> or <c>render</c>, blocking.</summary>
        private Render RenderSync(string name, RenderImage image, RenderOptions options)
        {
            byte[] data;
            return Sync(RenderCall(name, image, options, out data), RenderResult, data);
        }

        /// <summary><c>create_render</c> or <c>render</c> in a background operation.</summary>
        private Task<Render> RenderInBackground(string name, RenderImage image, RenderOptions options,
            IProgress<RenderProgress> progress, CancellationToken ct)
        {
            byte[] data;
            return Async(RenderCall(name, image, options, out data), RenderResult, ct, data, progress);
        }

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
        /// <example><code>string me = client.Call("{\"call\":\"me\"}");</code></example>
        public string Call(string callJson, byte[] data = null)
        {
            NotNullOrEmpty(callJson, nameof(callJson));
            byte[] c = Interop.Utf8Z(callJson, nameof(callJson));
            ThrowIfDisposed();
            using (_handle.Acquire())
            {
                byte* json = null;
                RenderiqError* error = null;
                int status;
                fixed (byte* cp = c)
                fixed (byte* dp = data)
                    status = NativeMethods.renderiq_call(_handle.Ptr, cp, dp, new UIntPtr(data == null ? 0u : (uint)data.Length), &json, &error);
                string text = Interop.TakeString(json);
                Interop.Check(status, error);
                return text;
            }
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
            ThrowIfDisposed();
            using (_handle.Acquire())
            {
                RenderiqOp* op = null;
                RenderiqError* error = null;
                int status;
                // `data` is pinned for the start call only: the native library copies it.
                fixed (byte* cp = c)
                fixed (byte* dp = data)
                    status = NativeMethods.renderiq_call_start(_handle.Ptr, cp, dp, new UIntPtr(data == null ? 0u : (uint)data.Length), &op, &error);
                Interop.Check(status, error);
                return new OperationHandle(op);
            }
        }

        /// <summary>
        /// Prepares the image and creates a render (status <see cref="RenderStatus.Pending"/>).
        /// Blocks while the image is encoded and uploaded: on a UI thread use
        /// <see cref="CreateRenderAsync"/> or <see cref="RenderAsync"/>.
        /// </summary>
        /// <exception cref="InsufficientCreditsException">Not enough credits; nothing was charged.</exception>
        /// <exception cref="ValidationException">The parameters were refused; <see cref="RenderiqException.FieldErrors"/> names them.</exception>
        /// <exception cref="ImageException">The image could not be read or encoded.</exception>
        public Render CreateRender(RenderImage image, RenderOptions options = null) => RenderSync("create_render", image, options);

        /// <summary>
        /// Creates a render in the background: the image is copied before this method returns,
        /// then encoded and uploaded on a worker thread. Progress stages: <c>preparing</c>,
        /// <c>uploading</c>. The task's result is the new render (status pending).
        /// </summary>
        public Task<Render> CreateRenderAsync(RenderImage image, RenderOptions options = null, IProgress<RenderProgress> progress = null,
            CancellationToken cancellationToken = default(CancellationToken))
            => RenderInBackground("create_render", image, options, progress, cancellationToken);

        /// <summary>
        /// Creates a render and waits for it (the <c>render</c> call): the whole "Render" button.
        /// Blocks: on a UI thread use <see cref="RenderAsync"/>.
        /// </summary>
        public Render Render(RenderImage image, RenderOptions options = null) => RenderSync("render", image, options);

        /// <summary>
        /// Creates a render and follows it to completion in one background operation (the
        /// <c>render</c> call). The image is copied before this method returns. Progress stages:
        /// <c>preparing</c>, <c>uploading</c>, then the render's status. Cancelling the token
        /// stops the operation at once (the task becomes canceled) and withdraws the render while
        /// it is pending, which refunds its credits.
        /// </summary>
        /// <exception cref="InsufficientCreditsException">Not enough credits (from the task).</exception>
        /// <exception cref="RenderFailedException">The render failed; credits refunded (from the task).</exception>
        public Task<Render> RenderAsync(RenderImage image, RenderOptions options = null, IProgress<RenderProgress> progress = null,
            CancellationToken cancellationToken = default(CancellationToken))
            => RenderInBackground("render", image, options, progress, cancellationToken);

        /// <summary>Deprecated name of <see cref="RetrieveRender"/>.</summary>
        [Obsolete("Use RetrieveRender, the call's name.")]
        public Render GetRender(string renderId) { return RetrieveRender(renderId); }

        /// <summary>Deprecated name of <see cref="RetrieveRenderAsync"/>.</summary>
        [Obsolete("Use RetrieveRenderAsync, the call's name.")]
        public Task<Render> GetRenderAsync(string renderId, CancellationToken cancellationToken = default(CancellationToken))
            => RetrieveRenderAsync(renderId, cancellationToken);

        /// <summary>Downloads a completed render's image.</summary>
        /// <exception cref="ValidationException">The render has no output yet.</exception>
        public byte[] DownloadRender(Render render)
        {
            if (render == null) throw new ArgumentNullException(nameof(render));
            return DownloadRender(render.Id);
        }

        /// <summary>Downloads a completed render's image by id (no call answers bytes: this one is a native function of its own).</summary>
        public byte[] DownloadRender(string renderId)
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            byte[] r = Interop.Utf8Z(renderId);
            ThrowIfDisposed();
            using (_handle.Acquire())
            {
                byte* data = null;
                UIntPtr len = UIntPtr.Zero;
                RenderiqError* error = null;
                int status;
                fixed (byte* rp = r)
                    status = NativeMethods.renderiq_client_render_download(_handle.Ptr, rp, &data, &len, &error);
                byte[] bytes = Interop.TakeBytes(data, len);
                Interop.Check(status, error);
                return bytes;
            }
        }

        /// <inheritdoc cref="DownloadRender(Render)"/>
        public Task<byte[]> DownloadRenderAsync(Render render, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (render == null) throw new ArgumentNullException(nameof(render));
            return DownloadRenderAsync(render.Id, cancellationToken);
        }

        /// <summary>
        /// Downloads a completed render's image by id in a native background operation (the
        /// <c>download_render</c> call into a temporary file, read and deleted): no thread waits,
        /// and cancelling the token cancels the download.
        /// </summary>
        public Task<byte[]> DownloadRenderAsync(string renderId, CancellationToken cancellationToken = default(CancellationToken))
        {
            NotNullOrEmpty(renderId, nameof(renderId));
            if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<byte[]>(cancellationToken);
            string path = System.IO.Path.GetTempFileName();
            string call = CallOf("download_render").Add("id", renderId).Add("path", path).ToString();
            return TaskHelpers.ReadAndDelete(CallAsync(call, null, cancellationToken), path);
        }

        /// <summary>
        /// Prepares an image exactly as a render would upload it (oriented, down-scaled, encoded,
        /// metadata stripped) without uploading it: to preview what will be sent. Runs on the
        /// calling thread (tens of milliseconds for a 4K capture); needs no client.
        /// </summary>
        /// <example><code>PreparedImage p = RenderiqClient.PrepareImage(RenderImage.FromFile("view.png"), new RenderOptions { MaxEdge = 1024 });</code></example>
        public static PreparedImage PrepareImage(RenderImage image, RenderOptions options = null)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            NativeLibraryLoader.EnsureLoaded();
            byte[] data;
            JsonWriter call = CallOf("prepare_image").Add("image", image.ToCall(out data)).Add("prepare", (options ?? new RenderOptions()).PrepareJson());
            byte[] c = Interop.Utf8Z(call.ToString());
            byte* d = null, info = null;
            UIntPtr len = UIntPtr.Zero;
            RenderiqError* error = null;
            int status;
            fixed (byte* cp = c)
            fixed (byte* dp = data)
                status = NativeMethods.renderiq_image_prepare(cp, dp, new UIntPtr(data == null ? 0u : (uint)data.Length), &d, &len, &info, &error);
            byte[] bytes = Interop.TakeBytes(d, len);
            string infoJson = Interop.TakeString(info);
            Interop.Check(status, error);
            JsonObject o = Obj(infoJson);
            return new PreparedImage { Bytes = bytes, MimeType = o.String("mimeType"), Format = o.String("format"), Width = o.Int("width"), Height = o.Int("height") };
        }
    }

    /// <summary>Continuations kept out of the unsafe client class (C# forbids await in unsafe code).</summary>
    internal static class TaskHelpers
    {
        internal static async Task<TOut> Then<TIn, TOut>(Task<TIn> task, Func<TIn, TOut> map) => map(await task.ConfigureAwait(false));

        /// <summary>The file <paramref name="path"/> once <paramref name="written"/> completed; deleted in any case.</summary>
        internal static async Task<byte[]> ReadAndDelete(Task written, string path)
        {
            try
            {
                await written.ConfigureAwait(false);
                return System.IO.File.ReadAllBytes(path);
            }
            finally
            {
                System.IO.File.Delete(path);
            }
        }
    }
}
