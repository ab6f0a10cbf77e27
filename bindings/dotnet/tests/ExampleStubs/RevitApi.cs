// Compile-only stand-ins for the parts of the Revit API (RevitAPI.dll, RevitAPIUI.dll) that
// examples/revit uses, with the real namespaces and signatures, so scripts/test-dotnet.sh can
// type-check the example on a machine without Revit. Nothing here runs.
#pragma warning disable 1591, 67
using System;
using System.Collections;
using System.Collections.Generic;

namespace Autodesk.Revit.Attributes
{
    public enum TransactionMode { Manual = 1, ReadOnly = 2 }
    public enum RegenerationOption { Manual = 1 }

    [AttributeUsage(AttributeTargets.Class)]
    public sealed class TransactionAttribute : Attribute { public TransactionAttribute(TransactionMode mode) { } }

    [AttributeUsage(AttributeTargets.Class)]
    public sealed class RegenerationAttribute : Attribute { public RegenerationAttribute(RegenerationOption option) { } }
}

namespace Autodesk.Revit.DB
{
    public class ElementId { }
    public class ElementSet { }

    public class Element
    {
        public ElementId Id { get { throw new NotImplementedException(); } }
        public virtual string Name { get { throw new NotImplementedException(); } set { } }
    }

    public class View : Element
    {
        public bool CanBePrinted { get { throw new NotImplementedException(); } }
    }

    public class ViewDrafting : View
    {
        public static ViewDrafting Create(Document document, ElementId viewFamilyTypeId) { throw new NotImplementedException(); }
    }

    public enum ViewFamily { Invalid = 0, Drafting = 110 }

    public class ViewFamilyType : Element
    {
        public ViewFamily ViewFamily { get { throw new NotImplementedException(); } }
    }

    public class Document
    {
        public View ActiveView { get { throw new NotImplementedException(); } }
        public string Title { get { throw new NotImplementedException(); } }
        public void ExportImage(ImageExportOptions options) { }
    }

    public class FilteredElementCollector : IEnumerable<Element>
    {
        public FilteredElementCollector(Document document) { }
        public FilteredElementCollector OfClass(Type type) { return this; }
        public IEnumerator<Element> GetEnumerator() { throw new NotImplementedException(); }
        IEnumerator IEnumerable.GetEnumerator() { return GetEnumerator(); }
    }

    public class Transaction : IDisposable
    {
        public Transaction(Document document, string name) { }
        public TransactionStatus Start() { return TransactionStatus.Started; }
        public TransactionStatus Commit() { return TransactionStatus.Committed; }
        public void Dispose() { }
    }

    public enum TransactionStatus { Uninitialized, Started, RolledBack, Committed }
    public enum ExportRange { VisibleRegionOfCurrentView, CurrentView, SetOfViews }
    public enum ZoomFitType { FitToPage, Zoom }
    public enum FitDirectionType { Horizontal, Vertical }
    public enum ImageResolution { DPI_72, DPI_150, DPI_300, DPI_600 }
    public enum ImageFileType { BMP, JPEGLossless, PNG, TIFF }

    public class ImageExportOptions
    {
        public ExportRange ExportRange { get; set; }
        public string FilePath { get; set; }
        public ZoomFitType ZoomType { get; set; }
        public FitDirectionType FitDirection { get; set; }
        public int PixelSize { get; set; }
        public ImageResolution ImageResolution { get; set; }
        public ImageFileType HLRandWFViewsFileType { get; set; }
        public ImageFileType ShadowViewsFileType { get; set; }
    }

    public enum ImageTypeSource { Import, Link }

    public class ImageTypeOptions
    {
        public ImageTypeOptions(string path, bool useRelativePath, ImageTypeSource sourceType) { }
    }

    public class ImageType : Element
    {
        public static ImageType Create(Document document, ImageTypeOptions options) { throw new NotImplementedException(); }
    }

    public class ImagePlacementOptions { }

    public class ImageInstance : Element
    {
        public static ImageInstance Create(Document document, View view, ElementId typeId, ImagePlacementOptions options) { throw new NotImplementedException(); }
    }
}

namespace Autodesk.Revit.UI
{
    using Autodesk.Revit.DB;

    public enum Result { Failed = -1, Succeeded = 0, Cancelled = 1 }

    public interface IExternalApplication
    {
        Result OnStartup(UIControlledApplication application);
        Result OnShutdown(UIControlledApplication application);
    }

    public interface IExternalCommand
    {
        Result Execute(ExternalCommandData commandData, ref string message, ElementSet elements);
    }

    public interface IExternalEventHandler
    {
        void Execute(UIApplication app);
        string GetName();
    }

    public class ExternalEvent : IDisposable
    {
        public static ExternalEvent Create(IExternalEventHandler handler) { throw new NotImplementedException(); }
        public ExternalEventRequest Raise() { return ExternalEventRequest.Accepted; }
        public void Dispose() { }
    }

    public enum ExternalEventRequest { Accepted, Pending, Denied, TimedOut }

    public class ExternalCommandData
    {
        public UIApplication Application { get { throw new NotImplementedException(); } }
    }

    public class UIApplication
    {
        public UIDocument ActiveUIDocument { get { throw new NotImplementedException(); } }
        public IntPtr MainWindowHandle { get { throw new NotImplementedException(); } }
    }

    public class UIDocument
    {
        public Document Document { get { throw new NotImplementedException(); } }
        public View ActiveView { get { throw new NotImplementedException(); } set { } }
    }

    public class UIControlledApplication
    {
        public RibbonPanel CreateRibbonPanel(string panelName) { throw new NotImplementedException(); }
    }

    public class RibbonItemData { }

    public class ButtonData : RibbonItemData
    {
        public string ToolTip { get; set; }
    }

    public class PushButtonData : ButtonData
    {
        public PushButtonData(string name, string text, string assemblyName, string className) { }
    }

    public class RibbonItem { }

    public class RibbonPanel
    {
        public RibbonItem AddItem(RibbonItemData itemData) { throw new NotImplementedException(); }
    }

    public class TaskDialog
    {
        public static TaskDialogResult Show(string title, string mainInstruction) { return TaskDialogResult.Ok; }
    }

    public enum TaskDialogResult { None = 0, Ok = 1, Cancel = 2 }
}
