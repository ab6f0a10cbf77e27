using System;
using System.Collections.Generic;
using System.Globalization;

namespace Renderiq.Sdk.Json
{
    /// <summary>
    /// Typed reads of one parsed JSON object. A missing key and an explicit <c>null</c> read
    /// alike (<c>null</c> or the nullable's default); a value of the wrong type is a
    /// <see cref="FormatException"/> naming the key.
    /// </summary>
    internal struct JsonObject
    {
        private readonly Dictionary<string, object> _values;

        internal JsonObject(Dictionary<string, object> values)
        {
            _values = values ?? new Dictionary<string, object>(StringComparer.Ordinal);
        }

        internal bool Has(string key)
        {
            object v;
            return _values.TryGetValue(key, out v) && v != null;
        }

        internal object Raw(string key)
        {
            object v;
            return _values.TryGetValue(key, out v) ? v : null;
        }

        private static FormatException Wrong(string key, string expected, object v)
        {
            return new FormatException(string.Format(CultureInfo.InvariantCulture,
                "JSON field \"{0}\" should be {1} but is {2}", key, expected, v == null ? "null" : v.GetType().Name));
        }

        internal string String(string key)
        {
            object v = Raw(key);
            if (v == null) return null;
            var s = v as string;
            if (s == null) throw Wrong(key, "a string", v);
            return s;
        }

        internal long? NullableLong(string key)
        {
            object v = Raw(key);
            if (v == null) return null;
            if (v is long) return (long)v;
            if (v is double)
            {
                double d = (double)v;
                if (Math.Floor(d) == d && d >= long.MinValue && d <= long.MaxValue) return (long)d;
            }
            throw Wrong(key, "an integer", v);
        }

        internal long Long(string key) => NullableLong(key) ?? 0;

        internal int Int(string key)
        {
            long v = Long(key);
            if (v < int.MinValue || v > int.MaxValue) throw Wrong(key, "a 32-bit integer", v);
            return (int)v;
        }

        internal double Double(string key)
        {
            object v = Raw(key);
            if (v == null) return 0;
            if (v is long) return (long)v;
            if (v is double) return (double)v;
            throw Wrong(key, "a number", v);
        }

        internal bool? NullableBool(string key)
        {
            object v = Raw(key);
            if (v == null) return null;
            if (v is bool) return (bool)v;
            throw Wrong(key, "true or false", v);
        }

        internal bool Bool(string key) => NullableBool(key) ?? false;

        internal DateTimeOffset? NullableDate(string key)
        {
            string s = String(key);
            if (s == null) return null;
            DateTimeOffset d;
            if (!TryParseDate(s, out d)) throw Wrong(key, "an RFC 3339 time", s);
            return d;
        }

        internal DateTimeOffset Date(string key) => NullableDate(key) ?? default(DateTimeOffset);

        internal JsonObject? Object(string key)
        {
            object v = Raw(key);
            if (v == null) return null;
            var d = v as Dictionary<string, object>;
            if (d == null) throw Wrong(key, "an object", v);
            return new JsonObject(d);
        }

        internal List<object> Array(string key)
        {
            object v = Raw(key);
            if (v == null) return null;
            var a = v as List<object>;
            if (a == null) throw Wrong(key, "an array", v);
            return a;
        }

        internal List<string> StringList(string key)
        {
            var result = new List<string>();
            var a = Array(key);
            if (a == null) return result;
            foreach (object item in a)
            {
                var s = item as string;
                if (s == null) throw Wrong(key + "[]", "a string", item);
                result.Add(s);
            }
            return result;
        }

        internal List<T> ObjectList<T>(string key, Func<JsonObject, T> map) => MapArray(Array(key), key, map);

        internal static List<T> MapArray<T>(List<object> a, string what, Func<JsonObject, T> map)
        {
            var result = new List<T>();
            if (a == null) return result;
            foreach (object item in a)
            {
                var d = item as Dictionary<string, object>;
                if (d == null) throw Wrong(what + "[]", "an object", item);
                result.Add(map(new JsonObject(d)));
            }
            return result;
        }

        /// <summary>
        /// Parses an RFC 3339 time as chrono writes it (<c>2025-01-02T03:04:05.123456789Z</c>):
        /// .NET reads at most 7 fractional digits, so longer fractions are cut (not rounded).
        /// </summary>
        internal static bool TryParseDate(string s, out DateTimeOffset value)
        {
            int dot = s.IndexOf('.');
            if (dot > 0)
            {
                int end = dot + 1;
                while (end < s.Length && char.IsDigit(s[end])) end++;
                if (end - dot - 1 > 7) s = s.Substring(0, dot + 8) + s.Substring(end);
            }
            return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
        }
    }
}
