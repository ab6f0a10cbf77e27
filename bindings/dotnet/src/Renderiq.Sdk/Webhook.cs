using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using Renderiq.Sdk.Json;
using Renderiq.Sdk.Native;

namespace Renderiq.Sdk
{
    /// <summary>
    /// Verifies webhook deliveries (Standard Webhooks: <c>webhook-id</c>,
    /// <c>webhook-timestamp</c>, <c>webhook-signature: v1,&lt;base64 HMAC-SHA256&gt;</c>,
    /// <c>whsec_</c> secrets). Constant-time comparison, a 5-minute timestamp tolerance, and
    /// several signatures in one header for key rotation, all done by the native library.
    /// </summary>
    /// <example>
    /// <code>
    /// // ASP.NET / HttpListener: verify the raw body before parsing it.
    /// WebhookEvent e = Webhook.VerifyEvent(secret, bodyBytes, request.Headers);
    /// if (e.Type == "render.completed") Show(e.Data);
    /// </code>
    /// </example>
    public static unsafe class Webhook
    {
        /// <summary>Header carrying the delivery id.</summary>
        public const string IdHeader = "webhook-id";
        /// <summary>Header carrying the unix timestamp of the delivery.</summary>
        public const string TimestampHeader = "webhook-timestamp";
        /// <summary>Header carrying the signatures.</summary>
        public const string SignatureHeader = "webhook-signature";

        /// <summary>How far a delivery's timestamp may be from now.</summary>
        public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

        /// <summary>
        /// Verifies a delivery. Throws when it is not authentic; returns quietly when it is.
        /// </summary>
        /// <param name="secret">The <c>whsec_…</c> secret shown when the webhook was registered.</param>
        /// <param name="body">The raw request body, exactly as received.</param>
        /// <param name="headers">The request headers (names compared case-insensitively).</param>
        /// <param name="now">The current time for the tolerance check; default is the system clock.</param>
        /// <exception cref="WebhookVerificationException">Bad signature, timestamp out of tolerance, or a header missing; <see cref="RenderiqException.Code"/> says which.</exception>
        /// <exception cref="ConfigException">A malformed secret (<c>WEBHOOK_BAD_SECRET</c>).</exception>
        public static void Verify(string secret, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, DateTimeOffset? now = null)
            => VerifyCore(secret, body, headers, now, false);

        /// <inheritdoc cref="Verify(string, byte[], IEnumerable{KeyValuePair{string, string}}, DateTimeOffset?)"/>
        public static void Verify(string secret, byte[] body, NameValueCollection headers, DateTimeOffset? now = null)
            => VerifyCore(secret, body, Pairs(headers), now, false);

        /// <summary>
        /// Verifies a delivery and reads its event. A correctly signed body is never refused for
        /// what it holds: for anything but a render event <see cref="WebhookEvent.Data"/> is null.
        /// </summary>
        /// <exception cref="DecodeException">The verified body is not JSON (kind <see cref="RenderiqErrorKind.Decode"/>).</exception>
        public static WebhookEvent VerifyEvent(string secret, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, DateTimeOffset? now = null)
            => ParseEvent(VerifyCore(secret, body, headers, now, true));

        /// <inheritdoc cref="VerifyEvent(string, byte[], IEnumerable{KeyValuePair{string, string}}, DateTimeOffset?)"/>
        public static WebhookEvent VerifyEvent(string secret, byte[] body, NameValueCollection headers, DateTimeOffset? now = null)
            => ParseEvent(VerifyCore(secret, body, Pairs(headers), now, true));

        /// <summary>The three Standard Webhooks headers of a <see cref="NameValueCollection"/> (which compares names case-insensitively).</summary>
        private static KeyValuePair<string, string>[] Pairs(NameValueCollection headers)
        {
            if (headers == null) throw new ArgumentNullException(nameof(headers));
            return Array.ConvertAll(new[] { IdHeader, TimestampHeader, SignatureHeader }, n => new KeyValuePair<string, string>(n, headers[n]));
        }

