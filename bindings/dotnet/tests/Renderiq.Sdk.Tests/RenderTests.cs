using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Renderiq.Sdk.Tests
{
    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them to the pool).</summary>
    internal sealed class RecordingProgress : IProgress<RenderProgress>
    {
        public readonly ConcurrentQueue<RenderProgress> Reports = new ConcurrentQueue<RenderProgress>();
        public readonly ManualResetEventSlim SawRender = new ManualResetEventSlim(false);

        public void Report(RenderProgress value)
        {
            Reports.Enqueue(value);
            if (value.Render != null && value.Render.Id != null) SawRender.Set();
        }

        private static readonly string[] StageOrder = { "preparing", "uploading", "pending", "processing", "completed" };

        /// <summary>
        /// Progress never goes back: stages only move forward (the upload, then the render's
        /// statuses), and within the upload and within the render the percentage never drops
        /// (it restarts at 0 when the upload ends and the render is queued).
        /// </summary>
        public void AssertNeverWentBack()
        {
            int lastRank = -1, lastPercent = 0;
            foreach (RenderProgress p in Reports)
            {
                if (p.Stage == null) continue; // before the worker thread's first report
                int rank = Array.IndexOf(StageOrder, p.Stage);
                Assert.That(rank, Is.GreaterThanOrEqualTo(0), "unknown stage " + p.Stage);
                Assert.That(rank, Is.GreaterThanOrEqualTo(lastRank), "the stage went back to " + p.Stage);
                if ((rank >= 2) == (lastRank >= 2))
                    Assert.That(p.Percent, Is.GreaterThanOrEqualTo(lastPercent), "progress went down at " + p.Stage);
                lastRank = rank;
                lastPercent = p.Percent;
            }
        }
    }

    /// <summary>The scenario every binding runs against the reference server.</summary>
    [TestFixture]
    public class RenderScenarioTests
    {
        [Test]
        public async Task RenderScenario_RawBgraPixelsWithPaddedStride_CompletesWithProgressAndDownloads()
        {
            using (RenderiqClient client = Servers.Default.NewClient())
            {
                // Sign in.
                User user = await client.SignInAsync(Servers.Main, TestServer.Password);
                Assert.AreEqual(Servers.Main, user.Email);
                long before = (await client.GetCreditsAsync()).Balance;

                // A 320x200 BGRA capture whose rows are padded to a 64-byte boundary plus 64 bytes.
                const int width = 320, height = 200, stride = width * 4 + 64;
                byte[] pixels = TestImages.Bgra(width, height, stride);
                RenderImage image = RenderImage.FromPixels(pixels, width, height, stride, PixelFormat.Bgra32);

                // Create, then wait with progress.
                var createProgress = new RecordingProgress();
                Render created = await client.CreateRenderAsync(image,
                    new RenderOptions { Prompt = "warm evening light", Style = "photorealistic", Quality = Quality.Standard, AspectRatio = "16:9" },
                    createProgress);
                Array.Clear(pixels, 0, pixels.Length); // the library copied the pixels before the call returned
                Assert.IsNotNull(created.Id);
                Assert.That(created.Status, Is.EqualTo(RenderStatus.Pending).Or.EqualTo(RenderStatus.Processing));
                Assert.AreEqual(5, created.CreditsCost);
                Assert.AreEqual(Platform.Revit, created.Platform);

                var waitProgress = new RecordingProgress();
                Render done = await client.WaitForRenderAsync(created.Id, TimeSpan.FromMinutes(2), waitProgress);
                Assert.AreEqual(RenderStatus.Completed, done.Status);
                Assert.AreEqual(100, done.Progress);
                Assert.IsNotNull(done.OutputUrl);
                Assert.IsNotNull(done.CompletedAt);
                Assert.That(waitProgress.Reports.Count, Is.GreaterThanOrEqualTo(1), "progress was reported");
                waitProgress.AssertNeverWentBack();
                RenderProgress last = waitProgress.Reports.Last();
                Assert.IsTrue(last.Done);
                Assert.AreEqual(100, last.Percent);
                Assert.AreEqual(created.Id, last.Render.Id);

                // Download.
                byte[] output = await client.DownloadRenderAsync(done);
                Assert.IsTrue(TestImages.IsPng(output) || TestImages.IsJpeg(output), "an image came back");
                byte[] byId = await client.DownloadRenderAsync(done.Id);
                CollectionAssert.AreEqual(output, byId);
                using (var cancelled = new CancellationTokenSource())
                {
                    cancelled.Cancel();
                    Assert.Throws<TaskCanceledException>(() => client.DownloadRenderAsync(done.Id, cancelled.Token).GetAwaiter().GetResult());
                }
                Assert.Throws<NotFoundException>(() => client.DownloadRenderAsync("00000000-0000-0000-0000-000000000000").GetAwaiter().GetResult());

                // Credits were spent once.
                Assert.AreEqual(before - 5, (await client.GetCreditsAsync()).Balance);
                Page<CreditTransaction> ledger = await client.GetCreditTransactionsAsync(1, 5);
                Assert.IsTrue(ledger.Items.Any(t => t.Type == TransactionType.Spend && t.ReferenceId == created.Id && t.Amount == -5));
            }
        }

        [Test]
        public async Task RenderAsync_CreateAndWaitInOneOperation_ReportsStagesAndCompletes()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                var progress = new RecordingProgress();
                Render r = await client.RenderAsync(
                    RenderImage.FromPixels(TestImages.Bgra(200, 150, 800), 200, 150, 800, PixelFormat.Bgra32),
                    new RenderOptions { Prompt = "clay model", Style = "clay" }, progress);
                Assert.AreEqual(RenderStatus.Completed, r.Status);
                Assert.AreEqual("clay", r.Style);
                Assert.IsTrue(progress.Reports.Last().Done);
                Assert.AreEqual("completed", progress.Reports.Last().Stage);
                progress.AssertNeverWentBack();
                Assert.AreEqual(RenderStatus.Completed, (await client.RetrieveRenderAsync(r.Id)).Status);
            }
        }

        [Test]
        public void Render_Synchronous_CompletesAndDownloadsToAFile()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                string sample = Path.Combine(Path.Combine(Path.Combine(TestServer.RepoRoot, "examples"), "assets"), "sample-viewport.png");
                Render r = client.Render(RenderImage.FromFile(sample), new RenderOptions { Prompt = "from a file", WaitTimeout = TimeSpan.FromMinutes(2) });
                Assert.AreEqual(RenderStatus.Completed, r.Status);
                string target = Path.Combine(Path.GetTempPath(), "renderiq-dotnet-" + Guid.NewGuid().ToString("N") + ".png");
                try
                {
                    long size = client.DownloadRenderToFile(r, target);
                    Assert.AreEqual(new FileInfo(target).Length, size);
                    Assert.IsTrue(TestImages.IsPng(File.ReadAllBytes(target)) || TestImages.IsJpeg(File.ReadAllBytes(target)));
                }
                finally
                {
                    File.Delete(target);
                }
            }
        }

        [Test]
        public async Task CreateRenderAsync_EncodedBytesFromUnmanagedPixels_Completes()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                const int w = 64, h = 48, stride = w * 4;
                byte[] managed = TestImages.Bgra(w, h, stride);
                IntPtr unmanaged = Marshal.AllocHGlobal(managed.Length);
                Render created;
                try
                {
                    Marshal.Copy(managed, 0, unmanaged, managed.Length);
                    PreparedImage png = RenderiqClient.PrepareImage(RenderImage.FromPixels(unmanaged, w, h, stride, PixelFormat.Bgra32),
                        new RenderOptions { Format = UploadFormat.Png });
                    created = await client.CreateRenderAsync(RenderImage.FromBytes(png.Bytes));
                }
                finally
                {
                    Marshal.FreeHGlobal(unmanaged);
                }
                Render done = client.WaitForRender(created.Id, TimeSpan.FromMinutes(2));
                Assert.AreEqual(RenderStatus.Completed, done.Status);
            }
        }

        [Test]
        public async Task RenderAsync_SeveralAtOnceFromOneClient_AllComplete()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                var tasks = new List<Task<Render>>();
                for (int i = 0; i < 6; i++)
                {
                    int n = i;
                    // Started from different threads, sharing one client.
                    tasks.Add(Task.Run(() => client.RenderAsync(
                        RenderImage.FromPixels(TestImages.Bgra(40 + n, 30, (40 + n) * 4), 40 + n, 30, (40 + n) * 4, PixelFormat.Bgra32),
                        new RenderOptions { Prompt = "parallel " + n, Quality = Quality.Standard })));
                }
                Render[] done = await Task.WhenAll(tasks);
                Assert.IsTrue(done.All(r => r.Status == RenderStatus.Completed));
                Assert.AreEqual(6, done.Select(r => r.Id).Distinct().Count());
            }
        }

        [Test]
        public async Task ListRendersAsync_AfterARender_FindsItByStatus()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                Render r = await client.RenderAsync(RenderImage.FromPixels(TestImages.Bgra(32, 32, 128), 32, 32, 128, PixelFormat.Rgba32));
                Page<Render> page = await client.ListRendersAsync(status: RenderStatus.Completed, limit: 50);
                Assert.IsTrue(page.Items.Any(x => x.Id == r.Id));
                Assert.IsTrue(page.Items.All(x => x.Status == RenderStatus.Completed));
                Assert.AreEqual(50, page.Limit);
                Assert.AreEqual(1, page.PageNumber);
                Assert.That(page.Total, Is.GreaterThanOrEqualTo(1));
            }
        }
    }

    /// <summary>Every error surfaces as its exception class with its fields.</summary>
    [TestFixture]
    public class RenderErrorTests
    {
        private static RenderImage Small()
        {
            return RenderImage.FromPixels(TestImages.Bgra(48, 32, 48 * 4 + 16), 48, 32, 48 * 4 + 16, PixelFormat.Bgra32);
        }

        [Test]
        public void CreateRenderAsync_NoCredits_ThrowsInsufficientCreditsExceptionWithFigures()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Poor))
            {
                var e = Assert.Throws<InsufficientCreditsException>(() =>
                    client.CreateRenderAsync(Small(), new RenderOptions { Quality = Quality.High }).GetAwaiter().GetResult());
                Assert.AreEqual(RenderiqErrorKind.InsufficientCredits, e.Kind);
                Assert.AreEqual("INSUFFICIENT_CREDITS", e.Code);
                Assert.AreEqual(402, e.HttpStatus);
                Assert.AreEqual(10, e.RequiredCredits);
                Assert.AreEqual(0, e.AvailableCredits);
                Assert.IsNotNullOrEmpty(e.RequestId);
                StringAssert.Contains("\"requiredCredits\":10", e.ErrorJson);
            }
        }

        [Test]
        public void GetRenderAsync_UnknownId_ThrowsNotFoundException()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                var e = Assert.Throws<NotFoundException>(() => client.RetrieveRenderAsync("rnd_does_not_exist").GetAwaiter().GetResult());
                Assert.AreEqual(404, e.HttpStatus);
                Assert.AreEqual("NOT_FOUND", e.Code);
                Assert.IsNotNullOrEmpty(e.RequestId);
            }
        }

        [Test]
        public void CreateRender_UnknownStyleAndAspectRatio_ThrowsValidationExceptionNamingTheFields()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                var e = Assert.Throws<ValidationException>(() =>
                    client.CreateRender(Small(), new RenderOptions { Style = "cubist", AspectRatio = "7:5" }));
                Assert.AreEqual(RenderiqErrorKind.InvalidInput, e.Kind);
                Assert.AreEqual("INVALID_INPUT", e.Code);
                Assert.AreEqual(400, e.HttpStatus);
                Assert.IsTrue(e.FieldErrors.ContainsKey("style"), e.ErrorJson);
                Assert.IsTrue(e.FieldErrors.ContainsKey("aspectRatio"), e.ErrorJson);
            }
        }

        [Test]
        public void RenderAsync_PromptWithFailMarker_ThrowsRenderFailedExceptionAndRefunds()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                long before = client.GetCredits().Balance;
                var e = Assert.Throws<RenderFailedException>(() =>
                    client.RenderAsync(Small(), new RenderOptions { Prompt = "this one will [fail]" }).GetAwaiter().GetResult());
                Assert.AreEqual(RenderiqErrorKind.RenderFailed, e.Kind);
                Assert.IsNotNullOrEmpty(e.Message);
                Assert.AreEqual(before, client.GetCredits().Balance, "the failed render's credits were refunded");
            }
        }

        [Test]
        public void CreateRender_SecondWithinTheMinute_ThrowsRateLimitExceptionWithRetryAfter()
        {
            using (RenderiqClient client = Servers.RateLimited.SignedIn(Servers.Limited, maxRetries: 0))
            {
                client.CreateRender(Small());
                var e = Assert.Throws<RateLimitException>(() => client.CreateRender(Small()));
                Assert.AreEqual(RenderiqErrorKind.RateLimited, e.Kind);
                Assert.AreEqual("RATE_LIMIT_EXCEEDED", e.Code);
                Assert.AreEqual(429, e.HttpStatus);
                Assert.IsTrue(e.RetryAfter.HasValue, "Retry-After was given");
                Assert.That(e.RetryAfter.Value, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromMinutes(1)));
            }
        }

        [Test]
        public void DownloadRender_PendingRender_ThrowsValidationException()
        {
            using (RenderiqClient client = Servers.Slow.SignedIn(Servers.Main))
            {
                Render created = client.CreateRender(Small());
                var e = Assert.Throws<ValidationException>(() => client.DownloadRender(created));
                Assert.AreEqual(RenderiqErrorKind.InvalidInput, e.Kind);
            }
        }

        [Test]
        public void RenderImage_InconsistentGeometry_ThrowsBeforeAnyCall()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => RenderImage.FromPixels(new byte[100], 10, 2, 39, PixelFormat.Bgra32));
            Assert.Throws<ArgumentException>(() => RenderImage.FromPixels(new byte[79], 10, 2, 40, PixelFormat.Bgra32));
            Assert.Throws<ArgumentOutOfRangeException>(() => RenderImage.FromPixels(new byte[100], 0, 2, 40, PixelFormat.Bgra32));
            Assert.Throws<ArgumentNullException>(() => RenderImage.FromPixels((byte[])null, 1, 1, 4, PixelFormat.Bgra32));
            Assert.Throws<ArgumentException>(() => RenderImage.FromBytes(new byte[0]));
            // The last row needs no padding: stride * (height - 1) + width * 4 bytes suffice.
            Assert.DoesNotThrow(() => RenderImage.FromPixels(new byte[40 + 44], 10, 2, 44, PixelFormat.Bgra32));
        }

        [Test]
        public void PrepareImage_NotAnImage_ThrowsImageException()
        {
            var e = Assert.Throws<ImageException>(() => RenderiqClient.PrepareImage(RenderImage.FromBytes(new byte[] { 1, 2, 3, 4, 5 })));
            Assert.AreEqual(RenderiqErrorKind.Image, e.Kind);
        }
    }

    /// <summary>Cancellation through CancellationToken, against a slow server.</summary>
    [TestFixture]
    public class CancellationTests
    {
        private static RenderImage Small()
        {
            return RenderImage.FromPixels(TestImages.Bgra(64, 64, 256), 64, 64, 256, PixelFormat.Bgra32);
        }

        [Test]
        public void RenderAsync_CancelledMidway_CompletesAsCanceledWithTheToken()
        {
            using (RenderiqClient client = Servers.Slow.SignedIn(Servers.Main))
            using (var cts = new CancellationTokenSource())
            {
                var progress = new RecordingProgress();
                Task<Render> task = client.RenderAsync(Small(), new RenderOptions { Prompt = "slow" }, progress, cts.Token);
                Assert.IsTrue(progress.SawRender.Wait(TimeSpan.FromSeconds(30)), "the render was created");
                Assert.IsFalse(task.IsCompleted, "a 15 s render is still running");
                cts.Cancel();
                var e = Assert.Throws<TaskCanceledException>(() => task.GetAwaiter().GetResult());
                // Prompt: the task ended before its 15 s render could, on the server's own timeline
                // (the render is still running, or was withdrawn while pending), whatever the load.
                string id = progress.Reports.Where(p => p.Render != null && p.Render.Id != null).Select(p => p.Render.Id).First();
                Assert.AreNotEqual(RenderStatus.Completed, client.RetrieveRenderAsync(id).GetAwaiter().GetResult().Status,
                    "the cancelled task waited for the render to finish");
                Assert.AreEqual(cts.Token, e.CancellationToken);
                Assert.IsTrue(task.IsCanceled);
                Assert.IsInstanceOf<OperationCanceledException>(e);
            }
        }

        [Test]
        public void WaitForRenderAsync_CancelledMidway_StopsWaitingWhileTheRenderGoesOn()
        {
            using (RenderiqClient client = Servers.Slow.SignedIn(Servers.Main))
            using (var cts = new CancellationTokenSource())
            {
                Render created = client.CreateRender(Small());
                Task<Render> wait = client.WaitForRenderAsync(created.Id, null, null, cts.Token);
                Thread.Sleep(300);
                Assert.IsFalse(wait.IsCompleted);
                cts.Cancel();
                Assert.Throws<TaskCanceledException>(() => wait.GetAwaiter().GetResult());
                Render now = client.RetrieveRender(created.Id);
                Assert.That(now.Status, Is.EqualTo(RenderStatus.Pending).Or.EqualTo(RenderStatus.Processing));
            }
        }

        [Test]
        public void CreateRenderAsync_AlreadyCancelledToken_ReturnsACanceledTaskWithoutStarting()
        {
            using (RenderiqClient client = Servers.Slow.SignedIn(Servers.Main))
            {
                long before = client.GetCredits().Balance;
                var token = new CancellationToken(true);
                Task<Render> task = client.CreateRenderAsync(Small(), null, null, token);
                Assert.IsTrue(task.IsCanceled);
                Assert.AreEqual(before, client.GetCredits().Balance);
                Assert.IsTrue(client.MeAsync(token).IsCanceled);
            }
        }

        /// <summary>Keeps the one-worker server's only worker busy for 20 s.</summary>
        private static void OccupyTheWorker(RenderiqClient client)
        {
            client.CreateRender(Small(), new RenderOptions { Prompt = "keeps the worker busy" });
        }

        [Test]
        public async Task CancelRenderAsync_QueuedBehindABusyWorker_CancelsAndRefunds()
        {
            using (RenderiqClient client = Servers.OneWorker.SignedIn(Servers.Withdrawer))
            {
                OccupyTheWorker(client);
                long before = client.GetCredits().Balance;
                Render created = await client.CreateRenderAsync(Small());
                Assert.AreEqual(RenderStatus.Pending, created.Status);
                Assert.That(created.CreditsCost, Is.GreaterThan(0));
                Assert.AreEqual(before - created.CreditsCost, client.GetCredits().Balance, "charged");
                Render cancelled = await client.CancelRenderAsync(created.Id);
                Assert.AreEqual(RenderStatus.Cancelled, cancelled.Status);
                Assert.AreEqual(RenderStatus.Cancelled, client.RetrieveRender(created.Id).Status);
                Assert.AreEqual(before, client.GetCredits().Balance, "refunded");
            }
        }

        [Test]
        public void RenderAsync_CancelledWhileItsRenderIsPending_WithdrawsItAndRefunds()
        {
            using (RenderiqClient client = Servers.OneWorker.SignedIn(Servers.Withdrawer))
            using (var cts = new CancellationTokenSource())
            {
                OccupyTheWorker(client);
                long before = client.GetCredits().Balance;
                var progress = new RecordingProgress();
                Task<Render> task = client.RenderAsync(Small(), new RenderOptions { Prompt = "withdrawn" }, progress, cts.Token);
                Assert.IsTrue(progress.SawRender.Wait(TimeSpan.FromSeconds(30)), "the render was created");
                Render queued = progress.Reports.First(p => p.Render != null && p.Render.Id != null).Render;
                Assert.AreEqual(RenderStatus.Pending, queued.Status);
                Assert.That(queued.CreditsCost, Is.GreaterThan(0));
                Assert.AreEqual(before - queued.CreditsCost, client.GetCredits().Balance, "charged");

                cts.Cancel();
                Assert.Throws<TaskCanceledException>(() => task.GetAwaiter().GetResult());
                // The withdrawal runs in the background: wait for the server to say so.
                Render now = client.RetrieveRender(queued.Id);
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (now.Status == RenderStatus.Pending && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(20);
                    now = client.RetrieveRender(queued.Id);
                }
                Assert.AreEqual(RenderStatus.Cancelled, now.Status);
                Assert.AreEqual(before, client.GetCredits().Balance, "refunded");
            }
        }

        [Test]
        public void CancelRender_WhileProcessing_ThrowsConflictException()
        {
            using (RenderiqClient client = Servers.Slow.SignedIn(Servers.Main))
            {
                Render created = client.CreateRender(Small());
                Render now = client.RetrieveRender(created.Id);
                // Earlier tests may have left 15 s renders queued on the slow server's two workers.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
                while (now.Status == RenderStatus.Pending && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(20);
                    now = client.RetrieveRender(created.Id);
                }
                Assert.AreEqual(RenderStatus.Processing, now.Status, "a worker picked it up (15 s renders)");
                var e = Assert.Throws<ConflictException>(() => client.CancelRender(created.Id));
                Assert.AreEqual(409, e.HttpStatus);
                Assert.AreEqual("CONFLICT", e.Code);
            }
        }
    }

    /// <summary>Projects, settings, webhooks, health: the rest of the API.</summary>
    [TestFixture]
    public class ResourceTests
    {
        [Test]
        public async Task HealthAsync_NoSignIn_ReportsOk()
        {
            using (RenderiqClient client = Servers.Default.NewClient())
            {
                Health h = await client.HealthAsync();
                Assert.AreEqual("ok", h.Status);
                Assert.IsTrue(h.LongPoll);
                Assert.That((DateTimeOffset.UtcNow - h.Time).Duration(), Is.LessThan(TimeSpan.FromMinutes(5)));
            }
        }

        [Test]
        public async Task CreateProjectAsync_ThenRenderIntoIt_IsListedUnderTheProject()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                string name = "Villa " + Guid.NewGuid().ToString("N").Substring(0, 6);
                Project p = await client.CreateProjectAsync(name, "lake house");
                Assert.AreEqual(name, p.Name);
                Assert.AreEqual("lake house", p.Description);
                Assert.IsTrue((await client.ListProjectsAsync()).Any(x => x.Id == p.Id));
                Render r = await client.CreateRenderAsync(RenderImage.FromPixels(TestImages.Bgra(16, 16, 64), 16, 16, 64, PixelFormat.Bgra32),
                    new RenderOptions { ProjectId = p.Id });
                Assert.AreEqual(p.Id, r.ProjectId);
                Page<Render> inProject = await client.ListRendersAsync(projectId: p.Id);
                Assert.AreEqual(1, inProject.Items.Count);
            }
        }

        [Test]
        public async Task UpdateSettingsAsync_ChangedFields_AreReadBack()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Poor))
            {
                Settings s = await client.UpdateSettingsAsync(new SettingsUpdate { DefaultStyle = "watercolor", DefaultQuality = Quality.Ultra, NotifyOnComplete = false });
                Assert.AreEqual("watercolor", s.DefaultStyle);
                Assert.AreEqual(Quality.Ultra, s.DefaultQuality);
                Settings again = await client.GetSettingsAsync();
                Assert.AreEqual("watercolor", again.DefaultStyle);
                Assert.IsFalse(again.NotifyOnComplete);
                Assert.IsNotNull(again.DefaultAspectRatio);
            }
        }

        [Test]
        public async Task RegisterWebhookAsync_ThenDelete_IsListedThenGone()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Poor))
            {
                CreatedWebhook created = await client.RegisterWebhookAsync("http://127.0.0.1:9/hook", new[] { "render.completed", "render.failed" });
                StringAssert.StartsWith("whsec_", created.Secret);
                StringAssert.DoesNotContain(created.Secret, created.ToString());
                CollectionAssert.AreEquivalent(new[] { "render.completed", "render.failed" }, created.Webhook.Events);
                Assert.IsTrue((await client.ListWebhooksAsync()).Any(w => w.Id == created.Webhook.Id));
                await client.DeleteWebhookAsync(created.Webhook.Id);
                Assert.IsFalse((await client.ListWebhooksAsync()).Any(w => w.Id == created.Webhook.Id));
                Assert.Throws<NotFoundException>(() => client.DeleteWebhook(created.Webhook.Id));
                string callbackSecret = await client.GetCallbackSecretAsync();
                StringAssert.StartsWith("whsec_", callbackSecret);
                Assert.AreEqual(callbackSecret, client.GetCallbackSecret(), "one callback secret per account");
            }
        }
    }

    /// <summary>Raw pixel layouts, checked offline through PrepareImage (lossless PNG).</summary>
    [TestFixture]
    public class RenderImageTests
    {
        private static byte[] Png(RenderImage image)
        {
            return RenderiqClient.PrepareImage(image, new RenderOptions { Format = UploadFormat.Png }).Bytes;
        }

        [Test]
        public void FromPixels_PaddedStride_EncodesTheSameImageAsTightRows()
        {
            const int w = 40, h = 30;
            byte[] tight = TestImages.Bgra(w, h, w * 4);
            byte[] padded = TestImages.Bgra(w, h, w * 4 + 24);
            CollectionAssert.AreEqual(Png(RenderImage.FromPixels(tight, w, h, w * 4, PixelFormat.Bgra32)),
                Png(RenderImage.FromPixels(padded, w, h, w * 4 + 24, PixelFormat.Bgra32)));
        }

        [Test]
        public void FromPixels_NegativeStrideFromLockBits_EncodesTheSameImageAsTopDown()
        {
            const int w = 24, h = 16, stride = w * 4;
            byte[] topDown = TestImages.Bgra(w, h, stride);
            // A bottom-up buffer (as GDI+ keeps a bottom-up DIB): Scan0 is the top row, at the end.
            var bottomUp = new byte[topDown.Length];
            for (int y = 0; y < h; y++) Array.Copy(topDown, y * stride, bottomUp, (h - 1 - y) * stride, stride);
            IntPtr mem = Marshal.AllocHGlobal(bottomUp.Length);
            try
            {
                Marshal.Copy(bottomUp, 0, mem, bottomUp.Length);
                IntPtr scan0 = new IntPtr(mem.ToInt64() + (h - 1) * stride);
                CollectionAssert.AreEqual(Png(RenderImage.FromPixels(topDown, w, h, stride, PixelFormat.Bgra32)),
                    Png(RenderImage.FromPixels(scan0, w, h, -stride, PixelFormat.Bgra32)));
                CollectionAssert.AreEqual(Png(RenderImage.FromPixels(topDown, w, h, stride, PixelFormat.Bgra32)),
                    Png(RenderImage.FromPixels(bottomUp, w, h, stride, PixelFormat.Bgra32, bottomUp: true)));
            }
            finally
            {
                Marshal.FreeHGlobal(mem);
            }
        }

        [Test]
        public void FromPixels_RgbaVersusBgra_SwapsRedAndBlue()
        {
            const int w = 8, h = 8;
            byte[] bgra = TestImages.Bgra(w, h, w * 4);
            byte[] rgba = (byte[])bgra.Clone();
            for (int i = 0; i < rgba.Length; i += 4) { byte t = rgba[i]; rgba[i] = rgba[i + 2]; rgba[i + 2] = t; }
            CollectionAssert.AreEqual(Png(RenderImage.FromPixels(bgra, w, h, w * 4, PixelFormat.Bgra32)),
                Png(RenderImage.FromPixels(rgba, w, h, w * 4, PixelFormat.Rgba32)));
        }

        [Test]
        public void PrepareImage_MaxEdge_DownscalesKeepingTheAspect()
        {
            PreparedImage p = RenderiqClient.PrepareImage(RenderImage.FromPixels(TestImages.Bgra(400, 200, 1600), 400, 200, 1600, PixelFormat.Bgra32),
                new RenderOptions { MaxEdge = 100 });
            Assert.AreEqual(100, p.Width);
            Assert.AreEqual(50, p.Height);
            Assert.AreEqual("image/jpeg", p.MimeType);
            Assert.IsTrue(TestImages.IsJpeg(p.Bytes));
        }
    }
}
