using System;
using System.Drawing;
using System.Drawing.Imaging;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Autodesk.AutoCAD.ApplicationServices;
using Autodesk.AutoCAD.DatabaseServices;
using Autodesk.AutoCAD.EditorInput;
using Autodesk.AutoCAD.Geometry;
using Autodesk.AutoCAD.Runtime;
using Renderiq.Sdk;
using AcApp = Autodesk.AutoCAD.ApplicationServices.Application;
using SdkPixelFormat = Renderiq.Sdk.PixelFormat;

[assembly: ExtensionApplication(typeof(Renderiq.AutoCad.RenderiqPlugin))]
[assembly: CommandClass(typeof(Renderiq.AutoCad.Commands))]

namespace Renderiq.AutoCad
{
    /// <summary>Loaded with the bundle: checks the native library and owns the shared client.</summary>
    public sealed class RenderiqPlugin : IExtensionApplication
    {
        private static RenderiqClient _client;

        /// <summary>The client shared by every command and document (thread-safe).</summary>
        internal static RenderiqClient Client
        {
            get
            {
                return _client ?? (_client = new RenderiqClient(new ClientOptions
                {
                    BaseUrl = Environment.GetEnvironmentVariable("RENDERIQ_BASE_URL"), // unset: the Renderiq service
                    Platform = Platform.Autocad,
                    PluginName = "renderiq-autocad-example",
                    PluginVersion = typeof(RenderiqPlugin).Assembly.GetName().Version.ToString(),
                    TokenStore = TokenStore.Keychain, // Windows Credential Manager
                }));
            }
        }

        public void Initialize()
        {
            try
            {
                // Renderiq.Sdk loads renderiq.dll by absolute path from this bundle's folder
                // (Contents\Windows\<framework>\) and checks its ABI version: do it now, so a
                // broken install is reported when the bundle loads.
                uint abi = RenderiqClient.AbiVersion;
                System.Diagnostics.Debug.WriteLine("Renderiq native ABI " + abi);
            }
            catch (System.Exception e)
            {
                Document doc = AcApp.DocumentManager.MdiActiveDocument;
                if (doc != null) doc.Editor.WriteMessage("\nRenderiq could not load its native library: " + e.Message + "\n");
            }
        }

        public void Terminate()
        {
            if (_client != null) _client.Dispose();
        }
    }

    /// <summary>The RENDERIQ, RENDERIQCANCEL and RENDERIQSIGNOUT commands.</summary>
    public sealed class Commands
    {
        private static CancellationTokenSource _running;

        /// <summary>
        /// Captures the active viewport with <see cref="Document.CapturePreviewImage"/>, renders
        /// it with a prompt in the background (AutoCAD stays usable; progress on the command
        /// line), and attaches the result as a raster image beside the drawing.
        /// </summary>
        [CommandMethod("RENDERIQ", CommandFlags.Modal)]
        public void Render()
        {
            Document doc = AcApp.DocumentManager.MdiActiveDocument;
            if (doc == null) return;
            Editor ed = doc.Editor;
            if (_running != null)
            {
                ed.WriteMessage("\nA render is running; RENDERIQCANCEL stops it.\n");
                return;
            }
            RenderiqClient client = RenderiqPlugin.Client;
            if (!client.IsSignedIn() && !SignIn(ed, client)) return;

            var promptOptions = new PromptStringOptions("\nDescribe the render: ") { AllowSpaces = true, DefaultValue = "photorealistic, soft daylight" };
            PromptResult prompt = ed.GetString(promptOptions);
            if (prompt.Status != PromptStatus.OK) return;

            var cts = new CancellationTokenSource();
            Task<Render> task;
            // A 32-bit ARGB bitmap is BGRA in memory: handed over as it is, with its stride.
            using (Bitmap shot = doc.CapturePreviewImage(1600, 900))
            {
                BitmapData data = shot.LockBits(new Rectangle(0, 0, shot.Width, shot.Height), ImageLockMode.ReadOnly,
                    System.Drawing.Imaging.PixelFormat.Format32bppArgb);
                try
                {
                    // RenderAsync copies the pixels before it returns: the bitmap can go right after.
                    task = client.RenderAsync(
                        RenderImage.FromPixels(data.Scan0, data.Width, data.Height, data.Stride, SdkPixelFormat.Bgra32),
                        new RenderOptions { Prompt = prompt.StringResult, AspectRatio = "16:9" },
                        new CommandLineProgress(), cts.Token);
                }
                finally
                {
                    shot.UnlockBits(data);
                }
            }
            _running = cts;
            ed.WriteMessage("\nRendering in the background; keep working. RENDERIQCANCEL stops it.\n");
            string docName = doc.Name;
            FinishAsync(client, task, docName, cts);
        }

