using System;
using System.Collections.Generic;
using System.Globalization;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk
{
    /// <summary>
    /// What kind of failure a <see cref="RenderiqException"/> is. The numeric values are the C
    /// ABI's status codes: 1–17 are the SDK's error kinds, 100 and up are misuse of the native
    /// library itself (a bug in the binding or a mismatched native library).
    /// </summary>
    public enum RenderiqErrorKind
    {
        /// <summary>Not signed in, token invalid or expired, wrong credentials.</summary>
        Auth = 1,
        /// <summary>The API key lacks a scope.</summary>
        PermissionDenied = 2,
        /// <summary>No such resource.</summary>
        NotFound = 3,
        /// <summary>The request was rejected as invalid.</summary>
        InvalidInput = 4,
        /// <summary>Not enough credits.</summary>
        InsufficientCredits = 5,
        /// <summary>Too many requests.</summary>
        RateLimited = 6,
        /// <summary>Idempotency-key reuse with another body, or a state conflict.</summary>
        Conflict = 7,
        /// <summary>The server failed (5xx).</summary>
        Server = 8,
        /// <summary>A render ended in the failed state (its credits were refunded).</summary>
        RenderFailed = 9,
        /// <summary>The server could not be reached.</summary>
        Network = 10,
        /// <summary>A request timed out or a wait passed its deadline.</summary>
        Timeout = 11,
        /// <summary>The operation was cancelled (surfaces as <see cref="OperationCanceledException"/>).</summary>
        Cancelled = 12,
        /// <summary>A screenshot could not be read or encoded.</summary>
        Image = 13,
        /// <summary>A webhook delivery failed verification.</summary>
        WebhookVerification = 14,
        /// <summary>The token store (keychain, file) failed.</summary>
        TokenStore = 15,
        /// <summary>The client was configured wrongly.</summary>
        Config = 16,
        /// <summary>The server's answer could not be understood.</summary>
        Decode = 17,
        /// <summary>Misuse: a required pointer was NULL.</summary>
        NullArgument = 100,
        /// <summary>Misuse: a string was not valid UTF-8.</summary>
        InvalidUtf8 = 101,
        /// <summary>Misuse: a malformed argument.</summary>
        InvalidArgument = 102,
        /// <summary>Misuse: a handle that is not live.</summary>
        InvalidHandle = 103,
        /// <summary>A bug inside the native library was caught at the boundary.</summary>
        Panic = 104,
        /// <summary>The operation is still running.</summary>
        NotReady = 105,
        /// <summary>The operation's result was already taken.</summary>
        AlreadyTaken = 106,
    }

    /// <summary>
    /// The base of every error the Renderiq service or SDK reports. Catch a subclass
    /// (<see cref="AuthenticationException"/>, <see cref="InsufficientCreditsException"/>, …) for
    /// one case, or this class for all. Cancellation is not a <see cref="RenderiqException"/>: it
    /// surfaces as <see cref="OperationCanceledException"/>, as everywhere in .NET.
    /// </summary>
    public class RenderiqException : Exception
    {
        /// <summary>Creates an error; the SDK creates these, tests and mocks may too.</summary>
        public RenderiqException(string message, RenderiqErrorKind kind = RenderiqErrorKind.Server, string code = null,
            int? httpStatus = null, string requestId = null, string detailsJson = null, Exception inner = null)
            : base(message, inner)
        {
            Kind = kind;
            Code = code;
            HttpStatus = httpStatus;
            RequestId = requestId;
            DetailsJson = detailsJson;
        }

        /// <summary>What kind of failure this is; its numeric value is the C ABI's status code.</summary>
        public RenderiqErrorKind Kind { get; }

        /// <summary>
        /// The API's machine-readable <c>errorCode</c> (<c>"INSUFFICIENT_CREDITS"</c>,
        /// <c>"INVALID_CREDENTIALS"</c>, <c>"WEBHOOK_BAD_SIGNATURE"</c>, …), or null when the
        /// failure did not come with one (e.g. a network error).
        /// </summary>
        public string Code { get; }

        /// <summary>The HTTP status of the failed response, or null when the server did not answer.</summary>
        public int? HttpStatus { get; }

        /// <summary>The server's request id: quote it to support. Null when there is none.</summary>
        public string RequestId { get; }

        /// <summary>
        /// The whole error as JSON: <c>{"kind", "code", "message", "display", "status",
        /// "requestId", "details", "requiredCredits", "availableCredits", "retryAfter"}</c>;
        /// <c>details</c> holds field errors for validation failures.
        /// </summary>
        public string DetailsJson { get; }

        /// <summary>
        /// The error's <c>details</c> as JSON text, or null when it has none: the API's field-error
        /// map for validation failures (<c>{"limit": "…"}</c>), the render for a failed render.
        /// </summary>
        public string Details { get { return ErrorDetails.Of(DetailsJson); } }

        /// <summary>
        /// What to do next, naming this SDK's C# methods (e.g. <c>check the e-mail and password
        /// given to SignInAsync</c>); also the part of <see cref="Exception.Message"/> in
        /// parentheses. Null when there is no hint.
        /// </summary>
        public string Hint { get { return ErrorDetails.Hint(DetailsJson); } }
    }

    /// <summary>Reads the <c>details</c> member of an error's JSON.</summary>
    internal static class ErrorDetails
    {
        internal static string Hint(string errorJson)
        {
            if (string.IsNullOrEmpty(errorJson)) return null;
            try
            {
                return Native.ErrorHints.For(JsonReader.ParseObject(errorJson).Raw("hintId") as string);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        internal static string Of(string errorJson)
        {
            if (string.IsNullOrEmpty(errorJson)) return null;
            try
            {
                object details = JsonReader.ParseObject(errorJson).Raw("details");
                return details == null ? null : JsonWriter.Serialize(details);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>Not signed in, the session expired and could not be refreshed, or wrong email/password (HTTP 401).</summary>
    public class AuthenticationException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public AuthenticationException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.Auth, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>The API key lacks a scope the call needs (HTTP 403, <c>INSUFFICIENT_SCOPE</c>).</summary>
    public class PermissionDeniedException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public PermissionDeniedException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.PermissionDenied, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>No such render, project, key or webhook, or it belongs to someone else (HTTP 404).</summary>
    public class NotFoundException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public NotFoundException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.NotFound, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>
    /// The request was rejected as invalid, by the server (HTTP 400/413, field errors in
    /// <see cref="RenderiqException.DetailsJson"/>) or by the SDK before sending.
    /// </summary>
    public class ValidationException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public ValidationException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.InvalidInput, code, httpStatus, requestId, detailsJson)
        {
            FieldErrors = ReadFieldErrors(detailsJson);
        }

        /// <summary>
        /// What is wrong with each field, by the API's field name (<c>style</c>,
        /// <c>aspectRatio</c>, <c>image</c>, …); empty when the server named no field.
        /// </summary>
        public IReadOnlyDictionary<string, string> FieldErrors { get; }

        private static IReadOnlyDictionary<string, string> ReadFieldErrors(string json)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (string.IsNullOrEmpty(json)) return result;
            try
            {
                JsonObject? details = JsonReader.ParseObject(json).Object("details");
                if (details.HasValue)
                    foreach (var kv in details.Value.Values)
                        result[kv.Key] = kv.Value as string ?? JsonWriter.Serialize(kv.Value);
            }
            catch (FormatException)
            {
                // Details are a convenience: a malformed document leaves them empty.
            }
            catch (ArgumentException)
            {
            }
            return result;
        }
    }

    /// <summary>Not enough credits for the render (HTTP 402). Nothing was charged.</summary>
    public class InsufficientCreditsException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public InsufficientCreditsException(string message, long? requiredCredits, long? availableCredits,
            string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.InsufficientCredits, code, httpStatus, requestId, detailsJson)
        {
            RequiredCredits = requiredCredits;
            AvailableCredits = availableCredits;
        }

        /// <summary>Credits the render needed, when the server said.</summary>
        public long? RequiredCredits { get; }

        /// <summary>Credits the account has, when the server said.</summary>
        public long? AvailableCredits { get; }
    }

    /// <summary>Too many requests (HTTP 429): wait <see cref="RetryAfter"/> and try again.</summary>
    public class RateLimitException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public RateLimitException(string message, TimeSpan? retryAfter,
            string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.RateLimited, code, httpStatus, requestId, detailsJson)
        {
            RetryAfter = retryAfter;
        }

        /// <summary>How long the server asked to wait, when it said.</summary>
        public TimeSpan? RetryAfter { get; }
    }

    /// <summary>An idempotency key reused with another body, or a state that does not allow the call (HTTP 409).</summary>
    public class ConflictException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public ConflictException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.Conflict, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>The server failed (HTTP 5xx) or answered something the SDK could not understand.</summary>
    public class ServerException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public ServerException(string message, RenderiqErrorKind kind = RenderiqErrorKind.Server, string code = null,
            int? httpStatus = null, string requestId = null, string detailsJson = null, TimeSpan? retryAfter = null)
            : base(message, kind, code, httpStatus, requestId, detailsJson)
        {
            RetryAfter = retryAfter;
        }

        /// <summary>How long the server asked to wait before trying again (a 503's <c>Retry-After</c>), when it said.</summary>
        public TimeSpan? RetryAfter { get; }
    }

    /// <summary>
    /// A call ended as cancelled with something to say about it: waiting for a render that was
    /// cancelled (<see cref="Details"/> holds the render). An <see cref="OperationCanceledException"/>,
    /// as every cancellation in .NET; cancelling your own token or operation gives a plain
    /// <see cref="System.Threading.Tasks.TaskCanceledException"/>.
    /// </summary>
    public class RenderiqCancelledException : OperationCanceledException
    {
        /// <summary>Creates the error.</summary>
        public RenderiqCancelledException(string message, string code = null, int? httpStatus = null, string requestId = null,
            string detailsJson = null, System.Threading.CancellationToken token = default(System.Threading.CancellationToken))
            : base(message, token)
        {
            Code = code;
            HttpStatus = httpStatus;
            RequestId = requestId;
            DetailsJson = detailsJson;
        }

        /// <summary>Always <see cref="RenderiqErrorKind.Cancelled"/>.</summary>
        public RenderiqErrorKind Kind { get { return RenderiqErrorKind.Cancelled; } }

        /// <summary>The API's <c>errorCode</c>, or null.</summary>
        public string Code { get; }

        /// <summary>The HTTP status of the failed response, or null.</summary>
        public int? HttpStatus { get; }

        /// <summary>The server's request id, or null.</summary>
        public string RequestId { get; }

        /// <summary>The whole error as JSON (see <see cref="RenderiqException.DetailsJson"/>).</summary>
        public string DetailsJson { get; }

        /// <summary>The error's <c>details</c> as JSON text (the cancelled render), or null.</summary>
        public string Details { get { return ErrorDetails.Of(DetailsJson); } }
    }

    /// <summary>The render ended in the failed state; its credits were refunded.</summary>
    public class RenderFailedException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public RenderFailedException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.RenderFailed, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>The server could not be reached (DNS, connection refused, TLS, reset).</summary>
    public class NetworkException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public NetworkException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.Network, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>
    /// A request timed out, or a wait passed its deadline (the render keeps running on the
    /// server: wait again or look it up later).
    /// </summary>
    public class RenderiqTimeoutException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public RenderiqTimeoutException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.Timeout, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>A screenshot could not be read, decoded or encoded.</summary>
    public class ImageException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public ImageException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.Image, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>
    /// A webhook delivery failed verification; <see cref="RenderiqException.Code"/> says why
    /// (<c>WEBHOOK_BAD_SIGNATURE</c>, <c>WEBHOOK_TIMESTAMP_TOO_OLD</c>,
    /// <c>WEBHOOK_TIMESTAMP_TOO_NEW</c>, <c>WEBHOOK_INVALID_TIMESTAMP</c>,
    /// <c>WEBHOOK_MISSING_HEADER</c>). Answer the delivery with HTTP 400.
    /// </summary>
    public class WebhookVerificationException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public WebhookVerificationException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.WebhookVerification, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>The token store (Windows Credential Manager, macOS Keychain, the encrypted file) failed.</summary>
    public class TokenStoreException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public TokenStoreException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.TokenStore, code, httpStatus, requestId, detailsJson) { }
    }

    /// <summary>The client was configured wrongly (base URL, certificate, proxy, token store, webhook secret).</summary>
    public class ConfigurationException : RenderiqException
    {
        /// <summary>Creates the error.</summary>
        public ConfigurationException(string message, string code = null, int? httpStatus = null, string requestId = null, string detailsJson = null)
            : base(message, RenderiqErrorKind.Config, code, httpStatus, requestId, detailsJson) { }
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
