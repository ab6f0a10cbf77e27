// Compile-only stand-ins for the parts of the AutoCAD .NET API (accoremgd, acdbmgd, acmgd) that
// examples/autocad uses, with the real namespaces and signatures, so scripts/test-dotnet.sh can
// type-check the example on a machine without AutoCAD. Nothing here runs.
#pragma warning disable 1591, 67
using System;
using System.Collections;

namespace Autodesk.AutoCAD.Runtime
{
    [Flags]
    public enum CommandFlags { Modal = 0, Transparent = 1, UsePickSet = 2, Session = 0x200000 }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class CommandMethodAttribute : Attribute
    {
        public CommandMethodAttribute(string globalName) { }
        public CommandMethodAttribute(string globalName, CommandFlags flags) { }
    }

    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    public sealed class CommandClassAttribute : Attribute { public CommandClassAttribute(Type type) { } }

    [AttributeUsage(AttributeTargets.Assembly)]
    public sealed class ExtensionApplicationAttribute : Attribute { public ExtensionApplicationAttribute(Type type) { } }

    public interface IExtensionApplication
    {
        void Initialize();
        void Terminate();
    }

    /// <summary>AutoCAD's own Exception, which makes a bare "Exception" ambiguous in files that import this namespace.</summary>
    public class Exception : System.Exception { }
}

namespace Autodesk.AutoCAD.Geometry
{
    public struct Point3d
    {
        public Point3d(double x, double y, double z) { X = x; Y = y; Z = z; }
        public double X { get; private set; }
        public double Y { get; private set; }
        public double Z { get; private set; }
    }

    public struct Vector3d { public Vector3d(double x, double y, double z) { } }

    public struct Vector2d
    {
        public double X { get { return 0; } }
        public double Y { get { return 0; } }
    }

    public struct CoordinateSystem3d { public CoordinateSystem3d(Point3d origin, Vector3d xAxis, Vector3d yAxis) { } }
}

namespace Autodesk.AutoCAD.DatabaseServices
{
    using Autodesk.AutoCAD.Geometry;

    public struct ObjectId { public bool IsNull { get { return true; } } }
    public enum OpenMode { ForRead = 0, ForWrite = 1, ForNotify = 2 }

    public class DBObject : IDisposable { public void Dispose() { } }
    public class Entity : DBObject { }

    public class DBDictionary : DBObject
    {
        public ObjectId SetAt(string searchKey, DBObject newValue) { throw new NotImplementedException(); }
    }

    public class BlockTableRecord : DBObject
    {
        public ObjectId AppendEntity(Entity entity) { throw new NotImplementedException(); }
    }

    public class RasterImageDef : DBObject
    {
        public string SourceFileName { get; set; }
        public Vector2d Size { get { throw new NotImplementedException(); } }
        public void Load() { }
        public static ObjectId GetImageDictionary(Database database) { throw new NotImplementedException(); }
        public static ObjectId CreateImageDictionary(Database database) { throw new NotImplementedException(); }
    }

    public class RasterImage : Entity
    {
        public ObjectId ImageDefId { get; set; }
        public CoordinateSystem3d Orientation { get; set; }
        public static void EnableReactors(bool enable) { }
        public void AssociateRasterDef(RasterImageDef imageDef) { }
    }

    public static class SymbolUtilityServices
    {
        public static ObjectId GetBlockModelSpaceId(Database database) { throw new NotImplementedException(); }
    }

    public class Transaction : IDisposable
    {
        public DBObject GetObject(ObjectId id, OpenMode mode) { throw new NotImplementedException(); }
        public void AddNewlyCreatedDBObject(DBObject obj, bool add) { }
        public void Commit() { }
        public void Dispose() { }
    }

    public class TransactionManager
    {
        public Transaction StartTransaction() { throw new NotImplementedException(); }
    }

    public class Database
    {
        public Point3d Extmin { get { throw new NotImplementedException(); } }
        public Point3d Extmax { get { throw new NotImplementedException(); } }
        public TransactionManager TransactionManager { get { throw new NotImplementedException(); } }
    }
}

namespace Autodesk.AutoCAD.EditorInput
{
    public enum PromptStatus { Error = -5002, Cancel = -5002, None = 5000, OK = 5100 }

    public class PromptResult
    {
        public PromptStatus Status { get { throw new NotImplementedException(); } }
        public string StringResult { get { throw new NotImplementedException(); } }
    }

    public class PromptStringOptions
    {
        public PromptStringOptions(string message) { }
        public bool AllowSpaces { get; set; }
        public string DefaultValue { get; set; }
    }

    public class Editor
    {
        public void WriteMessage(string message) { }
        public PromptResult GetString(string message) { throw new NotImplementedException(); }
        public PromptResult GetString(PromptStringOptions options) { throw new NotImplementedException(); }
    }
}

namespace Autodesk.AutoCAD.ApplicationServices
{
    using Autodesk.AutoCAD.DatabaseServices;
    using Autodesk.AutoCAD.EditorInput;

    public class DocumentLock : IDisposable { public void Dispose() { } }

    public class Document
    {
        public Editor Editor { get { throw new NotImplementedException(); } }
        public string Name { get { throw new NotImplementedException(); } }
        public Database Database { get { throw new NotImplementedException(); } }
        public DocumentLock LockDocument() { throw new NotImplementedException(); }
        public System.Drawing.Bitmap CapturePreviewImage(uint width, uint height) { throw new NotImplementedException(); }
    }

    public class DocumentCollection : IEnumerable
    {
        public Document MdiActiveDocument { get { throw new NotImplementedException(); } }
        public IEnumerator GetEnumerator() { throw new NotImplementedException(); }
    }

    public static class Application
    {
        public static DocumentCollection DocumentManager { get { throw new NotImplementedException(); } }
        public static event EventHandler Idle;
    }
}
