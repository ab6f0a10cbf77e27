using System;
using System.Threading;
using System.Threading.Tasks;
using Renderiq.Sdk.Native;

namespace Renderiq.Sdk
{
    /// <summary>
    /// A call running in the background, started by <see cref="RenderiqClient.Start"/>: read
    /// its <see cref="Progress"/> from a UI timer, <see cref="Cancel"/> it, await
    /// <see cref="Completion"/> for its result JSON.
    /// </summary>
    /// <remarks>
    /// Cancelling a call that creates a render (<c>create_render</c>, <c>render</c>) withdraws
    /// the render while it is still pending, which refunds its credits; the core does that, the
    /// same in every language. <see cref="Completion"/> then becomes canceled.
    /// </remarks>
    /// <example>
    /// <code>
    /// using (RenderiqOperation op = client.Start("{\"call\":\"render\",\"image\":{\"kind\":\"file\",\"path\":\"view.png\"}}"))
    /// {
    ///     timer.Tick += (s, e) =&gt; statusBar.Text = op.Progress.Stage + " " + op.Progress.Percent + "%";
    ///     string renderJson = await op.Completion;
    /// }
    /// </code>
    /// </example>
    public sealed class RenderiqOperation : IDisposable
    {
        private readonly OperationHandle _op;
        private readonly Task<string> _completion;
        internal RenderiqOperation(OperationHandle op)
        {
            _op = op; // kept (and freed by Dispose) so progress stays readable after the end
            _completion = NativeOperation.Run(op, null, CancellationToken.None, ownsHandle: false);
        }

        /// <summary>
        /// The call's result JSON (the API object, or <c>null</c> for calls without one). Faults
        /// with the call's <see cref="RenderiqException"/>; canceled after <see cref="Cancel"/>.
        /// </summary>
        public Task<string> Completion { get { return _completion; } }

        /// <summary>Whether the call has ended (successfully, with an error, or cancelled).</summary>
        public bool IsCompleted { get { return _completion.IsCompleted; } }

        /// <summary>
        /// The progress as the native library reports it: <c>{"percent", "stage", "done",
        /// "render", "version"}</c>, where <c>version</c> counts the changes. Never blocks.
        /// </summary>
        public string ProgressJson
        {
            get { return _op.ProgressJson() ?? "{\"percent\":0,\"stage\":null,\"done\":true,\"render\":null,\"version\":0}"; }
        }

        /// <summary>The progress (see <see cref="ProgressJson"/>). Never blocks.</summary>
        public RenderProgress Progress { get { return RenderProgress.Parse(ProgressJson); } }

        /// <summary>
        /// Asks the call to stop; <see cref="Completion"/> becomes canceled soon after, unless the
        /// call had already ended. Never blocks; calling it twice is harmless.
        /// </summary>
        public void Cancel() { _op.Cancel(); }

        /// <summary>Cancels the call when it is still running (nobody will read its result) and frees it.</summary>
        public void Dispose()
        {
            if (_completion.IsCompleted) { _op.Dispose(); return; }
            Cancel();
            _completion.ContinueWith(_ => _op.Dispose(), TaskContinuationOptions.ExecuteSynchronously);
        }
    }
}