        /// <summary>The event; <c>data</c> is read as a render for <c>render.*</c> events only, a missing timestamp reads as the default.</summary>
        private static WebhookEvent ParseEvent(string json)
        {
            JsonObject o = JsonReader.ParseObject(json);
            JsonObject? d = o.Object("data");
            string type = o.String("type");
            bool render = d.HasValue && type != null && type.StartsWith("render.", StringComparison.Ordinal);
            return new WebhookEvent
            {
                Type = type,
                Timestamp = o.Has("timestamp") ? o.Date("timestamp") : default(DateTimeOffset),
                Data = render ? Render.FromJson(d.Value) : null,
            };
        }

        /// <summary>
        /// Signs a delivery as the server does: the <c>webhook-signature</c> value
        /// <c>v1,&lt;base64&gt;</c> of <c>"{msgId}.{timestamp}.{body}"</c>. For tests and for forwarding.
        /// </summary>
        public static string Sign(string secret, string msgId, long timestamp, byte[] body)
        {
            if (secret == null) throw new ArgumentNullException(nameof(secret));
            if (msgId == null) throw new ArgumentNullException(nameof(msgId));
            if (body == null) throw new ArgumentNullException(nameof(body));
            NativeLibraryLoader.EnsureLoaded();
            byte[] s = Interop.Utf8Z(secret, nameof(secret));
            byte[] m = Interop.Utf8Z(msgId, nameof(msgId));
            byte* signature = null;
            RenderiqError* error = null;
            int status;
            fixed (byte* sp = s)
            fixed (byte* mp = m)
            fixed (byte* bp = body)
            {
                status = NativeMethods.renderiq_webhook_sign(sp, mp, timestamp, bp, new UIntPtr((uint)body.Length), &signature, &error);
            }
            string result = Interop.TakeString(signature);
            Interop.Check(status, error);
            return result;
        }

        /// <summary>The three Standard Webhooks headers, in one pass; names compared case-insensitively, first wins.</summary>
        private static void Find(IEnumerable<KeyValuePair<string, string>> headers, out string id, out string timestamp, out string signature)
        {
            id = timestamp = signature = null;
            foreach (var kv in headers)
            {
                if (kv.Key == null) continue;
                if (id == null && string.Equals(kv.Key, IdHeader, StringComparison.OrdinalIgnoreCase)) id = kv.Value;
                else if (timestamp == null && string.Equals(kv.Key, TimestampHeader, StringComparison.OrdinalIgnoreCase)) timestamp = kv.Value;
                else if (signature == null && string.Equals(kv.Key, SignatureHeader, StringComparison.OrdinalIgnoreCase)) signature = kv.Value;
            }
        }

        private static string VerifyCore(string secret, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, DateTimeOffset? now, bool parse)
        {
            if (headers == null) throw new ArgumentNullException(nameof(headers));
            string id, timestamp, signature;
            Find(headers, out id, out timestamp, out signature);
            if (secret == null) throw new ArgumentNullException(nameof(secret));
            if (body == null) throw new ArgumentNullException(nameof(body));
            NativeLibraryLoader.EnsureLoaded();
            byte[] s = Interop.Utf8Z(secret, nameof(secret));
            byte[] i = Interop.Utf8Z(id, IdHeader);
            byte[] t = Interop.Utf8Z(timestamp, TimestampHeader);
            byte[] g = Interop.Utf8Z(signature, SignatureHeader);
            long nowUnix = now.HasValue ? now.Value.ToUnixTimeSeconds() : 0;
            if (now.HasValue && nowUnix == 0) nowUnix = 1; // 0 asks the library for the system clock
            byte* json = null;
            RenderiqError* error = null;
            int status;
            fixed (byte* sp = s)
            fixed (byte* bp = body)
            fixed (byte* ip = i)
            fixed (byte* tp = t)
            fixed (byte* gp = g)
            {
                status = NativeMethods.renderiq_webhook_verify(sp, bp, new UIntPtr((uint)body.Length), ip, tp, gp, nowUnix,
                    parse ? &json : null, &error);
            }
            string result = Interop.TakeString(json);
            Interop.Check(status, error);
            return result;
        }
    }
}
