using System;
using System.Text;
using System.Threading;

namespace Renderiq.Sdk.Native
{
    /// <summary>
    /// Marshalling by hand, the same way for every call: strings go in as NUL-terminated UTF-8
    /// borrowed for the call (pinned byte arrays), strings and bytes come out as pointers the
    /// native library owns and that only its own free functions release, never the .NET
    /// marshaller.
    /// </summary>
    internal static unsafe class Interop
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        /// <summary>NUL-terminated UTF-8 for a string argument; null stays null (a NULL pointer).</summary>
        /// <exception cref="ArgumentException">The string contains a NUL character, which C cannot carry.</exception>
        internal static byte[] Utf8Z(string s, string paramName = null)
        {
            if (s == null) return null;
            if (s.IndexOf('\0') >= 0)
                throw new ArgumentException("the string contains a NUL character", paramName ?? "value");
            int n = StrictUtf8.GetByteCount(s);
            var bytes = new byte[n + 1];
            StrictUtf8.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        /// <summary>Reads a NUL-terminated UTF-8 string the caller does not own (NULL reads as null).</summary>
        internal static string ReadBorrowed(byte* p)
        {
            if (p == null) return null;
            int len = 0;
            while (p[len] != 0) len++;
            return Encoding.UTF8.GetString(p, len);
        }

        /// <summary>Reads a string the library handed over and frees it with <c>renderiq_string_free</c>.</summary>
        internal static string TakeString(byte* p)
        {
            if (p == null) return null;
            try
            {
                return ReadBorrowed(p);
            }
            finally
            {
                NativeMethods.renderiq_string_free(p);
            }
        }

        /// <summary>Copies a byte buffer the library handed over and frees it with <c>renderiq_bytes_free</c>.</summary>
        internal static byte[] TakeBytes(byte* p, UIntPtr len)
        {
            if (p == null) return new byte[0];
            try
            {
                ulong n = len.ToUInt64();
                if (n > int.MaxValue) throw new OutOfMemoryException("the native buffer is larger than a .NET array can hold");
                var result = new byte[(int)n];
                if (n > 0) System.Runtime.InteropServices.Marshal.Copy((IntPtr)p, result, 0, (int)n);
                return result;
            }
            finally
            {
                NativeMethods.renderiq_bytes_free(p, len);
            }
        }

        /// <summary>
        /// Throws the exception for a failed call. The error object is always freed, whatever
        /// happens; on success nothing is thrown (and <paramref name="error"/> is NULL).
        /// </summary>
        internal static void Check(int status, RenderiqError* error, CancellationToken token = default(CancellationToken))
        {
            if (status == NativeMethods.RENDERIQ_OK)
            {
                if (error != null) NativeMethods.renderiq_error_free(error);
                return;
            }
            throw NativeError.ToException(status, error, token);
        }
    }
}
