using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk.Tests
{
    /// <summary>The generic call entry: <see cref="RenderiqClient.CallAsync"/>, <see cref="RenderiqClient.Call"/>, <see cref="RenderiqClient.Start"/>.</summary>
    [TestFixture]
    public class CallTests
    {
        private const string SmallRawRender =
            "{\"call\":\"create_render\",\"image\":{\"kind\":\"raw\",\"width\":2,\"height\":2,\"stride\":12,\"pixelFormat\":\"bgra8\",\"bottomUp\":true}}";

        // 2 x 2 BGRA, rows of 12 bytes (4 bytes of padding), the last row short: 20 bytes.
        private static readonly byte[] SmallRawPixels =
        {
            0, 0, 255, 255, 0, 255, 0, 255, 9, 9, 9, 9,
            255, 0, 0, 255, 255, 255, 255, 255,
        };

        private static string RenderJson(string prompt)
        {
            return "{\"call\":\"render\",\"image\":{\"kind\":\"raw\",\"width\":2,\"height\":2,\"stride\":12,\"pixelFormat\":\"bgra8\",\"bottomUp\":true}," +
                "\"settings\":{\"prompt\":\"" + prompt + "\"}}";
        }

        [Test]
        public async Task CallAsync_Credits_AnswersTheBalanceAsJson()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                string json = await client.CallAsync("{\"call\":\"credits\"}");
                Assert.AreEqual(client.GetCredits().Balance, JsonReader.ParseObject(json).Long("balance"));
            }
        }

        [Test]
        public void CallAsync_UnknownCall_ThrowsValidationExceptionListingTheCalls()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                var e = Assert.Throws<ValidationException>(() => client.CallAsync("{\"call\":\"fly\"}"));
                StringAssert.Contains("create_render", e.Message);
            }
        }

        [Test]
        public void Call_RawPixelsBesideTheCall_CreatesThePendingRender()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                JsonObject render = JsonReader.ParseObject(client.Call(SmallRawRender, SmallRawPixels));
                Assert.IsNotNull(render.String("id"));
                Assert.AreEqual(render.String("id"), client.RetrieveRender(render.String("id")).Id);
            }
        }

        [Test]
        public void CallAsync_WrongPassword_HintNamesTheCSharpMethod()
        {
            using (RenderiqClient client = Servers.Default.NewClient())
            {
                var e = Assert.Throws<AuthException>(() => client.CallAsync(
                    "{\"call\":\"sign_in\",\"email\":\"" + Servers.Main + "\",\"password\":\"not-it\"}").GetAwaiter().GetResult());
                StringAssert.Contains("SignInAsync", e.Message);
                StringAssert.DoesNotContain("sign_in", e.Message);
                StringAssert.Contains(e.RequestId, e.Message);
            }
        }

        [Test]
        public void Start_Render_ProgressVersionGrowsAndEndsAtOneHundredPercent()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            using (RenderiqOperation op = client.Start(RenderJson("progress"), SmallRawPixels))
            {
                string result = op.Completion.GetAwaiter().GetResult();
                Assert.AreEqual("completed", JsonReader.ParseObject(result).String("status"));
                JsonObject progress = JsonReader.ParseObject(op.ProgressJson);
                Assert.That(progress.Long("version"), Is.GreaterThan(0));
                Assert.AreEqual(100, progress.Int("percent"));
                Assert.IsTrue(op.Progress.Done);
            }
        }

        [Test]
        public void Start_CancelledWhileItsRenderIsPending_WithdrawsItAndRefunds()
        {
            using (RenderiqClient client = Servers.OneWorker.SignedIn(Servers.Withdrawer))
            {
                client.Call(SmallRawRender, SmallRawPixels); // keeps the only worker busy
                long before = client.GetCredits().Balance;
                RenderiqOperation op = client.Start(RenderJson("withdrawn by Start"), SmallRawPixels);
                RenderProgress p = op.Progress;
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (p.Stage != "pending" && !op.IsCompleted && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(10);
                    p = op.Progress;
                }
                Assert.AreEqual("pending", p.Stage);
                string id = p.Render.Id;
                op.Cancel();
                Assert.Throws<TaskCanceledException>(() => op.Completion.GetAwaiter().GetResult());
                AssertWithdrawn(client, id, before);
            }
        }

        [Test]
        public void CallAsync_TokenCancelledWhileItsRenderIsPending_WithdrawsItAndRefunds()
        {
            using (RenderiqClient client = Servers.OneWorker.SignedIn(Servers.Withdrawer))
            using (var cts = new CancellationTokenSource())
            {
                client.Call(SmallRawRender, SmallRawPixels); // keeps the only worker busy
                long before = client.GetCredits().Balance;
                Task<string> task = client.CallAsync(RenderJson("withdrawn by CallAsync"), SmallRawPixels, cts.Token);
                // The render exists once it was charged.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (client.GetCredits().Balance == before && DateTime.UtcNow < deadline) Thread.Sleep(10);
                Assert.That(client.GetCredits().Balance, Is.LessThan(before), "charged");
                Render pending = client.ListRenders(status: RenderStatus.Pending).Items[0];

                cts.Cancel();
                var e = Assert.Throws<TaskCanceledException>(() => task.GetAwaiter().GetResult());
                Assert.AreEqual(cts.Token, e.CancellationToken);
                AssertWithdrawn(client, pending.Id, before);
            }
        }

        [Test]
        public void ClientOptions_NegativeMaxRetries_IsRefusedByTheCore()
        {
            var e = Assert.Throws<ConfigException>(() => new RenderiqClient(new ClientOptions { BaseUrl = "http://127.0.0.1:9", MaxRetries = -1 }));
            StringAssert.Contains("-1", e.Message);
        }

        [Test]
        public void CallAsync_WaitForACancelledRender_ThrowsRenderiqCancelledExceptionWithTheRender()
        {
            using (RenderiqClient client = Servers.OneWorker.SignedIn(Servers.Withdrawer))
            {
                client.Call(SmallRawRender, SmallRawPixels); // keeps the only worker busy
                string id = JsonReader.ParseObject(client.Call(SmallRawRender, SmallRawPixels)).String("id");
                client.CancelRender(id);
                var e = Assert.Throws<RenderiqCancelledException>(() =>
                    client.CallAsync("{\"call\":\"wait_for_render\",\"id\":\"" + id + "\"}").GetAwaiter().GetResult());
                Assert.AreEqual(RenderiqErrorKind.Cancelled, e.Kind);
                JsonObject render = JsonReader.ParseObject(e.Details);
                Assert.AreEqual(id, render.String("id"));
                Assert.AreEqual("cancelled", render.String("status"));
            }
        }

        [Test]
        public void ValidationException_Details_IsTheFieldErrorMapAndHintIsSeparate()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                var e = Assert.Throws<ValidationException>(() => client.CallAsync("{\"call\":\"list_renders\",\"limit\":101}").GetAwaiter().GetResult());
                Assert.IsTrue(JsonReader.ParseObject(e.Details).Has("limit"), e.Details);
                Assert.IsNotNull(e.Hint);
                StringAssert.Contains("(" + e.Hint + ")", e.Message);
            }
        }

        [Test]
        public void GetCreditTransactionsAsync_PageZero_IsRefusedByTheCoreNamingPage()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                var e = Assert.Throws<ValidationException>(() => client.GetCreditTransactionsAsync(0).GetAwaiter().GetResult());
                Assert.IsTrue(e.FieldErrors.ContainsKey("page"), e.ErrorJson);
            }
        }

        [Test]
        public async Task DownloadRenderToFileAsync_CompletedRender_WritesTheFileAndAnswersItsSize()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                Render render = Render.Parse(client.Call(RenderJson("downloaded"), SmallRawPixels));
                string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "renderiq-call-" + Guid.NewGuid().ToString("N") + ".png");
                try
                {
                    long size = await client.DownloadRenderToFileAsync(render, path);
                    Assert.AreEqual(new System.IO.FileInfo(path).Length, size);
                    Assert.That(size, Is.GreaterThan(0));
                }
                finally
                {
                    System.IO.File.Delete(path);
                }
            }
        }

        private static void AssertWithdrawn(RenderiqClient client, string id, long before)
        {
            // The withdrawal runs in the background: wait for the server to say so.
            Render now = client.RetrieveRender(id);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (now.Status == RenderStatus.Pending && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
                now = client.RetrieveRender(id);
            }
            Assert.AreEqual(RenderStatus.Cancelled, now.Status);
            Assert.AreEqual(before, client.GetCredits().Balance, "refunded");
        }
    }
}
