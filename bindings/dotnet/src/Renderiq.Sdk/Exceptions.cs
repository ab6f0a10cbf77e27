using System;
using System.Collections.Generic;
using System.Globalization;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk
{
    /// <summary>
    /// The base of every error the Renderiq service or SDK reports; one subclass per error kind
    /// is generated from the core's error table (ErrorTable.g.cs: <see cref="AuthException"/>,
    /// <see cref="InsufficientCreditsException"/>, …). Cancellation is not a
    /// <see cref="RenderiqException"/>: it surfaces as <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <example><code>catch (ValidationException e) { foreach (var f in e.FieldErrors) Log(f.Key + ": " + f.Value); }</code></example>
    public class RenderiqException : Exception
    {
        /// <summary>Creates an error; the SDK creates these, tests and mocks may too.</summary>
        public RenderiqException(string message, RenderiqErrorKind kind = RenderiqErrorKind.Server, string code = null,
            int? httpStatus = null, string requestId = null, string errorJson = null, Exception inner = null)
            : base(message, inner)
        {
            Kind = kind;
            Code = code;
            HttpStatus = httpStatus;
            RequestId = requestId;
            ErrorJson = errorJson;
            Details = ErrorJsonReader.Details(errorJson);
            FieldErrors = ErrorJsonReader.FieldErrors(errorJson);
        }

        /// <summary>What kind of failure this is; its numeric value is the C ABI's status code.</summary>
        public RenderiqErrorKind Kind { get; }

        /// <summary>The API's machine-readable <c>errorCode</c> (<c>"INSUFFICIENT_CREDITS"</c>, …), or null.</summary>
        public string Code { get; }

        /// <summary>The HTTP status of the failed response, or null when the server did not answer.</summary>
        public int? HttpStatus { get; }

        /// <summary>The server's request id: quote it to support. Null when there is none.</summary>
        public string RequestId { get; }

        /// <summary>
        /// The whole error as the native library reports it: <c>{"kind", "code", "message", "hint",
        /// "status", "requestId", "details", …}</c>.
        /// </summary>
        public string ErrorJson { get; }

        /// <summary>
        /// The error's <c>details</c> as JSON text, or null: the API's field-error map for
        /// validation failures (<c>{"limit": "…"}</c>).
        /// </summary>
        public string Details { get; }

        /// <summary>
        /// The API's field-error map read from <see cref="Details"/>: what is wrong with each field
        /// (<c>style</c>, <c>aspectRatio</c>, …); empty when the server named no field.
        /// </summary>
        public IReadOnlyDictionary<string, string> FieldErrors { get; }

        /// <summary>What to do next, naming this SDK's C# methods; null when there is no hint.</summary>
        public string Hint { get { return Native.ErrorHints.For(ErrorJsonReader.Parse(ErrorJson)?.Raw("hintId") as string); } }
    }

    /// <summary>Reads the members of an error's JSON; a malformed document reads as empty.</summary>
    internal static class ErrorJsonReader
    {
        /// <summary>The error JSON as an object; null when it is missing or malformed.</summary>
        internal static JsonObject? Parse(string errorJson)
        {
            if (string.IsNullOrEmpty(errorJson)) return null;
            try { return JsonReader.ParseObject(errorJson); }
            catch (FormatException) { return null; }
        }

        internal static string Details(string errorJson)
        {
            object details = Parse(errorJson)?.Raw("details");
            return details == null ? null : JsonWriter.Serialize(details);
        }

        internal static IReadOnlyDictionary<string, string> FieldErrors(string errorJson)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            var details = Parse(errorJson)?.Raw("details") as Dictionary<string, object>;
            if (details != null)
                foreach (var kv in details)
                    result[kv.Key] = kv.Value as string ?? JsonWriter.Serialize(kv.Value);
            return result;
        }
    }

    /// <summary>
    /// A call ended as cancelled with something to say about it: waiting for a render that was
    /// cancelled (<see cref="Details"/> holds the render). An <see cref="OperationCanceledException"/>,
    /// as every cancellation in .NET; cancelling your own token or operation gives a plain
    /// <see cref="System.Threading.Tasks.TaskCanceledException"/>.
    /// </summary>
    /// <example><code>catch (RenderiqCancelledException e) { Log("cancelled: " + e.Details); }</code></example>
    public class RenderiqCancelledException : OperationCanceledException
    {
        /// <summary>Creates the error.</summary>
        public RenderiqCancelledException(string message, string code = null, int? httpStatus = null, string requestId = null,
            string errorJson = null, System.Threading.CancellationToken token = default(System.Threading.CancellationToken))
            : base(message, token)
        {
            Code = code;
            HttpStatus = httpStatus;
            RequestId = requestId;
            ErrorJson = errorJson;
            Details = ErrorJsonReader.Details(errorJson);
        }

        /// <summary>Always <see cref="RenderiqErrorKind.Cancelled"/>.</summary>
        public RenderiqErrorKind Kind { get { return RenderiqErrorKind.Cancelled; } }

        /// <summary>The API's <c>errorCode</c>, or null.</summary>
        public string Code { get; }

        /// <summary>The HTTP status of the failed response, or null.</summary>
        public int? HttpStatus { get; }

        /// <summary>The server's request id, or null.</summary>
        public string RequestId { get; }

        /// <summary>The whole error as JSON (see <see cref="RenderiqException.ErrorJson"/>).</summary>
        public string ErrorJson { get; }

        /// <summary>The error's <c>details</c> as JSON text (the cancelled render), or null.</summary>
        public string Details { get; }
    }

    /// <summary>
    /// The native library (<c>renderiq.dll</c>, <c>librenderiq.so</c>, <c>librenderiq.dylib</c>)
    /// was found but does not match this <c>Renderiq.Sdk.dll</c>: its ABI version differs. Ship
    /// the two files from the same package.
    /// </summary>
    public class NativeLibraryMismatchException : Exception
    {
        /// <summary>Creates the error.</summary>
        public NativeLibraryMismatchException(uint expectedAbiVersion, uint foundAbiVersion, string libraryPath, string libraryVersion)
            : base(string.Format(CultureInfo.InvariantCulture,
                "Renderiq native library ABI mismatch: Renderiq.Sdk {0} expects ABI version {1}, but the loaded native library{2} (SDK {3}) has ABI version {4}. " +
                "Ship the renderiq native library from the same Renderiq.Sdk package, next to Renderiq.Sdk.dll, and remove older copies from the host's folders and PATH.",
                SdkVersion(), expectedAbiVersion,
                string.IsNullOrEmpty(libraryPath) ? "" : " '" + libraryPath + "'", libraryVersion ?? "unknown", foundAbiVersion))
        {
            ExpectedAbiVersion = expectedAbiVersion;
            FoundAbiVersion = foundAbiVersion;
            LibraryPath = libraryPath;
        }

        /// <summary>The ABI version this assembly was generated against.</summary>
        public uint ExpectedAbiVersion { get; }

        private static string SdkVersion()
        {
            var info = (System.Reflection.AssemblyInformationalVersionAttribute)Attribute.GetCustomAttribute(
                typeof(NativeLibraryMismatchException).Assembly, typeof(System.Reflection.AssemblyInformationalVersionAttribute));
            return info != null ? info.InformationalVersion : typeof(NativeLibraryMismatchException).Assembly.GetName().Version.ToString();
        }

        /// <summary>The ABI version the loaded native library reports.</summary>
        public uint FoundAbiVersion { get; }

        /// <summary>Where the native library was loaded from, when known.</summary>
        public string LibraryPath { get; }
    }
}
