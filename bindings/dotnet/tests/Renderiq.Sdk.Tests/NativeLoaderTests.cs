using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using NUnit.Framework;
using Renderiq.Sdk.Native;

namespace Renderiq.Sdk.Tests
{
    /// <summary>
    /// How the native library is found and checked, including the errors users see when it is
    /// missing or wrong. Those run LoadProbe.exe in a child process from a folder laid out like
    /// an add-in's.
    /// </summary>
    [TestFixture]
    public class NativeLoaderTests
    {
        private static string TestDir
        {
            get { return Path.GetDirectoryName(typeof(NativeLoaderTests).Assembly.Location); }
        }

        private string _dir;

        [SetUp]
        public void MakeAddinFolder()
        {
            _dir = Path.Combine(Path.GetTempPath(), "renderiq-addin-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_dir);
            foreach (string f in new[] { "Renderiq.Sdk.dll", "LoadProbe.exe" })
                File.Copy(Path.Combine(TestDir, f), Path.Combine(_dir, f));
        }

        [TearDown]
        public void RemoveAddinFolder()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { }
        }

        /// <summary>Runs the probe from the add-in folder, from another working directory, with no library path hints.</summary>
        private string Probe(string args = "load", string completionMode = null, string waitFor = null)
        {
            if (!NativeLibraryLoader.IsMono) Assert.Ignore("the child-process probes run LoadProbe.exe with mono");
            var psi = new ProcessStartInfo("mono", "\"" + Path.Combine(_dir, "LoadProbe.exe") + "\" " + args)
            {
                WorkingDirectory = Path.GetTempPath(),
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.EnvironmentVariables.Remove(NativeLibraryLoader.PathVariable);
            psi.EnvironmentVariables.Remove("LD_LIBRARY_PATH");
            psi.EnvironmentVariables.Remove("MONO_PATH");
            if (completionMode != null) psi.EnvironmentVariables[NativeOperation.ModeVariable] = completionMode;
            using (Process p = Process.Start(psi))
            {
                var output = new System.Text.StringBuilder();
                var seen = new ManualResetEventSlim(false);
                p.OutputDataReceived += (s, e) =>
                {
                    if (e.Data == null) return;
                    lock (output) output.AppendLine(e.Data);
                    if (waitFor != null && e.Data.StartsWith(waitFor, StringComparison.Ordinal)) seen.Set();
                };
                p.ErrorDataReceived += (s, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
                p.BeginOutputReadLine();
                p.BeginErrorReadLine();
                if (waitFor != null)
                {
                    seen.Wait(TimeSpan.FromSeconds(60));
                    try { p.Kill(); } catch (InvalidOperationException) { }
                    p.WaitForExit(10000);
                }
                else if (!p.WaitForExit(60000))
                {
                    p.Kill();
                    Assert.Fail("the probe did not exit: " + output);
                }
                else
                {
                    p.WaitForExit(); // flush the asynchronous readers
                }
                lock (output) return output.ToString();
            }
        }

        [Test]
        public void EnsureLoaded_LibraryBesideTheAssembly_IsLoadedByAbsolutePath()
        {
            NativeLibraryLoader.EnsureLoaded();
            Assert.IsNotNull(NativeLibraryLoader.LoadedPath, "found beside the assembly or through RENDERIQ_NATIVE_LIBRARY");
            Assert.IsTrue(Path.IsPathRooted(NativeLibraryLoader.LoadedPath));
            Assert.IsTrue(File.Exists(NativeLibraryLoader.LoadedPath));
            Assert.AreEqual(NativeMethods.RENDERIQ_ABI_VERSION, NativeMethods.renderiq_abi_version());
        }

        [Test]
        public void Load_FromAnAddinFolder_FindsTheLibraryThereWhateverTheWorkingDirectory()
        {
            File.Copy(Path.Combine(TestDir, NativeLibraryLoader.FileName), Path.Combine(_dir, NativeLibraryLoader.FileName));
            string output = Probe();
            StringAssert.Contains("LOADED abi=" + NativeMethods.RENDERIQ_ABI_VERSION, output);
            StringAssert.Contains("path=" + Path.Combine(_dir, NativeLibraryLoader.FileName), output);
        }

        [Test]
        public void Candidates_NoOverride_AreBesideTheAssemblyThenTheNuGetRuntimesFolder()
        {
            string dir = Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location);
            var candidates = NativeLibraryLoader.Candidates();
            Assert.AreEqual(Path.Combine(dir, NativeLibraryLoader.FileName), candidates[0]);
            Assert.AreEqual(Path.Combine(Path.Combine(Path.Combine(Path.Combine(dir, "runtimes"), NativeLibraryLoader.RuntimeIdentifier), "native"),
                NativeLibraryLoader.FileName), candidates[1]);
            StringAssert.IsMatch("^(win|linux|osx)-(x64|x86|arm64|arm)$", NativeLibraryLoader.RuntimeIdentifier);
        }

        [Test]
        public void Load_OnlyInTheNuGetRuntimesFolderOnMono_ExplainsWhereMonoLooks()
        {
            // .NET Framework and .NET load it from there (LoadLibraryEx, the DllImport resolver);
            // Mono binds DllImport by its own probing only, and the message says so.
            string native = Path.Combine(Path.Combine(Path.Combine(_dir, "runtimes"), NativeLibraryLoader.RuntimeIdentifier), "native");
            Directory.CreateDirectory(native);
            File.Copy(Path.Combine(TestDir, NativeLibraryLoader.FileName), Path.Combine(native, NativeLibraryLoader.FileName));
            string output = Probe();
            Console.WriteLine(output);
            StringAssert.Contains("It was found at '" + Path.Combine(native, NativeLibraryLoader.FileName) + "', but Mono's DllImport only looks beside Renderiq.Sdk.dll", output);
        }

        [Test]
        public void Load_LibraryMissing_ThrowsDllNotFoundExceptionNamingWhereItLooked()
        {
            string output = Probe();
            Console.WriteLine(output);
            StringAssert.Contains("ERROR System.DllNotFoundException: Unable to load the Renderiq native library 'renderiq'", output);
            StringAssert.Contains(Path.Combine(_dir, NativeLibraryLoader.FileName), output);
            StringAssert.Contains(NativeLibraryLoader.PathVariable, output);
        }

        [Test]
        public void Load_FileIsNoLibrary_ThrowsDllNotFoundExceptionWithTheLoadersReason()
        {
            File.WriteAllText(Path.Combine(_dir, NativeLibraryLoader.FileName), "this is not a shared library");
            string output = Probe();
            Console.WriteLine(output);
            StringAssert.Contains("ERROR System.DllNotFoundException: Unable to load the Renderiq native library '" + Path.Combine(_dir, NativeLibraryLoader.FileName), output);
        }

        [Test]
        public void Load_LibraryOfAnotherArchitecture_ThrowsBadImageFormatException()
        {
            // The same library with its ELF class byte flipped to 32-bit: what a 32-bit build looks like to the loader.
            byte[] elf = File.ReadAllBytes(Path.Combine(TestDir, NativeLibraryLoader.FileName));
            if (elf.Length < 5 || elf[0] != 0x7f || elf[1] != (byte)'E') Assert.Ignore("not an ELF platform");
            elf[4] = (byte)(elf[4] == 2 ? 1 : 2);
            File.WriteAllBytes(Path.Combine(_dir, NativeLibraryLoader.FileName), elf);
            string output = Probe();
            Console.WriteLine(output);
            StringAssert.Contains("ERROR System.BadImageFormatException:", output);
            StringAssert.Contains("another architecture", output);
        }

        [Test]
        public void Load_LibraryWithoutRenderiqSymbols_ThrowsEntryPointNotFoundException()
        {
            string other = null;
            foreach (string candidate in new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/aarch64-linux-gnu/libz.so.1" })
                if (File.Exists(candidate)) { other = candidate; break; }
            if (other == null) Assert.Ignore("no libz to stand in for a foreign library");
            File.Copy(other, Path.Combine(_dir, NativeLibraryLoader.FileName));
            string output = Probe();
            Console.WriteLine(output);
            StringAssert.Contains("ERROR System.EntryPointNotFoundException:", output);
            StringAssert.Contains("renderiq_abi_version", output);
        }

        [Test]
        public void Load_LibraryWithAnotherAbiVersion_ThrowsMismatchNamingBothVersions()
        {
            // Built by scripts/test-dotnet.sh from a 3-line C file: renderiq_abi_version() returns 999.
            string fake = Path.Combine(TestDir, "fake-abi-999." + NativeLibraryLoader.FileName);
            if (!File.Exists(fake)) Assert.Ignore("no C compiler was available to build the fake library");
            File.Copy(fake, Path.Combine(_dir, NativeLibraryLoader.FileName));
            string output = Probe();
            Console.WriteLine(output);
            StringAssert.Contains("ERROR Renderiq.Sdk.NativeLibraryMismatchException: Renderiq native library ABI mismatch", output);
            StringAssert.Contains("expects ABI version " + NativeMethods.RENDERIQ_ABI_VERSION, output);
            StringAssert.Contains("has ABI version 999", output);
            StringAssert.Contains("(SDK 9.9.9)", output);
        }

        [Test]
        public void CheckAbiVersion_DifferentVersions_ThrowsWithExpectedAndFound()
        {
            var e = Assert.Throws<NativeLibraryMismatchException>(() => NativeLibraryLoader.CheckAbiVersion(1, 2, "/x/librenderiq.so", "0.2.0"));
            Assert.AreEqual(1u, e.ExpectedAbiVersion);
            Assert.AreEqual(2u, e.FoundAbiVersion);
            StringAssert.Contains("expects ABI version 1", e.Message);
            StringAssert.Contains("'/x/librenderiq.so' (SDK 0.2.0) has ABI version 2", e.Message);
            Assert.DoesNotThrow(() => NativeLibraryLoader.CheckAbiVersion(3, 3, null, null));
        }

        [Test]
        public void RenderAsync_CallbackCompletionMode_CompletesTheTask()
        {
            // The default on .NET Framework and .NET (Revit, AutoCAD): completion from the native
            // library's worker thread through renderiq_op_set_callback. On Mono a native thread
            // that called into managed code keeps the process from exiting, so the probe is
            // stopped once it reported.
            File.Copy(Path.Combine(TestDir, NativeLibraryLoader.FileName), Path.Combine(_dir, NativeLibraryLoader.FileName));
            string output = Probe(string.Format("render {0} {1} {2}", Servers.Default.BaseUrl, Servers.Main, TestServer.Password), "callback", "OK ");
            StringAssert.Contains("MODE Callback", output);
            StringAssert.Contains("OK Completed", output);
        }

        [Test]
        public void RenderAsync_PollCompletionMode_CompletesAndTheProcessExits()
        {
            File.Copy(Path.Combine(TestDir, NativeLibraryLoader.FileName), Path.Combine(_dir, NativeLibraryLoader.FileName));
            string output = Probe(string.Format("render {0} {1} {2}", Servers.Default.BaseUrl, Servers.Main, TestServer.Password), "poll");
            StringAssert.Contains("MODE Poll", output);
            StringAssert.Contains("OK Completed", output);
        }
    }
}