        /// <summary>Waits off the main thread, downloads, then attaches the image on the main thread.</summary>
        private static async void FinishAsync(RenderiqClient client, Task<Render> task, string docName, CancellationTokenSource cts)
        {
            string message;
            string path = null;
            Render render = null;
            try
            {
                render = await task.ConfigureAwait(false);
                path = Path.Combine(Path.GetTempPath(), "renderiq-" + render.Id + ".png");
                await client.DownloadRenderToFileAsync(render, path).ConfigureAwait(false);
                message = "Render " + render.Id + " done (" + render.CreditsCost + " credits).";
            }
            catch (OperationCanceledException)
            {
                message = "Render cancelled.";
            }
            catch (InsufficientCreditsException e)
            {
                message = "Not enough credits: this render needs " + e.RequiredCredits + ", you have " + e.AvailableCredits + ".";
            }
            catch (RenderiqException e)
            {
                message = "Render failed: " + e.Message + (e.RequestId != null ? " (request " + e.RequestId + ")" : "");
            }
            catch (System.Exception e)
            {
                // async void: nothing may escape, or AutoCAD goes down with it.
                message = "Render failed: " + e.Message;
                path = null;
            }
            finally
            {
                _running = null;
                cts.Dispose();
            }
            MainThread.Post(() =>
            {
                Document doc = FindDocument(docName);
                if (doc == null) return;
                doc.Editor.WriteMessage("\nRenderiq: " + message + "\n");
                if (path != null) AttachImage(doc, path, render.Id);
            });
        }

        [CommandMethod("RENDERIQCANCEL")]
        public void Cancel()
        {
            CancellationTokenSource cts = _running;
            if (cts != null) cts.Cancel();
        }

        [CommandMethod("RENDERIQSIGNOUT")]
        public void SignOut()
        {
            RenderiqPlugin.Client.SignOut();
            AcApp.DocumentManager.MdiActiveDocument.Editor.WriteMessage("\nSigned out of Renderiq.\n");
        }

        private static bool SignIn(Editor ed, RenderiqClient client)
        {
            PromptResult email = ed.GetString("\nRenderiq email: ");
            if (email.Status != PromptStatus.OK) return false;
            PromptResult password = ed.GetString("\nRenderiq password: ");
            if (password.Status != PromptStatus.OK) return false;
            try
            {
                client.SignIn(email.StringResult, password.StringResult);
                return true;
            }
            catch (AuthException)
            {
                ed.WriteMessage("\nWrong email or password.\n");
            }
            catch (RenderiqException e)
            {
                ed.WriteMessage("\nCould not sign in: " + e.Message + "\n");
            }
            return false;
        }

        private static Document FindDocument(string name)
        {
            foreach (Document d in AcApp.DocumentManager)
                if (d.Name == name) return d;
            return null;
        }

        /// <summary>Attaches the render as a raster image to the right of the drawing's extents. Main thread only.</summary>
        private static void AttachImage(Document doc, string path, string renderId)
        {
            Database db = doc.Database;
            // Outside a command the document must be locked before it is changed.
            using (doc.LockDocument())
            using (Transaction tr = db.TransactionManager.StartTransaction())
            {
                ObjectId dictId = RasterImageDef.GetImageDictionary(db);
                if (dictId.IsNull) dictId = RasterImageDef.CreateImageDictionary(db);
                var dict = (DBDictionary)tr.GetObject(dictId, OpenMode.ForWrite);
                var def = new RasterImageDef { SourceFileName = path };
                def.Load();
                ObjectId defId = dict.SetAt("renderiq_" + renderId, def);
                tr.AddNewlyCreatedDBObject(def, true);

                double width = Math.Max(db.Extmax.X - db.Extmin.X, 1.0);
                double height = width * def.Size.Y / def.Size.X;
                var origin = new Point3d(db.Extmax.X + width * 0.05, db.Extmin.Y, 0);
                var image = new RasterImage
                {
                    ImageDefId = defId,
                    Orientation = new CoordinateSystem3d(origin, new Vector3d(width, 0, 0), new Vector3d(0, height, 0)),
                };
                var modelSpace = (BlockTableRecord)tr.GetObject(SymbolUtilityServices.GetBlockModelSpaceId(db), OpenMode.ForWrite);
                modelSpace.AppendEntity(image);
                tr.AddNewlyCreatedDBObject(image, true);
                RasterImage.EnableReactors(true);
                image.AssociateRasterDef(def);
                tr.Commit();
            }
            doc.Editor.WriteMessage("\nRenderiq: attached " + Path.GetFileName(path) + " beside the drawing.\n");
        }
    }

    /// <summary>Progress on the command line, written from the main thread.</summary>
    internal sealed class CommandLineProgress : IProgress<RenderProgress>
    {
        private string _last;

        public void Report(RenderProgress value)
        {
            string line = value.Stage + " " + value.Percent + "%";
            if (line == _last) return;
            _last = line;
            MainThread.Post(() =>
            {
                Document doc = AcApp.DocumentManager.MdiActiveDocument;
                if (doc != null) doc.Editor.WriteMessage("\nRenderiq: " + line);
            });
        }
    }
}
