using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Renderiq.Sdk.Native
{
    /// <summary>
    /// Base of the handles that own one native object each: the object is freed exactly once,
    /// by <see cref="SafeHandle.ReleaseHandle"/> calling its <c>renderiq_*_free</c>, when the
    /// handle is disposed or finalized. A call in progress holds a <see cref="Lease"/> so that a
    /// concurrent <c>Dispose</c> cannot free the object under it.
    /// </summary>
    internal abstract class NativeHandle : SafeHandle
    {
        protected NativeHandle(IntPtr ptr) : base(IntPtr.Zero, true)
        {
            SetHandle(ptr);
        }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        /// <summary>
        /// Keeps the native object alive until the lease is disposed.
        /// </summary>
        /// <exception cref="ObjectDisposedException">The handle was already disposed.</exception>
        internal Lease Acquire()
        {
            bool added = false;
            DangerousAddRef(ref added);
            return new Lease(this, added);
        }

        /// <summary>Like <see cref="Acquire"/> but answers false instead of throwing.</summary>
        internal bool TryAcquire(out Lease lease)
        {
            try
            {
                lease = Acquire();
                return true;
            }
            catch (ObjectDisposedException)
            {
                lease = default(Lease);
                return false;
            }
        }

        internal struct Lease : IDisposable
        {
            private SafeHandle _handle;

            internal Lease(SafeHandle handle, bool added)
            {
                _handle = added ? handle : null;
            }

            public void Dispose()
            {
                SafeHandle h = _handle;
                _handle = null;
                if (h != null) h.DangerousRelease();
            }
        }
    }

    /// <summary>Owns a <c>RenderiqClient*</c>; released with <c>renderiq_client_free</c>.</summary>
    internal sealed unsafe class ClientHandle : NativeHandle
    {
        internal ClientHandle(RenderiqClient* ptr) : base((IntPtr)ptr) { }

        internal RenderiqClient* Ptr { get { return (RenderiqClient*)handle; } }

        protected override bool ReleaseHandle() => NativeMethods.renderiq_client_free((RenderiqClient*)handle) == NativeMethods.RENDERIQ_OK;
    }

    /// <summary>
    /// Owns a <c>RenderiqOp*</c>; released with <c>renderiq_op_free</c>, which cancels an
    /// operation still running.
    /// </summary>
    internal sealed unsafe class OperationHandle : NativeHandle
    {
        internal OperationHandle(RenderiqOp* ptr) : base((IntPtr)ptr) { }

        internal RenderiqOp* Ptr { get { return (RenderiqOp*)handle; } }

        protected override bool ReleaseHandle() => NativeMethods.renderiq_op_free((RenderiqOp*)handle) == NativeMethods.RENDERIQ_OK;

        /// <summary>The progress JSON (<c>renderiq_op_progress</c>); null once freed or when it cannot be read. Never blocks.</summary>
        internal string ProgressJson()
        {
            Lease lease;
            if (!TryAcquire(out lease)) return null;
            using (lease)
            {
                byte* json = null;
                byte percent;
                int status = NativeMethods.renderiq_op_progress(Ptr, &percent, &json, null);
                string text = Interop.TakeString(json);
                return status == NativeMethods.RENDERIQ_OK ? text : null;
            }
        }

        /// <summary>Asks the operation to stop (<c>renderiq_op_cancel</c>); nothing once freed. Never blocks.</summary>
        internal void Cancel()
        {
            Lease lease;
            if (!TryAcquire(out lease)) return;
            using (lease) NativeMethods.renderiq_op_cancel(Ptr);
        }
    }
}
