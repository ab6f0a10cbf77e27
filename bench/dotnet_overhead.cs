// Per-call cost of the C# binding (Renderiq.Sdk over P/Invoke, on Mono here; on .NET Framework
// in Revit), printed as "<name> <ns per call> <calls>" lines, the format of bench/ffi_overhead.c
// and bench/ffi_overhead.rs, which bench/dotnet_overhead.sh prints side by side:
//
//   webhook_verify_1k      Webhook.Verify of a 1 KiB body: UTF-8 marshalling of the secret and
//                          headers, pinning the body, renderiq_webhook_verify, status check
//   render_get             RenderiqClient.GetRender against the local reference server: the
//                          P/Invoke, the JSON string out and freed, and parsing it into a Render
//   render_get_raw         the same call through NativeMethods.renderiq_call (a retrieve_render
//                          call), JSON text out, no parsing: the binding's marshalling cost alone
//   op_poll                renderiq_op_poll of a finished operation through its SafeHandle
//                          (AddRef/Release around the call): what a completion poll tick costs
//
// Environment: RENDERIQ_BENCH_URL, RENDERIQ_TEST_EMAIL, RENDERIQ_TEST_PASSWORD,
// RENDERIQ_BENCH_VERIFY_N (default 200000), RENDERIQ_BENCH_GET_N (default 2000).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Renderiq.Sdk;
using Renderiq.Sdk.Native;
using Client = Renderiq.Sdk.RenderiqClient;

internal static unsafe class DotnetOverhead
{
    private static long EnvN(string name, long fallback)
    {
        long n;
        return long.TryParse(Environment.GetEnvironmentVariable(name), out n) ? n : fallback;
    }

    private static void Print(string name, Stopwatch watch, long n)
    {
        double ns = watch.Elapsed.Ticks * 100.0 / n;
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} {1:F1} {2}", name, ns, n));
    }

    private static int Main()
    {
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const long ts = 1700000000;
        var body = new byte[1024];
        for (int k = 0; k < body.Length; k++) body[k] = (byte)('a' + k % 26);
        string sig = Webhook.Sign(secret, "msg_bench", ts, body);
        var headers = new Dictionary<string, string>
        {
            { "webhook-id", "msg_bench" }, { "webhook-timestamp", "1700000000" }, { "webhook-signature", sig },
        };
        DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(ts);

        long n = EnvN("RENDERIQ_BENCH_VERIFY_N", 200000);
        for (long i = 0; i < n / 10; i++) Webhook.Verify(secret, body, headers, now);
        var w = Stopwatch.StartNew();
        for (long i = 0; i < n; i++) Webhook.Verify(secret, body, headers, now);
        w.Stop();
        Print("webhook_verify_1k", w, n);

        string url = Environment.GetEnvironmentVariable("RENDERIQ_BENCH_URL");
        if (string.IsNullOrEmpty(url)) return 0;
        using (var client = new Client(new ClientOptions { BaseUrl = url, TokenStore = TokenStore.Memory, Platform = Platform.Other }))
        {
            client.SignIn(Environment.GetEnvironmentVariable("RENDERIQ_TEST_EMAIL"), Environment.GetEnvironmentVariable("RENDERIQ_TEST_PASSWORD"));
            Render render = client.Render(RenderImage.FromPixels(new byte[64 * 64 * 4], 64, 64, 256, PixelFormat.Bgra32),
                new RenderOptions { Quality = Quality.Standard });

            long g = EnvN("RENDERIQ_BENCH_GET_N", 2000);
            for (long i = 0; i < g / 10; i++) client.GetRender(render.Id);
            w = Stopwatch.StartNew();
            for (long i = 0; i < g; i++) client.GetRender(render.Id);
            w.Stop();
            Print("render_get", w, g);

            // The raw call, as the binding's thin layer makes it, without the model parsing.
            var field = typeof(Client).GetField("_handle", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
            var handle = (ClientHandle)field.GetValue(client);
            byte[] call = Encoding.UTF8.GetBytes("{\"call\":\"retrieve_render\",\"id\":\"" + render.Id + "\"}\0");
            w = Stopwatch.StartNew();
            for (long i = 0; i < g; i++)
            {
                using (handle.Acquire())
                fixed (byte* cp = call)
                {
                    byte* json = null;
                    RenderiqError* err = null;
                    int status = NativeMethods.renderiq_call(handle.Ptr, cp, null, UIntPtr.Zero, &json, &err);
                    string text = Interop.TakeString(json);
                    Interop.Check(status, err);
                    if (text.Length == 0) throw new InvalidOperationException();
                }
            }
            w.Stop();
            Print("render_get_raw", w, g);

            // A finished operation, polled as the completion timer polls it.
            RenderiqOp* opPtr = null;
            RenderiqError* e2 = null;
            byte[] wait = Encoding.UTF8.GetBytes("{\"call\":\"wait_for_render\",\"id\":\"" + render.Id + "\"}\0");
            int st;
            using (handle.Acquire())
            fixed (byte* wp = wait)
                st = NativeMethods.renderiq_call_start(handle.Ptr, wp, null, UIntPtr.Zero, &opPtr, &e2);
            Interop.Check(st, e2);
            using (var op = new OperationHandle(opPtr))
            {
                using (op.Acquire())
                {
                    byte* ignored = null;
                    RenderiqError* e3 = null;
                    Interop.Check(NativeMethods.renderiq_op_wait(op.Ptr, NativeMethods.RENDERIQ_WAIT_FOREVER, &ignored, &e3), e3);
                    Interop.TakeString(ignored);
                }
                long p = EnvN("RENDERIQ_BENCH_VERIFY_N", 200000) * 5;
                w = Stopwatch.StartNew();
                for (long i = 0; i < p; i++)
                {
                    using (op.Acquire())
                        if (NativeMethods.renderiq_op_poll(op.Ptr) != 1) throw new InvalidOperationException("op_poll");
                }
                w.Stop();
                Print("op_poll", w, p);
            }
        }
        return 0;
    }
}
