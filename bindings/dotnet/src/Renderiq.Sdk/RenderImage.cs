using System;
using System.Globalization;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk
{
    /// <summary>Byte order of raw 32-bit pixels.</summary>
    public enum PixelFormat
    {
        /// <summary>Blue, green, red, alpha: Windows DIBs, <c>System.Drawing</c> <c>Format32bppArgb</c>, Revit and AutoCAD captures.</summary>
        Bgra32,
        /// <summary>Red, green, blue, alpha: OpenGL read-backs.</summary>
        Rgba32,
    }

    /// <summary>
    /// A viewport capture to render from: an image file, encoded bytes (PNG, JPEG, WebP), or raw
    /// pixels with a stride. The native library copies what it needs during the call that takes
    /// the image, so the caller's buffer may be reused as soon as that call returns (for the
    /// <c>…Async</c> methods: as soon as they return their task).
    /// </summary>
    public sealed class RenderImage
    {
        private readonly JsonWriter _spec; // the call's image field
        private readonly byte[] _bytes; // what travels beside the call; null for a file or unmanaged pixels
        private readonly IntPtr _pointer; // unmanaged pixels, copied by each call that takes the image
        private readonly long _length;
        private readonly string _description;

        private RenderImage(JsonWriter spec, string description, byte[] bytes, IntPtr pointer = default(IntPtr), long length = 0, int width = 0, int height = 0)
        {
            _spec = spec;
            _description = description;
            _bytes = bytes;
            _pointer = pointer;
            _length = length;
            Width = width;
            Height = height;
        }

        /// <summary>A PNG, JPEG or WebP file (read when the render is created).</summary>
        public static RenderImage FromFile(string path)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (path.Length == 0) throw new ArgumentException("the path is empty", nameof(path));
            string full = System.IO.Path.GetFullPath(path);
            return new RenderImage(new JsonWriter().Add("kind", "file").Add("path", full), "RenderImage file " + full, null);
        }

        /// <summary>Encoded image bytes: PNG, JPEG or WebP.</summary>
        public static RenderImage FromBytes(byte[] encoded)
        {
            if (encoded == null) throw new ArgumentNullException(nameof(encoded));
            if (encoded.Length == 0) throw new ArgumentException("the image is empty", nameof(encoded));
            return new RenderImage(new JsonWriter().Add("kind", "bytes"), "RenderImage " + encoded.Length + " encoded bytes", encoded);
        }

        /// <summary>
        /// Raw 32-bit pixels in a managed array.
        /// </summary>
        /// <param name="pixels">The pixels; at least <c>stride * (height - 1) + width * 4</c> bytes.</param>
        /// <param name="width">Width in pixels.</param>
        /// <param name="height">Height in pixels.</param>
        /// <param name="stride">Bytes from one row's start to the next (at least <c>width * 4</c>; rows may be padded).</param>
        /// <param name="format">Byte order of a pixel.</param>
        /// <param name="bottomUp">True when the first row in memory is the image's bottom row (OpenGL, bottom-up DIBs).</param>
        public static RenderImage FromPixels(byte[] pixels, int width, int height, int stride, PixelFormat format, bool bottomUp = false)
        {
            if (pixels == null) throw new ArgumentNullException(nameof(pixels));
            CheckGeometry(width, height, stride, pixels.LongLength);
            return Raw(pixels, IntPtr.Zero, width, height, stride, format, bottomUp);
        }

        /// <summary>
        /// Raw 32-bit pixels in unmanaged memory, e.g. <c>BitmapData.Scan0</c> from
        /// <c>Bitmap.LockBits</c>. A negative <paramref name="stride"/> (a bottom-up bitmap whose
        /// <paramref name="pixels"/> points at the top row) is understood. The memory must stay
        /// valid until the method that takes this image returns.
        /// </summary>
        public static RenderImage FromPixels(IntPtr pixels, int width, int height, int stride, PixelFormat format, bool bottomUp = false)
        {
            if (pixels == IntPtr.Zero) throw new ArgumentNullException(nameof(pixels));
            if (stride < 0)
            {
                // GDI+ convention: Scan0 is the top row and rows go backwards in memory, so the
                // buffer starts at the bottom row.
                long absStride = -(long)stride;
                pixels = new IntPtr(pixels.ToInt64() - absStride * (height - 1));
                CheckGeometry(width, height, absStride, absStride * height);
                return Raw(null, pixels, width, height, absStride, format, !bottomUp);
            }
            CheckGeometry(width, height, stride, (long)stride * height);
            return Raw(null, pixels, width, height, stride, format, bottomUp);
        }

        private static RenderImage Raw(byte[] bytes, IntPtr pointer, int width, int height, long stride, PixelFormat format, bool bottomUp)
        {
            JsonWriter spec = new JsonWriter().Add("kind", "raw").Add("width", width).Add("height", height).Add("stride", stride)
                .Add("pixelFormat", format == PixelFormat.Rgba32 ? "rgba8" : "bgra8").Add("bottomUp", bottomUp);
            string description = string.Format(CultureInfo.InvariantCulture, "RenderImage {0}x{1} {2}{3}", width, height, format, bottomUp ? " bottom-up" : "");
            return new RenderImage(spec, description, bytes, pointer, RequiredLength(width, height, stride), width, height);
        }

        private static long RequiredLength(int width, int height, long stride) => stride * (height - 1) + (long)width * 4;

        private static void CheckGeometry(int width, int height, long stride, long length)
        {
            if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "must be at least 1");
            if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "must be at least 1");
            if (stride < (long)width * 4)
                throw new ArgumentOutOfRangeException(nameof(stride), stride, string.Format(CultureInfo.InvariantCulture,
                    "a row of {0} pixels needs at least {1} bytes (width * 4)", width, (long)width * 4));
            long needed = RequiredLength(width, height, stride);
            if (length < needed)
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                    "the buffer has {0} bytes but a {1}x{2} image with a stride of {3} needs at least {4} (stride * (height - 1) + width * 4)",
                    length, width, height, stride, needed), "pixels");
        }

        /// <summary>Width in pixels (raw pixels only; 0 otherwise).</summary>
        public int Width { get; }

        /// <summary>Height in pixels (raw pixels only; 0 otherwise).</summary>
        public int Height { get; }

        /// <summary>
        /// The call's <c>image</c> field; <paramref name="data"/> receives the bytes that travel
        /// beside the call (the encoded file or the pixels, copied from unmanaged memory).
        /// </summary>
        internal JsonWriter ToCall(out byte[] data)
        {
            data = _bytes;
            if (data == null && _pointer != IntPtr.Zero)
            {
                data = new byte[_length];
                System.Runtime.InteropServices.Marshal.Copy(_pointer, data, 0, data.Length);
            }
            return _spec;
        }

        /// <inheritdoc/>
        public override string ToString() { return _description; }
    }
}
