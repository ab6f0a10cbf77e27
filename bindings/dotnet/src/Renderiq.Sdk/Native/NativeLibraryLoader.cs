using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Renderiq.Sdk.Native
{
    /// <summary>
    /// Loads the native library by absolute path from this assembly's folder (or
    /// runtimes/&lt;rid&gt;/native/, or RENDERIQ_NATIVE_LIBRARY) before the first P/Invoke, so
    /// add-in hosts such as Revit never pick another copy; then checks its ABI version.
    /// .NET 5+: DllImport resolver; .NET Framework: LoadLibraryEx; Mono: dlopen (the file
    /// must then sit beside Renderiq.Sdk.dll or on LD_LIBRARY_PATH).
    /// </summary>
    internal static class NativeLibraryLoader
    {
        internal const string LibraryName = "renderiq";

        /// <summary>Environment variable naming the native library's absolute path (overrides the search).</summary>
        internal const string PathVariable = "RENDERIQ_NATIVE_LIBRARY";

        private static readonly object Gate = new object();
        private static volatile bool _ready;
        private static string _path;
        private static bool _resolverInstalled;
        private static MethodInfo _nativeLibraryLoad;
        private static IntPtr _resolvedHandle;

        /// <summary>The absolute path the library was loaded from; null when the system's search found it.</summary>
        internal static string LoadedPath => _path;

        /// <summary>How the library was pinned to its path (for diagnostics and tests).</summary>
        internal static string Strategy { get; private set; }

        /// <summary>Loads and checks the library once; cheap afterwards.</summary>
        internal static void EnsureLoaded()
        {
            if (_ready) return;
            lock (Gate)
            {
                if (_ready) return;
                Load();
                _ready = true;
            }
        }

        internal static bool IsMono => Type.GetType("Mono.Runtime") != null;
        internal static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        internal static bool IsMacOS => RuntimeInformation.IsOSPlatform(OSPlatform.OSX);

        /// <summary>The platform's file name of the library: renderiq.dll, librenderiq.dylib or librenderiq.so.</summary>
        internal static string FileName => IsWindows ? "renderiq.dll" : IsMacOS ? "librenderiq.dylib" : "librenderiq.so";

        /// <summary>The NuGet runtime identifier of this process, e.g. win-x64, linux-x64, osx-arm64.</summary>
        internal static string RuntimeIdentifier
        {
            get
            {
                string os = IsWindows ? "win" : IsMacOS ? "osx" : "linux";
                string arch;
                switch (RuntimeInformation.ProcessArchitecture)
                {
                    case Architecture.X86: arch = "x86"; break;
                    case Architecture.Arm: arch = "arm"; break;
                    case Architecture.Arm64: arch = "arm64"; break;
                    default: arch = "x64"; break;
                }
                return os + "-" + arch;
            }
        }

        /// <summary>Folders this assembly lives in: its location, and its original location when shadow-copied.</summary>
        internal static IEnumerable<string> AssemblyFolders()
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            Assembly asm = typeof(NativeLibraryLoader).Assembly;
            string location = null;
            try { location = asm.Location; } catch (NotSupportedException) { }
            if (!string.IsNullOrEmpty(location))
            {
                string dir = Path.GetDirectoryName(Path.GetFullPath(location));
                if (seen.Add(dir)) yield return dir;
            }
            string codeBaseDir = null;
            try
            {
#pragma warning disable 618 // CodeBase: the original location of a shadow-copied assembly
                string codeBase = asm.CodeBase;
#pragma warning restore 618
                Uri uri;
                if (!string.IsNullOrEmpty(codeBase) && Uri.TryCreate(codeBase, UriKind.Absolute, out uri) && uri.IsFile)
                    codeBaseDir = Path.GetDirectoryName(uri.LocalPath);
            }
            catch (NotSupportedException) { }
            if (!string.IsNullOrEmpty(codeBaseDir) && seen.Add(codeBaseDir)) yield return codeBaseDir;
            string baseDir = AppDomain.CurrentDomain.BaseDirectory;
            if (string.IsNullOrEmpty(location) && !string.IsNullOrEmpty(baseDir))
            {
                baseDir = baseDir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
                if (seen.Add(baseDir)) yield return baseDir;
            }
        }

        /// <summary>The candidate files, in search order.</summary>
        internal static List<string> Candidates()
        {
            var result = new List<string>();
            string env = Environment.GetEnvironmentVariable(PathVariable);
            if (!string.IsNullOrEmpty(env))
            {
                result.Add(Path.GetFullPath(env));
                return result;
            }
            foreach (string dir in AssemblyFolders())
            {
                result.Add(Path.Combine(dir, FileName));
                result.Add(Path.Combine(Path.Combine(Path.Combine(Path.Combine(dir, "runtimes"), RuntimeIdentifier), "native"), FileName));
            }
            return result;
        }

        private static void Load()
        {
            List<string> tried = Candidates();
            string path = tried.Find(File.Exists);
            _path = path;
            Strategy = "system search";
            if (path != null)
            {
                if (InstallDllImportResolver())
                    Strategy = "NativeLibrary.SetDllImportResolver";
                else if (IsWindows)
                    PreloadWindows(path);
                else
                    PreloadUnix(path);
            }
            CheckAbi(tried);
        }


        /// <summary>Registers a DllImport resolver when the runtime has <c>NativeLibrary</c> (.NET Core 3+, .NET 5+).</summary>
        private static bool InstallDllImportResolver()
        {
            if (_resolverInstalled) return true;
            if (IsMono) return false; // Mono's NativeLibrary, where present, is not wired to DllImport
            Type nativeLibrary = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", false);
            Type resolverType = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.DllImportResolver", false);
            if (nativeLibrary == null || resolverType == null) return false;
            MethodInfo set = nativeLibrary.GetMethod("SetDllImportResolver", new[] { typeof(Assembly), resolverType });
            _nativeLibraryLoad = nativeLibrary.GetMethod("Load", new[] { typeof(string) });
            if (set == null || _nativeLibraryLoad == null) return false;
            MethodInfo resolve = typeof(NativeLibraryLoader).GetMethod("Resolve", BindingFlags.NonPublic | BindingFlags.Static);
            Delegate resolver = Delegate.CreateDelegate(resolverType, resolve);
            try
            {
                set.Invoke(null, new object[] { typeof(NativeLibraryLoader).Assembly, resolver });
            }
            catch (TargetInvocationException e) when (e.InnerException is InvalidOperationException)
            {
                // Someone already set a resolver for this assembly: leave it in charge.
                return false;
            }
            _resolverInstalled = true;
            return true;
        }

        // Called by the runtime for every DllImport of this assembly (signature of DllImportResolver).
        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (libraryName != LibraryName || _path == null) return IntPtr.Zero;
            if (_resolvedHandle != IntPtr.Zero) return _resolvedHandle;
            try
            {
                _resolvedHandle = (IntPtr)_nativeLibraryLoad.Invoke(null, new object[] { _path });
                return _resolvedHandle;
            }
            catch (TargetInvocationException e)
            {
                // Rethrow the loader's own exception (DllNotFoundException, BadImageFormatException).
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException ?? e).Throw();
                throw;
            }
        }


        private const uint LOAD_WITH_ALTERED_SEARCH_PATH = 0x00000008;
        private const int ERROR_MOD_NOT_FOUND = 126;
        private const int ERROR_BAD_EXE_FORMAT = 193;

        private static class Kernel32
        {
            [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
            internal static extern IntPtr LoadLibraryExW(string lpLibFileName, IntPtr hFile, uint dwFlags);
        }

        private static void PreloadWindows(string path)
        {
            // LOAD_WITH_ALTERED_SEARCH_PATH: the library's own dependencies are looked up in its
            // folder too. Once loaded, DllImport("renderiq") resolves to this module by name.
            IntPtr h = Kernel32.LoadLibraryExW(path, IntPtr.Zero, LOAD_WITH_ALTERED_SEARCH_PATH);
            if (h != IntPtr.Zero)
            {
                Strategy = "LoadLibraryEx";
                return;
            }
            int err = Marshal.GetLastWin32Error();
            if (err == ERROR_BAD_EXE_FORMAT)
                throw new BadImageFormatException(string.Format(CultureInfo.InvariantCulture,
                    "'{0}' is not a valid {1}-bit Windows DLL (error 193): this process is {1}-bit. " +
                    "Revit and AutoCAD are 64-bit: use the win-x64 renderiq.dll from the Renderiq.Sdk package.",
                    path, IntPtr.Size * 8), path);
            throw new DllNotFoundException(string.Format(CultureInfo.InvariantCulture,
                "Unable to load the Renderiq native library '{0}' (Windows error {1}{2}). {3}",
                path, err, err == ERROR_MOD_NOT_FOUND ? ": a DLL it depends on is missing" : "",
                err == ERROR_MOD_NOT_FOUND
                    ? "Install the Microsoft Visual C++ 2015-2022 Redistributable (x64), or use a renderiq.dll built with the static CRT."
                    : "Check that the file is complete and not blocked (file Properties > Unblock)."));
        }


        private const int RTLD_NOW = 2;
        private const int RTLD_GLOBAL_LINUX = 0x100;
        private const int RTLD_GLOBAL_MACOS = 0x8;

        private static class LibDl
        {
            [DllImport("libdl.so.2", EntryPoint = "dlopen")]
            internal static extern IntPtr dlopen(string fileName, int flags);

            [DllImport("libdl.so.2", EntryPoint = "dlerror")]
            internal static extern IntPtr dlerror();
        }

        private static class LibSystem
        {
            [DllImport("/usr/lib/libSystem.B.dylib", EntryPoint = "dlopen")]
            internal static extern IntPtr dlopen(string fileName, int flags);

            [DllImport("/usr/lib/libSystem.B.dylib", EntryPoint = "dlerror")]
            internal static extern IntPtr dlerror();
        }

        private static void PreloadUnix(string path)
        {
            IntPtr h;
            string error = null;
            try
            {
                if (IsMacOS)
                {
                    h = LibSystem.dlopen(path, RTLD_NOW | RTLD_GLOBAL_MACOS);
                    if (h == IntPtr.Zero) error = Marshal.PtrToStringAnsi(LibSystem.dlerror());
                }
                else
                {
                    h = LibDl.dlopen(path, RTLD_NOW | RTLD_GLOBAL_LINUX);
                    if (h == IntPtr.Zero) error = Marshal.PtrToStringAnsi(LibDl.dlerror());
                }
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                h = IntPtr.Zero; // no libdl to ask: let DllImport try on its own
            }
            if (error != null)
            {
                if (error.IndexOf("wrong ELF class", StringComparison.Ordinal) >= 0 ||
                    error.IndexOf("incompatible architecture", StringComparison.Ordinal) >= 0 ||
                    error.IndexOf("wrong architecture", StringComparison.Ordinal) >= 0)
                    throw new BadImageFormatException(string.Format(CultureInfo.InvariantCulture,
                        "'{0}' is built for another architecture than this {1}-bit process ({2}): {3}",
                        path, IntPtr.Size * 8, RuntimeIdentifier, error), path);
                throw new DllNotFoundException(string.Format(CultureInfo.InvariantCulture,
                    "Unable to load the Renderiq native library '{0}': {1}", path, error));
            }
            // Mono's DllImport("renderiq") then finds the same file beside the assembly.
            Strategy = h != IntPtr.Zero ? "dlopen" : "system search";
        }


        private static void CheckAbi(List<string> tried)
        {
            uint found;
            try
            {
                found = NativeMethods.renderiq_abi_version();
            }
            catch (DllNotFoundException e)
            {
                string hint = _path != null && IsMono
                    ? string.Format(CultureInfo.InvariantCulture,
                        " It was found at '{0}', but Mono's DllImport only looks beside Renderiq.Sdk.dll and on LD_LIBRARY_PATH (DYLD_LIBRARY_PATH on macOS): copy it beside the assembly.",
                        _path)
                    : string.Format(CultureInfo.InvariantCulture,
                        " Copy {0} next to Renderiq.Sdk.dll (or under runtimes/{1}/native/), or set {2} to its absolute path.",
                        FileName, RuntimeIdentifier, PathVariable);
                throw new DllNotFoundException(string.Format(CultureInfo.InvariantCulture,
                    "Unable to load the Renderiq native library '{0}' ({1}): {2} Looked for it in: {3}.{4}",
                    LibraryName, RuntimeIdentifier, e.Message, string.Join(", ", tried.ToArray()), hint), e);
            }
            catch (EntryPointNotFoundException e)
            {
                throw new EntryPointNotFoundException(string.Format(CultureInfo.InvariantCulture,
                    "The library loaded as 'renderiq'{0} has no renderiq_abi_version function: it is not the Renderiq native library, or a very old one. " +
                    "Replace it with the {1} from the same Renderiq.Sdk package. ({2})",
                    _path == null ? "" : " from '" + _path + "'", FileName, e.Message), e);
            }
            catch (BadImageFormatException e)
            {
                throw new BadImageFormatException(string.Format(CultureInfo.InvariantCulture,
                    "The Renderiq native library{0} does not match this {1}-bit process ({2}): use the {2} build. ({3})",
                    _path == null ? "" : " '" + _path + "'", IntPtr.Size * 8, RuntimeIdentifier, e.Message), e);
            }
            CheckAbiVersion(NativeMethods.RENDERIQ_ABI_VERSION, found, _path, SafeNativeVersion());
        }

        /// <summary>Throws <see cref="NativeLibraryMismatchException"/> unless the versions are equal.</summary>
        internal static void CheckAbiVersion(uint expected, uint found, string path, string nativeVersion)
        {
            if (expected != found) throw new NativeLibraryMismatchException(expected, found, path, nativeVersion);
        }

        private static unsafe string SafeNativeVersion()
        {
            try { return Interop.ReadBorrowed(NativeMethods.renderiq_version()); }
            catch (EntryPointNotFoundException) { return null; }
        }
    }
}
