using System;
using System.Threading;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk.Native
{
    /// <summary>
    /// Turns a failed call's status and <c>RenderiqError*</c> into the matching .NET exception.
    /// Everything is read from the error's JSON (<c>renderiq_error_json</c>, the core's
    /// <c>Error::to_json</c>): no other <c>renderiq_error_*</c> getter is called.
    /// </summary>
    internal static unsafe class NativeError
    {
        /// <summary>The error's JSON, read once; the error object is freed. NULL reads as null.</summary>
        internal static string TakeJson(RenderiqError* error)
        {
            if (error == null) return null;
            try { return Interop.ReadBorrowed(NativeMethods.renderiq_error_json(error)); }
            finally { NativeMethods.renderiq_error_free(error); }
        }

        internal static Exception ToException(int status, RenderiqError* error, CancellationToken token)
            => ToException(status, TakeJson(error), token);

        /// <summary>
        /// The generated exception class of the error JSON's <c>kind</c>
        /// (<see cref="ErrorTable.Create"/>); cancellation becomes
        /// <see cref="RenderiqCancelledException"/>, the C ABI's misuse statuses (100 and up: a
        /// bug in the binding or a mismatched native library) a plain <see cref="RenderiqException"/>.
        /// </summary>
        internal static Exception ToException(int status, string errorJson, CancellationToken token)
        {
            JsonObject o = ErrorJsonReader.Parse(errorJson) ?? new JsonObject(null);
            string message = Message(status, o);
            if (status == (int)RenderiqErrorKind.Cancelled)
                return new RenderiqCancelledException(message, o.String("code"),
                    o.Has("status") ? (int?)o.Int("status") : null, o.String("requestId"), errorJson, token);
            RenderiqException known = ErrorTable.Create(o, message, errorJson);
            if (known != null) return known;
            RenderiqErrorKind kind = Enum.IsDefined(typeof(RenderiqErrorKind), status)
                ? (RenderiqErrorKind)status : RenderiqErrorKind.InvalidArgument;
            return new RenderiqException(message, kind, o.String("code"), null, o.String("requestId"), errorJson);
        }

        /// <summary>
        /// The error JSON's <c>message</c>, then <c>(hint)</c> in C#'s names (<see cref="ErrorHints"/>,
        /// generated from the core's error table), then <c>[request id]</c>: the core's own layout.
        /// </summary>
        private static string Message(int status, JsonObject o)
        {
            string message = o.String("message") ?? "Renderiq call failed with status " + status + " (" +
                Interop.ReadBorrowed(NativeMethods.renderiq_status_name(status)) + ")";
            string hint = ErrorHints.For(o.String("hintId"));
            if (hint != null) message += " (" + hint + ")";
            string requestId = o.String("requestId");
            return string.IsNullOrEmpty(requestId) ? message : message + " [request " + requestId + "]";
        }
    }
}
