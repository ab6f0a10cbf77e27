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

        internal string ToJson()
        {
            string format = null;
            if (Format.HasValue)
                format = Format.Value == UploadFormat.Png ? "png" : Format.Value == UploadFormat.WebP ? "webp" : "jpeg";
            if (MaxEdge.HasValue && MaxEdge.Value <= 0) throw new ArgumentOutOfRangeException(nameof(MaxEdge), MaxEdge, "must be positive");
            if (MaxBytes.HasValue && MaxBytes.Value <= 0) throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "must be positive");
            if (JpegQuality.HasValue && (JpegQuality.Value < 1 || JpegQuality.Value > 100))
                throw new ArgumentOutOfRangeException(nameof(JpegQuality), JpegQuality, "must be 1 to 100");
            return new JsonWriter()
                .Add("prompt", Prompt)
                .Add("style", Style)
                .Add("quality", Quality.HasValue ? Wire.Name(Quality.Value) : null)
                .Add("aspectRatio", AspectRatio)
                .Add("projectId", ProjectId)
                .Add("callbackUrl", CallbackUrl)
                .Add("idempotencyKey", IdempotencyKey)
                .Add("maxEdge", MaxEdge)
                .Add("format", format)
                .Add("maxBytes", MaxBytes)
                .Add("jpegQuality", JpegQuality)
                .ToString();
        }

        internal static uint TimeoutMs(TimeSpan? timeout)
        {
            if (!timeout.HasValue) return 0; // the SDK's default
            if (timeout.Value <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "must be positive");
            double ms = Math.Ceiling(timeout.Value.TotalMilliseconds);
            return ms >= uint.MaxValue - 1 ? uint.MaxValue - 1 : (uint)ms;
        }
    }

    /// <summary>Filters of <see cref="RenderiqClient.ListRendersAsync"/>.</summary>
    public sealed class ListRendersQuery
    {
        /// <summary>Page number, from 1.</summary>
        public int? Page { get; set; }
        /// <summary>Page size. Default is 20.</summary>
        public int? Limit { get; set; }
        /// <summary>Only renders in this state.</summary>
        public RenderStatus? Status { get; set; }
        /// <summary>Only renders of this project.</summary>
        public string ProjectId { get; set; }

        internal string ToJson()
        {
            if (Page.HasValue && Page.Value < 1) throw new ArgumentOutOfRangeException(nameof(Page), Page, "pages start at 1");
            if (Limit.HasValue && Limit.Value < 1) throw new ArgumentOutOfRangeException(nameof(Limit), Limit, "must be positive");
            return new JsonWriter()
                .Add("page", Page)
                .Add("limit", Limit)
                .Add("status", Status.HasValue ? Wire.Name(Status.Value) : null)
                .Add("projectId", ProjectId)
                .ToString();
        }
    }
}
