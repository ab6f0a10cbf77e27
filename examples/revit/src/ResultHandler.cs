using System;
using System.Collections.Concurrent;
using System.Linq;
using Autodesk.Revit.DB;
using Autodesk.Revit.UI;

namespace Renderiq.Revit
{
    /// <summary>A finished render waiting to be placed in its document.</summary>
    internal sealed class FinishedRender
    {
        public string DocumentTitle;
        public string ViewName;
        public string RenderId;
        public string ImagePath;
    }

    /// <summary>
    /// Runs on Revit's thread, in an API context, when <see cref="RenderiqApp.ResultEvent"/> is
    /// raised: places each finished render as an image in a new drafting view and opens it.
    /// The render window (which runs on no API context) only queues results and raises the event.
    /// </summary>
    internal sealed class ResultHandler : IExternalEventHandler
    {
        private readonly ConcurrentQueue<FinishedRender> _pending = new ConcurrentQueue<FinishedRender>();

        /// <summary>Queues a result; call <see cref="ExternalEvent.Raise"/> afterwards. Any thread.</summary>
        public void Enqueue(FinishedRender result)
        {
            _pending.Enqueue(result);
        }

        public string GetName()
        {
            return "Renderiq: place render";
        }

        public void Execute(UIApplication app)
        {
            FinishedRender result;
            while (_pending.TryDequeue(out result))
            {
                try
                {
                    Place(app, result);
                }
                catch (Exception e)
                {
                    TaskDialog.Show("Renderiq", "The render " + result.RenderId + " is saved at\n" + result.ImagePath +
                        "\nbut could not be placed in the model: " + e.Message);
                }
            }
        }

        private static void Place(UIApplication app, FinishedRender result)
        {
            UIDocument uidoc = app.ActiveUIDocument;
            if (uidoc == null || uidoc.Document.Title != result.DocumentTitle)
            {
                TaskDialog.Show("Renderiq", "The render of '" + result.ViewName + "' is ready: " + result.ImagePath);
                return;
            }
            Document doc = uidoc.Document;
            ViewDrafting drafting;
            using (var t = new Transaction(doc, "Renderiq render"))
            {
                t.Start();
                ViewFamilyType type = new FilteredElementCollector(doc).OfClass(typeof(ViewFamilyType)).Cast<ViewFamilyType>()
                    .First(v => v.ViewFamily == ViewFamily.Drafting);
                drafting = ViewDrafting.Create(doc, type.Id);
                drafting.Name = "Renderiq - " + result.ViewName + " - " + DateTime.Now.ToString("yyyy-MM-dd HH.mm.ss");
                ImageType image = ImageType.Create(doc, new ImageTypeOptions(result.ImagePath, false, ImageTypeSource.Import));
                ImageInstance.Create(doc, drafting, image.Id, new ImagePlacementOptions());
                t.Commit();
            }
            uidoc.ActiveView = drafting; // outside the transaction
        }
    }
}
