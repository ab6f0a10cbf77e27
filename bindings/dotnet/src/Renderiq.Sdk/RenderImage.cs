using System;
using System.Globalization;

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
        private const uint KindFile = 0, KindBytes = 1, KindRaw = 2;
        private readonly uint _kind;
        private readonly string _path;
        private readonly byte[] _bytes;
        private readonly IntPtr _pointer;
        private readonly long _length;
        private readonly int _width;
        private readonly int _height;
        private readonly long _stride;
        private readonly PixelFormat _format;
        private readonly bool _bottomUp;

        private RenderImage(uint kind, string path, byte[] bytes, IntPtr pointer, long length,
            int width, int height, long stride, PixelFormat format, bool bottomUp)
        {
            _kind = kind;
            _path = path;
            _bytes = bytes;
            _pointer = pointer;
            _length = length;
            _width = width;
            _height = height;
            _stride = stride;
            _format = format;
            _bottomUp = bottomUp;
        }

        /// <summary>A PNG, JPEG or WebP file (read when the render is created).</summary>
        public static RenderImage FromFile(string path)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (path.Length == 0) throw new ArgumentException("the path is empty", nameof(path));
            return new RenderImage(KindFile, System.IO.Path.GetFullPath(path), null, IntPtr.Zero, 0, 0, 0, 0, default(PixelFormat), false);
        }

        /// <summary>Encoded image bytes: PNG, JPEG or WebP.</summary>
        public static RenderImage FromBytes(byte[] encoded)
        {
            if (encoded == null) throw new ArgumentNullException(nameof(encoded));
            if (encoded.Length == 0) throw new ArgumentException("the image is empty", nameof(encoded));
            return new RenderImage(KindBytes, null, encoded, IntPtr.Zero, encoded.Length, 0, 0, 0, default(PixelFormat), false);
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
            return new RenderImage(KindRaw, null, pixels, IntPtr.Zero, pixels.LongLength, width, height, stride, format, bottomUp);
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
                return new RenderImage(KindRaw, null, null, pixels, RequiredLength(width, height, absStride), width, height, absStride, format, !bottomUp);
            }
            CheckGeometry(width, height, stride, (long)stride * height);
            return new RenderImage(KindRaw, null, null, pixels, RequiredLength(width, height, stride), width, height, stride, format, bottomUp);
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
        public int Width { get { return _width; } }

        /// <summary>Height in pixels (raw pixels only; 0 otherwise).</summary>
        public int Height { get { return _height; } }

        /// <summary>
        /// The call's <c>image</c> field; <paramref name="data"/> receives the bytes that travel
        /// beside the call (the encoded file or the pixels, copied from unmanaged memory).
        /// </summary>
        internal Json.JsonWriter ToCall(out byte[] data)
        {
            data = _bytes;
            if (_kind == KindFile) return new Json.JsonWriter().Add("kind", "file").Add("path", _path);
            if (_kind == KindBytes) return new Json.JsonWriter().Add("kind", "bytes");
            if (data == null)
            {
                data = new byte[_length];
                System.Runtime.InteropServices.Marshal.Copy(_pointer, data, 0, data.Length);
            }
            return new Json.JsonWriter().Add("kind", "raw").Add("width", _width).Add("height", _height).Add("stride", _stride)
                .Add("pixelFormat", _format == PixelFormat.Rgba32 ? "rgba8" : "bgra8").Add("bottomUp", _bottomUp);
        }

        /// <inheritdoc/>
        public override string ToString()
        {
            switch (_kind)
            {
                case KindFile: return "RenderImage file " + _path;
                case KindBytes: return "RenderImage " + _length + " encoded bytes";
                default: return string.Format(CultureInfo.InvariantCulture, "RenderImage {0}x{1} {2}{3}", _width, _height, _format, _bottomUp ? " bottom-up" : "");
            }
        }
    }
}
