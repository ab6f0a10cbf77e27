using System;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Renderiq.Sdk.Tests
{
    [TestFixture]
    public class ClientLifecycleTests
    {
        [Test]
        public void Dispose_CalledTwice_DoesNotThrow()
        {
            var client = new RenderiqClient(new ClientOptions { TokenStore = TokenStore.Memory, BaseUrl = "http://127.0.0.1:9" });
            client.Dispose();
            Assert.DoesNotThrow(() => client.Dispose());
        }

        [Test]
        public void Me_AfterDispose_ThrowsObjectDisposedException()
        {
            var client = new RenderiqClient(new ClientOptions { TokenStore = TokenStore.Memory, BaseUrl = "http://127.0.0.1:9" });
            client.Dispose();
            var e = Assert.Throws<ObjectDisposedException>(() => client.Me());
            Assert.AreEqual(nameof(RenderiqClient), e.ObjectName);
            Assert.Throws<ObjectDisposedException>(() => client.IsSignedIn());
            Assert.Throws<ObjectDisposedException>(() => client.RenderAsync(RenderImage.FromPixels(new byte[16], 2, 2, 8, PixelFormat.Bgra32)));
        }

        [Test]
        public void MeAsync_AfterDispose_FaultsWithObjectDisposedException()
        {
            var client = new RenderiqClient(new ClientOptions { TokenStore = TokenStore.Memory, BaseUrl = "http://127.0.0.1:9" });
            client.Dispose();
            Assert.Throws<ObjectDisposedException>(() => client.MeAsync().GetAwaiter().GetResult());
        }

        [Test]
        public async Task Dispose_WhileARenderRuns_TheRenderStillCompletes()
        {
            RenderiqClient client = Servers.Default.SignedIn(Servers.Main);
            Task<Render> task = client.RenderAsync(RenderImage.FromPixels(TestImages.Bgra(16, 16, 64), 16, 16, 64, PixelFormat.Bgra32));
            client.Dispose(); // the operation holds its own reference to the native client
            Render r = await task;
            Assert.AreEqual(RenderStatus.Completed, r.Status);
            Assert.Throws<ObjectDisposedException>(() => client.RetrieveRender(r.Id));
        }

        [Test]
        public void Constructor_MalformedBaseUrl_ThrowsConfigException()
        {
            var e = Assert.Throws<ConfigException>(() =>
                new RenderiqClient(new ClientOptions { BaseUrl = "not a url", TokenStore = TokenStore.Memory }));
            Assert.AreEqual(RenderiqErrorKind.Config, e.Kind);
            StringAssert.Contains("not a url", e.Message);
        }

        [Test]
        public void ClientOptions_ToString_RedactsTheApiKey()
        {
            var options = new ClientOptions { ApiKey = "rq_supersecret", BaseUrl = "http://x" };
            StringAssert.DoesNotContain("supersecret", options.ToString());
            StringAssert.Contains("<redacted>", options.ToString());
        }

        [Test]
        public void ClientOptions_ToJson_UsesTheConfigFieldNames()
        {
            string json = new ClientOptions
            {
                BaseUrl = "http://h",
                Platform = Platform.Autocad,
                PluginName = "p",
                PluginVersion = "1",
                Timeout = TimeSpan.FromSeconds(1.5),
                MaxRetries = 0,
                TokenStore = TokenStore.EncryptedFile("/tmp/s.rqts", "pw"),
            }.ToJson();
            StringAssert.Contains("\"platform\":\"autocad\"", json);
            StringAssert.Contains("\"timeoutMs\":1500", json);
            StringAssert.Contains("\"maxRetries\":0", json);
            StringAssert.Contains("\"tokenStore\":{\"file\":\"/tmp/s.rqts\",\"passphrase\":\"pw\"}", json);
            StringAssert.Contains("\"sdkLanguage\":\"csharp\"", json);
        }

        [Test]
        public void Health_ServerNotListening_ThrowsNetworkException()
        {
            using (var client = new RenderiqClient(new ClientOptions
            {
                BaseUrl = "http://127.0.0.1:9", // discard port: nothing listens
                TokenStore = TokenStore.Memory,
                MaxRetries = 0,
                ConnectTimeout = TimeSpan.FromSeconds(2),
            }))
            {
                var e = Assert.Throws<NetworkException>(() => client.Health());
                Assert.AreEqual(RenderiqErrorKind.Network, e.Kind);
                Assert.IsNull(e.HttpStatus);
            }
        }

        [Test]
        public void NativeVersion_LoadedLibrary_ReportsVersionAndAbi()
        {
            StringAssert.IsMatch(@"^\d+\.\d+\.\d+", RenderiqClient.NativeVersion);
            Assert.AreEqual(Native.NativeMethods.RENDERIQ_ABI_VERSION, RenderiqClient.AbiVersion);
        }
    }

    [TestFixture]
    public class AuthTests
    {
        [Test]
        public async Task SignInAsync_ValidCredentials_ReturnsTheUserAndKeepsTheSession()
        {
            using (RenderiqClient client = Servers.Default.NewClient())
            {
                Assert.IsFalse(await client.IsSignedInAsync());
                User user = await client.SignInAsync(Servers.Main, TestServer.Password);
                Assert.AreEqual(Servers.Main, user.Email);
                Assert.IsNotNull(user.Id);
                Assert.IsTrue(await client.IsSignedInAsync());
                User me = await client.MeAsync();
                Assert.AreEqual(user.Id, me.Id);
                Assert.That(me.CreatedAt, Is.GreaterThan(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));
            }
        }

        [Test]
        public void SignIn_WrongPassword_ThrowsAuthExceptionWithFields()
        {
            using (RenderiqClient client = Servers.Default.NewClient())
            {
                var e = Assert.Throws<AuthException>(() => client.SignIn(Servers.Main, "wrong password"));
                Assert.AreEqual(RenderiqErrorKind.Auth, e.Kind);
                Assert.AreEqual("INVALID_CREDENTIALS", e.Code);
                Assert.AreEqual(401, e.HttpStatus);
                Assert.IsNotNullOrEmpty(e.RequestId);
                StringAssert.Contains(e.RequestId, e.Message);
                StringAssert.Contains("\"kind\":\"auth\"", e.ErrorJson);
                StringAssert.DoesNotContain("wrong password", e.Message + e.ErrorJson);
                Assert.IsInstanceOf<RenderiqException>(e);
            }
        }

        [Test]
        public void SignInAsync_WrongPassword_FaultsWithAuthException()
        {
            using (RenderiqClient client = Servers.Default.NewClient())
            {
                Assert.Throws<AuthException>(() => client.SignInAsync(Servers.Main, "nope").GetAwaiter().GetResult());
            }
        }

        [Test]
        public void Me_NotSignedIn_ThrowsAuthException()
        {
            using (RenderiqClient client = Servers.Default.NewClient())
            {
                var e = Assert.Throws<AuthException>(() => client.Me());
                Assert.AreEqual(RenderiqErrorKind.Auth, e.Kind);
            }
        }

        [Test]
        public async Task SignOutAsync_AfterSignIn_ClearsTheSession()
        {
            using (RenderiqClient client = Servers.Default.SignedIn(Servers.Main))
            {
                await client.SignOutAsync();
                Assert.IsFalse(client.IsSignedIn());
                Assert.Throws<AuthException>(() => client.Me());
            }
        }

        [Test]
        public void SignIn_EmptyArguments_ThrowArgumentExceptions()
        {
            using (RenderiqClient client = Servers.Default.NewClient())
            {
                Assert.Throws<ArgumentNullException>(() => client.SignIn(null, "x"));
                Assert.Throws<ArgumentException>(() => client.SignIn("a@b.c", ""));
                Assert.Throws<ArgumentException>(() => client.SignIn("a\0b", "x"));
            }
        }

        [Test]
        public async Task UseApiKeyAsync_CreatedKey_AuthenticatesAnotherClient()
        {
            using (RenderiqClient owner = Servers.Default.SignedIn(Servers.Main))
            using (RenderiqClient keyed = Servers.Default.NewClient())
            {
                CreatedApiKey created = await owner.CreateApiKeyAsync("ci key", new[] { "renders:read", "renders:create" });
                StringAssert.StartsWith("rq_", created.Key);
                StringAssert.DoesNotContain(created.Key, created.ToString());
                await keyed.UseApiKeyAsync(created.Key);
                Assert.IsTrue(keyed.IsSignedIn());
                Page<Render> renders = await keyed.ListRendersAsync(limit: 1);
                Assert.IsNotNull(renders.Items);
                var keys = await owner.ListApiKeysAsync();
                Assert.IsTrue(new System.Collections.Generic.List<ApiKey>(keys).Exists(k => k.Id == created.ApiKey.Id));
                await owner.RevokeApiKeyAsync(created.ApiKey.Id);
                Assert.Throws<AuthException>(() => keyed.ListRenders());
            }
        }

        [Test]
        public async Task CreateApiKeyAsync_KeyWithoutRenderScope_ThrowsPermissionDeniedOnUse()
        {
            using (RenderiqClient owner = Servers.Default.SignedIn(Servers.Main))
            using (RenderiqClient keyed = Servers.Default.NewClient(maxRetries: 0))
            {
                CreatedApiKey created = await owner.CreateApiKeyAsync("read only", new[] { "renders:read" }, DateTimeOffset.UtcNow.AddDays(1));
                Assert.IsNotNull(created.ApiKey.ExpiresAt);
                keyed.UseApiKey(created.Key);
                var e = Assert.Throws<PermissionDeniedException>(() =>
                    keyed.CreateRender(RenderImage.FromPixels(TestImages.Bgra(32, 32, 128), 32, 32, 128, PixelFormat.Bgra32)));
                Assert.AreEqual(403, e.HttpStatus);
                Assert.AreEqual("INSUFFICIENT_SCOPE", e.Code);
            }
        }
    }
}
