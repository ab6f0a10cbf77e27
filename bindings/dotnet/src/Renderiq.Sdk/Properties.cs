using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Renderiq.Sdk.Tests")]
[assembly: InternalsVisibleTo("dotnet_overhead")]
[assembly: InternalsVisibleTo("LoadProbe")]
