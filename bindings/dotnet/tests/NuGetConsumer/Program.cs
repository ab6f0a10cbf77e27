// The consumer of the packaged Renderiq.Sdk (scripts/release/test-nuget.sh): built by xbuild from
// Consumer.csproj against the package restored from a local folder feed, it renders once against
// a reference server and shows which native library it ran on.
//
//   mono bin/Release/Consumer.exe URL EMAIL PASSWORD
//   -> "SMOKE render=<id> status=Completed png=<bytes> spent=<credits> native=<path of librenderiq>"
using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Renderiq.Sdk;

internal static class Consumer
{
    private static int Main(string[] args)
    {
        try
        {
            return RunAsync(args[0], args[1], args[2]).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("FAILED " + e);
            return 1;
        }
    }

    private static async Task<int> RunAsync(string url, string email, string password)
    {
        using (var client = new RenderiqClient(new ClientOptions
        {
            BaseUrl = url, Platform = Platform.Revit, PluginName = "nuget-consumer", PluginVersion = "1.0",
            TokenStore = TokenStore.Memory,
        }))
        {
            await client.SignInAsync(email, password);
            long before = (await client.GetCreditsAsync()).Balance;

            // 40x30 BGRA pixels in rows padded to 176 bytes, as Bitmap.LockBits hands them out.
            const int width = 40, height = 30, stride = 176;
            var pixels = new byte[stride * height];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int i = y * stride + x * 4;
                    pixels[i] = (byte)(x * 6); pixels[i + 1] = (byte)(y * 8); pixels[i + 2] = 200; pixels[i + 3] = 255;
                }
            int reports = 0;
            Render render = await client.RenderAsync(RenderImage.FromPixels(pixels, width, height, stride, PixelFormat.Bgra32),
                new RenderOptions { Prompt = "nuget consumer smoke render" },
                new Progress<RenderProgress>(p => System.Threading.Interlocked.Increment(ref reports)));
            byte[] png = await client.DownloadRenderAsync(render);
            long after = (await client.GetCreditsAsync()).Balance;

            if (render.Status != RenderStatus.Completed) throw new Exception("render " + render.Id + " is " + render.Status);
            if (png.Length < 8 || png[0] != 0x89 || png[1] != (byte)'P' || png[2] != (byte)'N' || png[3] != (byte)'G')
                throw new Exception("the download is not a PNG (" + png.Length + " bytes)");
            if (after != before - render.CreditsCost || render.CreditsCost <= 0)
                throw new Exception("credits went from " + before + " to " + after + " for a render costing " + render.CreditsCost);

            Console.WriteLine("SMOKE render={0} status={1} png={2} spent={3} native={4}",
                render.Id, render.Status, png.Length, before - after, NativeLibraryPath() ?? "(not mapped?)");
            return 0;
        }
    }

    // The librenderiq file this process mapped (Linux: /proc/self/maps).
    private static string NativeLibraryPath()
    {
        if (!File.Exists("/proc/self/maps")) return null;
        return File.ReadAllLines("/proc/self/maps")
            .Select(l => l.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && f[5].EndsWith("/librenderiq.so", StringComparison.Ordinal))
            .Select(f => f[5]).FirstOrDefault();
    }
}
