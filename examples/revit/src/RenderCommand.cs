using System;
using System.IO;
using System.Linq;
using Autodesk.Revit.Attributes;
using Autodesk.Revit.DB;
using Autodesk.Revit.UI;

namespace Renderiq.Revit
{
    /// <summary>
    /// "AI Render": exports the active view as a PNG with <see cref="ImageExportOptions"/>, then
    /// opens the (modeless) render window, which sends it to Renderiq without blocking Revit.
    /// The command returns at once; the finished render comes back to Revit's thread through
    /// <see cref="RenderiqApp.ResultEvent"/>.
    /// </summary>
    [Transaction(TransactionMode.ReadOnly)]
    [Regeneration(RegenerationOption.Manual)]
    public sealed class RenderCommand : IExternalCommand
    {
        public Result Execute(ExternalCommandData commandData, ref string message, ElementSet elements)
        {
            UIDocument uidoc = commandData.Application.ActiveUIDocument;
            if (uidoc == null || RenderiqApp.Client == null)
            {
                message = "Open a project first.";
                return Result.Failed;
            }
            Document doc = uidoc.Document;
            View view = doc.ActiveView;
            if (view == null || !view.CanBePrinted)
            {
                message = "The active view cannot be exported as an image: switch to a 3D view, plan, section or elevation.";
                return Result.Failed;
            }

            // Sign in once; the session then lives in Windows Credential Manager.
            if (!RenderiqApp.Client.IsSignedIn())
            {
                using (var signIn = new SignInForm(RenderiqApp.Client))
                {
                    if (signIn.ShowDialog() != System.Windows.Forms.DialogResult.OK) return Result.Cancelled;
                }
            }

            string capture;
            try
            {
                capture = ExportActiveView(doc, view);
            }
            catch (Exception e)
            {
                message = "Could not export the view: " + e.Message;
                return Result.Failed;
            }

            // Modeless: Revit stays usable while the render runs.
            var window = new RenderWindow(RenderiqApp.Client, capture, doc.Title, view.Name);
            window.Show(new RevitWindow(commandData.Application.MainWindowHandle));
            return Result.Succeeded;
        }

        /// <summary>Exports the active view to a PNG in the temp folder and returns its path.</summary>
        internal static string ExportActiveView(Document doc, View view)
        {
            string folder = Path.Combine(Path.GetTempPath(), "Renderiq");
            Directory.CreateDirectory(folder);
            string prefix = "capture-" + Guid.NewGuid().ToString("N");
            var options = new ImageExportOptions
            {
                ExportRange = ExportRange.CurrentView,
                FilePath = Path.Combine(folder, prefix),
                ZoomType = ZoomFitType.FitToPage,
                FitDirection = FitDirectionType.Horizontal,
                PixelSize = 2048, // Renderiq scales the upload to 2048 px on its longest edge anyway
                ImageResolution = ImageResolution.DPI_150,
                HLRandWFViewsFileType = ImageFileType.PNG,
                ShadowViewsFileType = ImageFileType.PNG,
            };
            doc.ExportImage(options);
            // Revit may append the view's type and name to the file name: take what it wrote.
            string file = Directory.GetFiles(folder, prefix + "*.png").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
            if (file == null) throw new InvalidOperationException("Revit wrote no image for view '" + view.Name + "'");
            return file;
        }
    }

    /// <summary>Revit's main window as the owner of our windows, so they stay on top of it.</summary>
    internal sealed class RevitWindow : System.Windows.Forms.IWin32Window
    {
        public RevitWindow(IntPtr handle) { Handle = handle; }

        public IntPtr Handle { get; private set; }
    }
}
