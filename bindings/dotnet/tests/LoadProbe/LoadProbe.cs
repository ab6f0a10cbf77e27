// A child process for the loader and completion-mode tests: it loads Renderiq.Sdk.dll from its
// own folder, exactly as a host loads an add-in, and prints what happened.
//
//   mono LoadProbe.exe load                      -> "LOADED abi=1 path=/abs/librenderiq.so strategy=..."
//                                                   or "ERROR <exception type>: <message>" (+ "INNER ...")
//   mono LoadProbe.exe render URL EMAIL PASSWORD -> "MODE <mode>" then "OK <status>" after a RenderAsync
using System;
using System.Threading.Tasks;
using Renderiq.Sdk;
using NativeLibraryLoader = Renderiq.Sdk.Native.NativeLibraryLoader;
using NativeOperation = Renderiq.Sdk.Native.NativeOperation;

internal static class LoadProbe
{
    private static int Main(string[] args)
    {
        try
        {
            if (args.Length > 0 && args[0] == "render")
            {
                Console.WriteLine("MODE " + NativeOperation.DefaultMode);
                using (var client = new RenderiqClient(new ClientOptions { BaseUrl = args[1], TokenStore = TokenStore.Memory }))
                {
                    client.SignIn(args[2], args[3]);
                    var pixels = new byte[32 * 32 * 4];
                    Task<Render> task = client.RenderAsync(RenderImage.FromPixels(pixels, 32, 32, 128, PixelFormat.Bgra32));
                    // Collect hard while the native side holds our callback and GCHandle: the
                    // delegate and the operation's state must survive until the callback ran.
                    while (!task.IsCompleted)
                    {
                        GC.Collect();
                        GC.WaitForPendingFinalizers();
                        System.Threading.Thread.Sleep(5);
                    }
                    Render r = task.GetAwaiter().GetResult();
                    Console.WriteLine("OK " + r.Status);
                    Console.Out.Flush();
                }
                return 0;
            }
            uint abi = RenderiqClient.AbiVersion;
            Console.WriteLine("LOADED abi=" + abi + " path=" + NativeLibraryLoader.LoadedPath + " strategy=" + NativeLibraryLoader.Strategy);
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine("ERROR " + e.GetType().FullName + ": " + e.Message);
            if (e.InnerException != null)
                Console.WriteLine("INNER " + e.InnerException.GetType().FullName + ": " + e.InnerException.Message);
            return 3;
        }
    }
}
