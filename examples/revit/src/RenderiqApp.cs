using System;
using Autodesk.Revit.UI;
using Renderiq.Sdk;

namespace Renderiq.Revit
{
    /// <summary>
    /// The add-in's application: loads the native library, creates the one shared
    /// <see cref="RenderiqClient"/>, the <see cref="ExternalEvent"/> that brings results back to
    /// Revit's thread, and a ribbon button for <see cref="RenderCommand"/>.
    /// </summary>
    public sealed class RenderiqApp : IExternalApplication
    {
        /// <summary>The client shared by every command (thread-safe; one per add-in).</summary>
        internal static RenderiqClient Client { get; private set; }

        /// <summary>Where finished renders go to be placed in the model, on Revit's thread.</summary>
        internal static ResultHandler Results { get; private set; }

        /// <summary>Raises <see cref="Results"/> from any thread.</summary>
        internal static ExternalEvent ResultEvent { get; private set; }

        public Result OnStartup(UIControlledApplication application)
        {
            try
            {
                NativeLibraryBootstrap.Load();
                Client = new RenderiqClient(new ClientOptions
                {
                    // The reference server for development: `renderiq-server serve`. Leave it
                    // unset for the Renderiq service.
                    BaseUrl = Environment.GetEnvironmentVariable("RENDERIQ_BASE_URL"),
                    Platform = Platform.Revit,
                    PluginName = "renderiq-revit-example",
                    PluginVersion = typeof(RenderiqApp).Assembly.GetName().Version.ToString(),
                    // Sessions live in Windows Credential Manager: the user signs in once.
                    TokenStore = TokenStore.Keychain,
                });
            }
            catch (Exception e)
            {
                TaskDialog.Show("Renderiq", "Renderiq could not start:\n\n" + e.Message);
                return Result.Failed;
            }

            // An ExternalEvent must be created in a Revit API context: here, at start-up.
            Results = new ResultHandler();
            ResultEvent = ExternalEvent.Create(Results);

            RibbonPanel panel = application.CreateRibbonPanel("Renderiq");
            var button = new PushButtonData("RenderiqRender", "AI Render", typeof(RenderiqApp).Assembly.Location,
                typeof(RenderCommand).FullName)
            {
                ToolTip = "Render the active view with Renderiq",
            };
            panel.AddItem(button);
            return Result.Succeeded;
        }

        public Result OnShutdown(UIControlledApplication application)
        {
            if (ResultEvent != null) ResultEvent.Dispose();
            if (Client != null) Client.Dispose();
            return Result.Succeeded;
        }
    }
}
