// Prints what an assembly is, by reflection (scripts/release/test-nuget.sh checks the packaged
// Renderiq.Sdk.dll with it): "NAME <full name>", "REF <referenced assembly>" and
// "TYPE <exported type>" lines.
//
//   mono PackageInspect.exe path/to/Renderiq.Sdk.dll
using System;
using System.Linq;
using System.Reflection;

internal static class PackageInspect
{
    private static int Main(string[] args)
    {
        Assembly asm = Assembly.LoadFrom(args[0]);
        Console.WriteLine("NAME " + asm.GetName().FullName);
        foreach (AssemblyName r in asm.GetReferencedAssemblies().OrderBy(n => n.Name, StringComparer.Ordinal))
            Console.WriteLine("REF " + r.Name + " " + r.Version);
        foreach (Type t in asm.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
            Console.WriteLine("TYPE " + t.FullName);
        return 0;
    }
}
