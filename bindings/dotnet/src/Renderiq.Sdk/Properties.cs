using System.Reflection;
using System.Runtime.CompilerServices;

// Kept here rather than generated from the csproj, so that the mcs build (scripts/test-dotnet.sh)
// and the dotnet build stamp the same version. Keep it in step with the workspace's version.
[assembly: AssemblyTitle("Renderiq.Sdk")]
[assembly: AssemblyDescription("Renderiq AI-render client for CAD add-ins (Revit, AutoCAD)")]
[assembly: AssemblyCompany("Renderiq")]
[assembly: AssemblyProduct("Renderiq SDK")]
[assembly: AssemblyVersion("0.1.0.0")]
[assembly: AssemblyFileVersion("0.1.0.0")]
[assembly: AssemblyInformationalVersion("0.1.0")]

[assembly: InternalsVisibleTo("Renderiq.Sdk.Tests")]
[assembly: InternalsVisibleTo("dotnet_overhead")]
[assembly: InternalsVisibleTo("LoadProbe")]
[assembly: InternalsVisibleTo("Renderiq.Conformance")]
