using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Renderiq.Sdk.Native
{
    /// <summary>How a <see cref="NativeOperation"/> learns that its operation finished.</summary>
    internal enum CompletionMode
    {
        /// <summary><c>renderiq_op_set_callback</c> on a native worker thread (.NET Framework, .NET).</summary>
        Callback,

        /// <summary>
        /// A timer reads <c>renderiq_op_poll</c>: the default on Mono, which would wait forever at
        /// exit for a native thread that once called managed code.
        /// </summary>
        Poll,
    }

    /// <summary>
    /// Follows one native operation handle to completion as a <see cref="Task{TResult}"/> of its
    /// result JSON. The callback (a static delegate, with a <see cref="GCHandle"/> to this object
    /// that it frees) only queues the rest to the thread pool: a native worker never runs user
    /// code. The token calls <c>renderiq_op_cancel</c>; progress is reported whenever the core's
    /// <c>version</c> grew; the outcome is read with <c>renderiq_op_outcome</c>.
    /// </summary>
    internal sealed unsafe class NativeOperation
    {
        /// <summary>How often progress is read while an <see cref="IProgress{T}"/> listens.</summary>
        internal static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

        /// <summary>How often completion is read in <see cref="CompletionMode.Poll"/>.</summary>
        internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

        /// <summary>Environment variable forcing a <see cref="CompletionMode"/> (<c>callback</c> or <c>poll</c>).</summary>
        internal const string ModeVariable = "RENDERIQ_DOTNET_COMPLETION";

        /// <summary>The mode new operations use.</summary>
        internal static CompletionMode DefaultMode = ChooseMode();

        // One delegate for every operation, rooted by this static field for the process's lifetime.
        private static readonly NativeMethods.renderiq_op_set_callback_callback_delegate CompletionCallback = OnNativeCompletion;

        private readonly OperationHandle _op;
        private readonly TaskCompletionSource<string> _tcs =
            new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationToken _token;
        private readonly IProgress<RenderProgress> _progress;
        private readonly CompletionMode _mode;
        private readonly object _gate = new object();
        private CancellationTokenRegistration _registration;
        private Timer _timer;
        private int _ticking;
        private int _finishing;
        private long _lastVersion = -1;
        private DateTime _lastProgressRead = DateTime.MinValue;
        private bool _finished;

        private readonly bool _ownsHandle;

        private NativeOperation(OperationHandle op, IProgress<RenderProgress> progress, CancellationToken token,
            CompletionMode mode, bool ownsHandle)
        {
            _op = op;
            _progress = progress;
            _ownsHandle = ownsHandle;
            _token = token;
            _mode = mode;
        }

        private static CompletionMode ChooseMode()
        {
            string forced = Environment.GetEnvironmentVariable(ModeVariable);
            if (string.Equals(forced, "callback", StringComparison.OrdinalIgnoreCase)) return CompletionMode.Callback;
            if (string.Equals(forced, "poll", StringComparison.OrdinalIgnoreCase)) return CompletionMode.Poll;
            return NativeLibraryLoader.IsMono ? CompletionMode.Poll : CompletionMode.Callback;
        }

        /// <summary>
        /// Takes ownership of <paramref name="op"/> (freed when the task completes) and returns the
        /// task of its result JSON.
        /// </summary>
        /// <param name="op">The operation; this object owns it from now on.</param>
        /// <param name="progress">Where progress goes, or null.</param>
        /// <param name="token">
        /// Cancels the operation (a render operation also withdraws its render on the server while
        /// it is pending: the core does that).
        /// </param>
        /// <param name="ownsHandle">False when the caller keeps <paramref name="op"/> and frees it.</param>
        internal static Task<string> Run(OperationHandle op, IProgress<RenderProgress> progress, CancellationToken token,
            bool ownsHandle = true)
        {
            var state = new NativeOperation(op, progress, token, DefaultMode, ownsHandle);
            state.Start();
            return state._tcs.Task;
        }

        private void Start()
        {
            if (_mode == CompletionMode.Callback && !RegisterCallback()) return;
            lock (_gate)
            {
                if (_finished) return;
                if (_mode == CompletionMode.Poll)
                    _timer = new Timer(_ => Tick(), null, TimeSpan.Zero, PollInterval);
                else if (_progress != null)
                    _timer = new Timer(_ => Tick(), null, TimeSpan.Zero, ProgressInterval);
                if (_token.CanBeCanceled)
                    _registration = _token.Register(_op.Cancel);
            }
        }

        private bool RegisterCallback()
        {
            GCHandle self = GCHandle.Alloc(this);
            RenderiqError* error = null;
            int status;
            using (_op.Acquire())
            {
                status = NativeMethods.renderiq_op_set_callback(_op.Ptr, CompletionCallback, (void*)GCHandle.ToIntPtr(self), &error);
            }
            if (status == NativeMethods.RENDERIQ_OK) return true; // the callback owns `self` now; it runs exactly once
            self.Free();
            Exception e = NativeError.ToException(status, error, _token);
            if (_ownsHandle) _op.Dispose();
            _tcs.TrySetException(e);
            return false;
        }

        private void Tick()
        {
            if (Interlocked.Exchange(ref _ticking, 1) == 1) return; // the previous tick still runs
            try
            {
                bool done = false;
                NativeHandle.Lease lease;
                if (!_op.TryAcquire(out lease)) return;
                using (lease)
                {
                    if (_mode == CompletionMode.Poll)
                        done = NativeMethods.renderiq_op_poll(_op.Ptr) != 0; // 1 done, negative: not live (finish and report)
                    if (_progress != null && !done && DateTime.UtcNow - _lastProgressRead >= ProgressInterval)
                        ReportProgress();
                }
                if (done) BeginFinish();
            }
            catch (Exception)
            {
                // A tick is never worth failing the operation for.
            }
            finally
            {
                Volatile.Write(ref _ticking, 0);
            }
        }

        private void ReportProgress()
        {
            _lastProgressRead = DateTime.UtcNow;
            string json = _op.ProgressJson();
            if (json == null) return;
            try
            {
                RenderProgress p = RenderProgress.Parse(json);
                if (p.Version <= _lastVersion) return;
                _lastVersion = p.Version;
                _progress.Report(p);
            }
            catch (Exception)
            {
                // A progress report is never worth failing the operation for.
            }
        }

        // Runs on a Renderiq worker thread (or on the caller's thread when the operation had
        // already finished): must not throw, block or run user code.
        private static void OnNativeCompletion(void* userData)
        {
            try
            {
                GCHandle handle = GCHandle.FromIntPtr((IntPtr)userData);
                var state = (NativeOperation)handle.Target;
                handle.Free();
                state.BeginFinish();
            }
            catch (Exception)
            {
                // Nothing may unwind into native code.
            }
        }

        private void BeginFinish()
        {
            if (Interlocked.Exchange(ref _finishing, 1) == 1) return;
            ThreadPool.UnsafeQueueUserWorkItem(s => ((NativeOperation)s).Finish(), this);
        }

        private void Finish()
        {
            Timer timer;
            lock (_gate)
            {
                _finished = true;
                timer = _timer;
                _timer = null;
            }
            try
            {
                if (timer != null)
                {
                    // Wait for a tick in progress (never this thread's: Finish runs on its own
                    // work item), then report the final state once.
                    using (var stopped = new ManualResetEvent(false))
                    {
                        if (timer.Dispose(stopped)) stopped.WaitOne();
                    }
                }
                if (_progress != null) ReportProgress();
                _registration.Dispose();

                byte* json = null;
                RenderiqError* error = null;
                int status;
                using (_op.Acquire())
                {
                    status = NativeMethods.renderiq_op_outcome(_op.Ptr, &json, &error);
                }
                string result = Interop.TakeString(json);
                if (status == NativeMethods.RENDERIQ_OK)
                {
                    _tcs.TrySetResult(result);
                }
                else if (status == NativeMethods.RENDERIQ_ERROR_CANCELLED)
                {
                    // Cancelled by the token or the operation's Cancel: a canceled task. A call
                    // whose own answer is "cancelled" with details (waiting for a render someone
                    // cancelled): a RenderiqCancelledException that carries them.
                    string errorJson = NativeError.TakeJson(error);
                    if (_token.IsCancellationRequested) _tcs.TrySetCanceled(_token);
                    else if (ErrorJsonReader.Details(errorJson) != null) _tcs.TrySetException(NativeError.ToException(status, errorJson, _token));
                    else _tcs.TrySetCanceled();
                }
                else
                {
                    _tcs.TrySetException(NativeError.ToException(status, error, _token));
                }
            }
            catch (Exception e)
            {
                _tcs.TrySetException(e);
            }
            finally
            {
                if (_ownsHandle) _op.Dispose();
            }
        }
    }
}
