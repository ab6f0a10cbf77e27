using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Text;
using NUnit.Framework;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk.Tests
{
    /// <summary>The Standard Webhooks vectors every binding runs (tests/vectors/standard-webhooks.json).</summary>
    [TestFixture]
    public class WebhookTests
    {
        private static JsonObject Vectors()
        {
            string path = Path.Combine(Path.Combine(Path.Combine(TestServer.RepoRoot, "tests"), "vectors"), "standard-webhooks.json");
            return JsonReader.ParseObject(File.ReadAllText(path, Encoding.UTF8));
        }

        private static Dictionary<string, string> Headers(string id, long timestamp, string signature)
        {
            return new Dictionary<string, string>
            {
                { "webhook-id", id },
                { "webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                { "webhook-signature", signature },
            };
        }

        [Test]
        public void Sign_StandardVectors_MatchThePublishedSignatures()
        {
            List<JsonObject> vectors = Vectors().ObjectList("sign", o => o);
            Assert.That(vectors.Count, Is.GreaterThanOrEqualTo(2));
            foreach (JsonObject v in vectors)
            {
                string sig = Webhook.Sign(v.String("secret"), v.String("msg_id"), v.Long("timestamp"), Encoding.UTF8.GetBytes(v.String("payload")));
                Assert.AreEqual(v.String("signature"), sig);
            }
        }

        [Test]
        public void Verify_StandardVectors_AcceptValidAndRejectTheRest()
        {
            List<JsonObject> vectors = Vectors().ObjectList("verify", o => o);
            Assert.That(vectors.Count, Is.GreaterThanOrEqualTo(5));
            foreach (JsonObject v in vectors)
            {
                long ts = v.Long("timestamp");
                var headers = Headers(v.String("msg_id"), ts, v.String("signature_header"));
                byte[] body = Encoding.UTF8.GetBytes(v.String("payload"));
                DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(ts);
                if (v.Bool("valid"))
                {
                    Assert.DoesNotThrow(() => Webhook.Verify(v.String("secret"), body, headers, now), v.String("name"));
                }
                else
                {
                    var e = Assert.Throws<WebhookVerificationException>(() => Webhook.Verify(v.String("secret"), body, headers, now), v.String("name"));
                    Assert.AreEqual(RenderiqErrorKind.WebhookVerification, e.Kind, v.String("name"));
                    Assert.AreEqual("WEBHOOK_BAD_SIGNATURE", e.Code, v.String("name"));
                }
            }
        }

        [Test]
        public void Verify_TimestampOutsideTolerance_ThrowsWithItsCode()
        {
            JsonObject v = Vectors().ObjectList("verify", o => o)[0];
            long ts = v.Long("timestamp");
            var headers = Headers(v.String("msg_id"), ts, v.String("signature_header"));
            byte[] body = Encoding.UTF8.GetBytes(v.String("payload"));
            var old = Assert.Throws<WebhookVerificationException>(() =>
                Webhook.Verify(v.String("secret"), body, headers, DateTimeOffset.FromUnixTimeSeconds(ts) + Webhook.Tolerance + TimeSpan.FromSeconds(5)));
            Assert.AreEqual("WEBHOOK_TIMESTAMP_TOO_OLD", old.Code);
            var future = Assert.Throws<WebhookVerificationException>(() =>
                Webhook.Verify(v.String("secret"), body, headers, DateTimeOffset.FromUnixTimeSeconds(ts) - Webhook.Tolerance - TimeSpan.FromSeconds(5)));
            Assert.AreEqual("WEBHOOK_TIMESTAMP_TOO_NEW", future.Code);
            // With the system clock, the vector (from 2021) is far too old.
            Assert.AreEqual("WEBHOOK_TIMESTAMP_TOO_OLD", Assert.Throws<WebhookVerificationException>(() =>
                Webhook.Verify(v.String("secret"), body, headers)).Code);
        }

        [Test]
        public void Verify_MissingHeader_ThrowsWithItsCode()
        {
            var headers = new Dictionary<string, string> { { "webhook-id", "msg_1" }, { "webhook-timestamp", "1614265330" } };
            var e = Assert.Throws<WebhookVerificationException>(() =>
                Webhook.Verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", new byte[] { 1 }, headers, DateTimeOffset.FromUnixTimeSeconds(1614265330)));
            Assert.AreEqual("WEBHOOK_MISSING_HEADER", e.Code);
        }

        [Test]
        public void Verify_NameValueCollectionWithOtherCase_IsAccepted()
        {
            JsonObject v = Vectors().ObjectList("verify", o => o)[0];
            var headers = new NameValueCollection
            {
                { "Webhook-Id", v.String("msg_id") },
                { "WEBHOOK-TIMESTAMP", v.Long("timestamp").ToString(System.Globalization.CultureInfo.InvariantCulture) },
                { "Webhook-Signature", v.String("signature_header") },
            };
            Assert.DoesNotThrow(() => Webhook.Verify(v.String("secret"), Encoding.UTF8.GetBytes(v.String("payload")), headers,
                DateTimeOffset.FromUnixTimeSeconds(v.Long("timestamp"))));
        }

        [Test]
        public void Verify_MalformedSecret_ThrowsConfigException()
        {
            var e = Assert.Throws<ConfigException>(() =>
                Webhook.Verify("not-a-secret!", new byte[] { 1 }, Headers("m", 1, "v1,x"), DateTimeOffset.FromUnixTimeSeconds(1)));
            Assert.AreEqual("WEBHOOK_BAD_SECRET", e.Code);
        }

        [Test]
        public void VerifyEvent_SignedRenderEvent_ReturnsTheTypedEvent()
        {
            const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
            byte[] body = Encoding.UTF8.GetBytes("{\"type\":\"render.completed\",\"timestamp\":\"2025-03-01T10:00:00Z\",\"data\":{" +
                "\"id\":\"rnd_9\",\"status\":\"completed\",\"progress\":100,\"style\":\"clay\",\"quality\":\"high\",\"aspectRatio\":\"4:3\"," +
                "\"creditsCost\":10,\"platform\":\"autocad\",\"outputUrl\":\"http://x/o.png\",\"createdAt\":\"2025-03-01T09:59:00Z\",\"updatedAt\":\"2025-03-01T10:00:00Z\"}}");
            long ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            string sig = Webhook.Sign(secret, "msg_42", ts, body);
            WebhookEvent e = Webhook.VerifyEvent(secret, body, Headers("msg_42", ts, sig));
            Assert.AreEqual("render.completed", e.Type);
            Assert.AreEqual("rnd_9", e.Data.Id);
            Assert.AreEqual(Platform.Autocad, e.Data.Platform);
            Assert.AreEqual(RenderStatus.Completed, e.Data.Status);
        }

        [Test]
        public void VerifyEvent_AuthenticBodyThatIsNoRenderEvent_IsAcceptedWithoutData()
        {
            const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
            byte[] body = Encoding.UTF8.GetBytes("{\"type\":\"account.updated\",\"data\":{\"plan\":\"pro\"}}");
            long ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            string sig = Webhook.Sign(secret, "msg_1", ts, body);
            WebhookEvent e = Webhook.VerifyEvent(secret, body, Headers("msg_1", ts, sig));
            Assert.AreEqual("account.updated", e.Type);
            Assert.IsNull(e.Data);
        }

        [Test]
        public void VerifyEvent_AuthenticBodyThatIsNotJson_ThrowsDecodeError()
        {
            const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
            byte[] body = Encoding.UTF8.GetBytes("hello");
            long ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            string sig = Webhook.Sign(secret, "msg_1", ts, body);
            Webhook.Verify(secret, body, Headers("msg_1", ts, sig));
            var e = Assert.Throws<DecodeException>(() => Webhook.VerifyEvent(secret, body, Headers("msg_1", ts, sig)));
            Assert.AreEqual(RenderiqErrorKind.Decode, e.Kind);
        }
    }
}
