using System;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk
{
    /// <summary>Encoding of the uploaded capture.</summary>
    public enum UploadFormat
    {
        /// <summary>JPEG (the default): small, fine for viewport captures.</summary>
        Jpeg,
        /// <summary>PNG: lossless.</summary>
        Png,
        /// <summary>WebP (lossless).</summary>
        WebP,
    }

    /// <summary>What to render and how to prepare the capture. Every property is optional.</summary>
    public sealed class RenderOptions
    {
        /// <summary>What the render should look like, e.g. "modern villa at dusk, warm interior light".</summary>
        public string Prompt { get; set; }
        /// <summary>Style: photorealistic, sketch, watercolor, clay, night, blueprint. Default is the user's setting.</summary>
        public string Style { get; set; }
        /// <summary>Quality (decides the credit cost). Default is the user's setting.</summary>
        public Quality? Quality { get; set; }
        /// <summary>Aspect ratio: 1:1, 4:3, 3:2, 16:9, 9:16, 21:9. Default is the user's setting.</summary>
        public string AspectRatio { get; set; }
        /// <summary>Project to file the render under.</summary>
        public string ProjectId { get; set; }
        /// <summary>URL the server calls when the render finishes.</summary>
        public string CallbackUrl { get; set; }
        /// <summary>Makes a retried create safe: the same key and body never create two renders.</summary>
        public string IdempotencyKey { get; set; }
        /// <summary>Longest edge of the uploaded image in pixels. Default is 2048.</summary>
        public int? MaxEdge { get; set; }
        /// <summary>Encoding of the upload. Default is <see cref="UploadFormat.Jpeg"/>.</summary>
        public UploadFormat? Format { get; set; }
        /// <summary>Largest upload in bytes. Default is 10 MiB.</summary>
        public long? MaxBytes { get; set; }
        /// <summary>JPEG quality 1–100. Default is 85.</summary>
        public int? JpegQuality { get; set; }
        /// <summary>How long <see cref="RenderiqClient.RenderAsync"/> waits for the result after the upload. Default is 10 minutes.</summary>
        public TimeSpan? WaitTimeout { get; set; }

        /// <summary>Adds the call's <c>settings</c>, <c>prepare</c> and (with <paramref name="wait"/>) <c>wait</c> fields; the core checks them.</summary>
        internal JsonWriter AddTo(JsonWriter call, bool wait)
        {
            var settings = new JsonWriter()
                .Add("prompt", Prompt)
                .Add("style", Style)
                .Add("quality", Quality.HasValue ? Quality.Value.ToWire() : null)
                .Add("aspectRatio", AspectRatio)
                .Add("projectId", ProjectId)
                .Add("callbackUrl", CallbackUrl)
                .Add("idempotencyKey", IdempotencyKey);
            call.Add("settings", settings).Add("prepare", PrepareJson());
            return wait ? call.Add("wait", WaitSpec(WaitTimeout)) : call;
        }

        /// <summary>The call's <c>prepare</c> field (also the parameters of <see cref="RenderiqClient.PrepareImage"/>).</summary>
        internal JsonWriter PrepareJson()
        {
            return new JsonWriter()
                .Add("maxEdge", MaxEdge)
                .Add("format", Format.HasValue ? Format.Value.ToString().ToLowerInvariant() : null)
                .Add("maxBytes", MaxBytes)
                .Add("jpegQuality", JpegQuality);
        }

        /// <summary>A call's <c>wait</c> field: <c>{"timeoutMs"}</c> (empty for the core's default).</summary>
        internal static JsonWriter WaitSpec(TimeSpan? timeout)
            => new JsonWriter().Add("timeoutMs", ClientOptions.Milliseconds(timeout));
    }
}
