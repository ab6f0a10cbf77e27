using System;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk
{
    // The wire models (Render, User, Page<T>, …) are generated into Models.g.cs; these are the
    // few additions by hand.

    public sealed partial class Render
    {
        /// <summary>True for completed, failed and cancelled.</summary>
        /// <example><code>if (render.IsTerminal) statusBar.Text = render.Status.ToString();</code></example>
        public bool IsTerminal
        {
            get { return Status == RenderStatus.Completed || Status == RenderStatus.Failed || Status == RenderStatus.Cancelled; }
        }

        internal static Render Parse(string json) => FromJson(JsonReader.ParseObject(json));

        /// <inheritdoc/>
        public override string ToString() { return "Render " + Id + " (" + Status + ", " + Progress + "%)"; }
    }

    /// <summary>Progress of an operation, reported through <see cref="IProgress{T}"/>.</summary>
    /// <example><code>new Progress&lt;RenderProgress&gt;(p =&gt; statusBar.Text = p.Stage + " " + p.Percent + "%")</code></example>
    public sealed class RenderProgress
    {
        /// <summary>0–100.</summary>
        public int Percent { get; set; }
        /// <summary>
        /// What is happening: <c>preparing</c>, <c>uploading</c>, then the render's status
        /// (<c>pending</c>, <c>processing</c>, <c>completed</c>, …).
        /// </summary>
        public string Stage { get; set; }
        /// <summary>True once the operation finished.</summary>
        public bool Done { get; set; }
        /// <summary>The render as last seen, once it exists on the server; else null.</summary>
        public Render Render { get; set; }
        /// <summary>Grows by one with every change the core makes to this progress.</summary>
        public long Version { get; set; }

        internal static RenderProgress Parse(string json)
        {
            JsonObject o = JsonReader.ParseObject(json);
            Progress p = Progress.FromJson(o);
            return new RenderProgress { Percent = p.Percent, Stage = p.Stage, Done = o.Bool("done"), Version = p.Version, Render = p.Render };
        }

        /// <inheritdoc/>
        public override string ToString() { return Stage + " " + Percent + "%"; }
    }

    /// <summary>An image prepared for upload, as <see cref="RenderiqClient.PrepareImage"/> returns it.</summary>
    /// <example><code>PreparedImage p = RenderiqClient.PrepareImage(image); File.WriteAllBytes("preview." + p.Format, p.Bytes);</code></example>
    public sealed class PreparedImage
    {
        /// <summary>The encoded bytes.</summary>
        public byte[] Bytes { get; set; }
        /// <summary>MIME type, e.g. <c>image/jpeg</c>.</summary>
        public string MimeType { get; set; }
        /// <summary>Format name: <c>jpeg</c>, <c>png</c>, <c>webp</c>.</summary>
        public string Format { get; set; }
        /// <summary>Width in pixels.</summary>
        public int Width { get; set; }
        /// <summary>Height in pixels.</summary>
        public int Height { get; set; }
    }
}
