using System;
using System.Threading;

namespace Renderiq.Sdk.Native
{
    /// <summary>Turns a failed call's status and <c>RenderiqError*</c> into the matching .NET exception.</summary>
    internal static unsafe class NativeError
    {
        /// <summary>Everything the error object says, read once; the object is freed.</summary>
        internal sealed class Info
        {
            internal int Status;
            internal string Message;
            internal string ApiCode;
            internal int? HttpStatus;
            internal string RequestId;
            internal long? RequiredCredits;
            internal long? AvailableCredits;
            internal TimeSpan? RetryAfter;
            internal string Json;
        }

        /// <summary>Reads (and frees) the error object; a NULL error yields the status alone.</summary>
        internal static Info Read(int status, RenderiqError* error)
        {
            var info = new Info { Status = status };
            if (error == null)
            {
                info.Message = "Renderiq call failed with status " + status + " (" +
                    Interop.ReadBorrowed(NativeMethods.renderiq_status_name(status)) + ")";
                return info;
            }
            using (var handle = new ErrorHandle(error))
            {
                RenderiqError* e = handle.Ptr;
                info.Message = Interop.ReadBorrowed(NativeMethods.renderiq_error_message(e));
                info.ApiCode = Interop.ReadBorrowed(NativeMethods.renderiq_error_api_code(e));
                ushort http = NativeMethods.renderiq_error_http_status(e);
                info.HttpStatus = http == 0 ? (int?)null : http;
                info.RequestId = Interop.ReadBorrowed(NativeMethods.renderiq_error_request_id(e));
                long required = NativeMethods.renderiq_error_required_credits(e);
                long available = NativeMethods.renderiq_error_available_credits(e);
                long retryMs = NativeMethods.renderiq_error_retry_after_ms(e);
                info.RequiredCredits = required < 0 ? (long?)null : required;
                info.AvailableCredits = available < 0 ? (long?)null : available;
                info.RetryAfter = retryMs < 0 ? (TimeSpan?)null : TimeSpan.FromMilliseconds(retryMs);
                info.Json = Interop.ReadBorrowed(NativeMethods.renderiq_error_json(e));
            }
            info.Message = WithCSharpHint(info.Message, info.Json, info.RequestId);
            return info;
        }

        /// <summary>
        /// The message with the hint in C#'s names (<see cref="ErrorHints"/>, generated from the
        /// core's error table) instead of the native library's Rust-named one: the error JSON's
        /// <c>message</c>, then <c>(hint)</c>, then <c>[request id]</c>. The native text stays
        /// when the JSON has no hint id.
        /// </summary>
        internal static string WithCSharpHint(string nativeMessage, string errorJson, string requestId)
        {
            if (string.IsNullOrEmpty(errorJson)) return nativeMessage;
            try
            {
                Json.JsonObject o = Json.JsonReader.ParseObject(errorJson);
                string hint = ErrorHints.For(o.String("hintId"));
                string message = o.String("message");
                if (hint == null || message == null) return nativeMessage;
                string text = message + " (" + hint + ")";
                return string.IsNullOrEmpty(requestId) ? text : text + " [request " + requestId + "]";
            }
            catch (FormatException)
            {
                return nativeMessage;
            }
        }

        internal static Exception ToException(int status, RenderiqError* error, CancellationToken token)
            => ToException(Read(status, error), token);

        /// <summary>
        /// The generated exception class for each kind (<see cref="ErrorTable.Create"/>; the C
        /// ABI's statuses 1–17 are the table's kinds in order); cancellation becomes
        /// <see cref="OperationCanceledException"/>.
        /// </summary>
        internal static Exception ToException(Info i, CancellationToken token)
        {
            string m = i.Message ?? "Renderiq call failed";
            if (i.Status == (int)RenderiqErrorKind.Cancelled)
                return new RenderiqCancelledException(m, i.ApiCode, i.HttpStatus, i.RequestId, i.Json, token);
            RenderiqException known = i.Status >= 1 && i.Status <= ErrorTable.Classes.Count
                ? ErrorTable.Create(ErrorTable.Classes[i.Status - 1].Kind, m, i.ApiCode, i.HttpStatus, i.RequestId, i.Json,
                    i.RequiredCredits, i.AvailableCredits, i.RetryAfter)
                : null;
            if (known != null) return known;
            // 100+: misuse of the ABI, a bug in the binding or a mismatched native library.
            RenderiqErrorKind kind = Enum.IsDefined(typeof(RenderiqErrorKind), i.Status)
                ? (RenderiqErrorKind)i.Status : RenderiqErrorKind.InvalidArgument;
            return new RenderiqException(m, kind, i.ApiCode, i.HttpStatus, i.RequestId, i.Json);
        }
    }
}
