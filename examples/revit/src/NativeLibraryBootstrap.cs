using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Renderiq.Revit
{
    /// <summary>
    /// Loads the Renderiq native library (renderiq.dll) by absolute path from this add-in's own
    /// folder, before anything calls into it.
    /// </summary>
    /// <remarks>
    /// Revit loads dozens of add-ins into one process, and a bare <c>[DllImport("renderiq")]</c>
    /// searches Revit's folder, System32 and PATH, never the folder of the add-in that asked.
    /// Renderiq.Sdk pins the library on its own the first time it is used (the same two
    /// techniques as below); this class does it explicitly at start-up so that a missing or
    /// wrong DLL is reported when Revit starts, from this add-in, rather than on the first click.
    /// <list type="bullet">
    /// <item>.NET Framework 4.8 (Revit 2024 and older): <c>LoadLibraryEx</c> by absolute path.
    /// Once a module named renderiq.dll is loaded, every later <c>DllImport("renderiq")</c>
    /// binds to it.</item>
    /// <item>.NET 8 (Revit 2025 and newer): <c>NativeLibrary.SetDllImportResolver</c> on the
    /// Renderiq.Sdk assembly, which answers "renderiq" with our file.</item>
    /// </list>
    /// </remarks>
    internal static class NativeLibraryBootstrap
    {
        private const string LibraryName = "renderiq";
        private const string FileName = "renderiq.dll";

        /// <summary>The absolute path of renderiq.dll beside this add-in's assembly.</summary>
        internal static string LibraryPath
        {
            get
            {
                string dir = Path.GetDirectoryName(typeof(NativeLibraryBootstrap).Assembly.Location);
                return Path.Combine(dir, FileName);
            }
        }

        /// <summary>Loads renderiq.dll now; throws with a message naming the path when it cannot.</summary>
        internal static void Load()
        {
            string path = LibraryPath;
            if (!File.Exists(path))
                throw new DllNotFoundException("Renderiq: " + path + " is missing. Reinstall the add-in: renderiq.dll must sit next to " +
                    Path.GetFileName(typeof(NativeLibraryBootstrap).Assembly.Location) + ".");
#if NET8_0_OR_GREATER
            IntPtr handle = NativeLibrary.Load(path);
            NativeLibrary.SetDllImportResolver(typeof(Renderiq.Sdk.RenderiqClient).Assembly,
                (name, assembly, searchPath) => name == LibraryName ? handle : IntPtr.Zero);
#else
            IntPtr handle = LoadLibraryExW(path, IntPtr.Zero, LOAD_WITH_ALTERED_SEARCH_PATH);
            if (handle == IntPtr.Zero)
            {
                int error = Marshal.GetLastWin32Error();
                if (error == 193)
                    throw new BadImageFormatException("Renderiq: " + path + " is not a 64-bit DLL (error 193). Install the x64 build.", path);
                throw new DllNotFoundException("Renderiq: could not load " + path + " (Windows error " + error + ")." +
                    (error == 126 ? " A DLL it depends on is missing: install the Microsoft Visual C++ 2015-2022 Redistributable (x64)." : ""));
            }
#endif
            // The ABI handshake: Renderiq.Sdk compares renderiq_abi_version() with the version it
            // was generated against and throws NativeLibraryMismatchException naming both.
            uint abi = Renderiq.Sdk.RenderiqClient.AbiVersion;
            System.Diagnostics.Debug.WriteLine("Renderiq: loaded " + path + " (ABI " + abi + ", SDK " + Renderiq.Sdk.RenderiqClient.NativeVersion + ")");
        }

#if !NET8_0_OR_GREATER
        private const uint LOAD_WITH_ALTERED_SEARCH_PATH = 0x00000008;

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
        private static extern IntPtr LoadLibraryExW(string lpLibFileName, IntPtr hFile, uint dwFlags);
#endif
    }
}
