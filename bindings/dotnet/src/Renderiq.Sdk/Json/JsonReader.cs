using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Renderiq.Sdk.Json
{
    /// <summary>
    /// A small, strict JSON (RFC 8259) reader into dictionaries, lists, strings, longs, doubles,
    /// bools and null (netstandard2.0 has no JSON in the box, and an add-in must not bring a
    /// second copy of a JSON package into a host process). Nesting is bounded.
    /// </summary>
    internal sealed class JsonReader
    {
        /// <summary>Deepest nesting accepted; deeper documents are rejected, never overflow the stack.</summary>
        internal const int MaxDepth = 128;

        private readonly string _text;
        private int _pos;

        private JsonReader(string text) => _text = text;

        /// <summary>Parses one JSON document; whitespace may surround it, nothing else.</summary>
        /// <exception cref="FormatException">The text is not valid JSON; the message gives the offset.</exception>
        internal static object Parse(string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            var reader = new JsonReader(text);
            reader.SkipWhitespace();
            object value = reader.ReadValue(0);
            reader.SkipWhitespace();
            if (reader._pos != text.Length)
                throw reader.Error("unexpected text after the JSON value");
            return value;
        }

        /// <summary>Parses a document that must be an object.</summary>
        internal static JsonObject ParseObject(string text)
        {
            var dict = Parse(text) as Dictionary<string, object>;
            if (dict == null) throw new FormatException("expected a JSON object");
            return new JsonObject(dict);
        }

        private FormatException Error(string what)
            => new FormatException(string.Format(CultureInfo.InvariantCulture, "invalid JSON at offset {0}: {1}", _pos, what));

        private void SkipWhitespace()
        {
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') _pos++;
                else break;
            }
        }

        private object ReadValue(int depth)
        {
            if (_pos >= _text.Length) throw Error("unexpected end of input, expected a value");
            char c = _text[_pos];
            switch (c)
            {
                case '{': return ReadObject(depth + 1);
                case '[': return ReadArray(depth + 1);
                case '"': return ReadString();
                case 't': ExpectWord("true"); return true;
                case 'f': ExpectWord("false"); return false;
                case 'n': ExpectWord("null"); return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                    throw Error("unexpected character '" + c + "'");
            }
        }

        private void ExpectWord(string word)
        {
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0)
                throw Error("expected '" + word + "'");
            _pos += word.Length;
        }

        /// <summary>
        /// The items of an object or array (the reader stands on its opening bracket), each read
        /// by <paramref name="item"/>, up to <paramref name="close"/>.
        /// </summary>
        private void ReadItems(char close, int depth, string what, Action item)
        {
            if (depth > MaxDepth) throw Error("nested deeper than " + MaxDepth + " levels");
            _pos++; // { or [
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == close)
            {
                _pos++;
                return;
            }
            while (true)
            {
                SkipWhitespace();
                item();
                SkipWhitespace();
                if (_pos >= _text.Length) throw Error("unterminated " + what);
                char c = _text[_pos++];
                if (c == close) return;
                if (c != ',') { _pos--; throw Error("expected ',' or '" + close + "' in an " + what); }
            }
        }

        private Dictionary<string, object> ReadObject(int depth)
        {
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            ReadItems('}', depth, "object", () =>
            {
                if (_pos >= _text.Length || _text[_pos] != '"') throw Error("expected a string key");
                string key = ReadString();
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] != ':') throw Error("expected ':' after an object key");
                _pos++;
                SkipWhitespace();
                result[key] = ReadValue(depth); // the last duplicate wins, as in most JSON libraries
            });
            return result;
        }

        private List<object> ReadArray(int depth)
        {
            var result = new List<object>();
            ReadItems(']', depth, "array", () => result.Add(ReadValue(depth)));
            return result;
        }

        private string ReadString()
        {
            _pos++; // opening quote
            var sb = new StringBuilder();
            while (true)
            {
                if (_pos >= _text.Length) throw Error("unterminated string");
                char c = _text[_pos++];
                if (c == '"') return sb.ToString();
                if (c < 0x20) { _pos--; throw Error("control character in a string (escape it)"); }
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                if (_pos >= _text.Length) throw Error("unterminated escape");
                char e = _text[_pos++];
                int simple = "\"\\/bfnrt".IndexOf(e);
                if (simple >= 0)
                {
                    sb.Append("\"\\/\b\f\n\r\t"[simple]);
                    continue;
                }
                if (e != 'u') { _pos--; throw Error("unknown escape '\\" + e + "'"); }
                char u = ReadHex4();
                if (char.IsLowSurrogate(u)) throw Error("lone low surrogate");
                if (char.IsHighSurrogate(u))
                {
                    if (string.CompareOrdinal(_text, _pos, "\\u", 0, 2) != 0) throw Error("lone high surrogate");
                    _pos += 2;
                    char low = ReadHex4();
                    if (!char.IsLowSurrogate(low)) throw Error("a high surrogate must be followed by a low surrogate");
                    sb.Append(u);
                    u = low;
                }
                sb.Append(u);
            }
        }

        private char ReadHex4()
        {
            int v;
            if (_pos + 4 > _text.Length || !int.TryParse(_text.Substring(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v))
                throw Error("a \\u escape needs four hex digits");
            _pos += 4;
            return (char)v;
        }

        /// <summary>RFC 8259's number: no leading zeros, no bare dot, digits after a dot and an exponent.</summary>
        private static readonly Regex Number = new Regex(@"\G-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?", RegexOptions.CultureInvariant);

        /// <summary>An integer as a long when it fits, anything else as a double.</summary>
        private object ReadNumber()
        {
            Match m = Number.Match(_text, _pos);
            if (!m.Success) throw Error("a number needs digits");
            _pos += m.Length;
            long l;
            if (!m.Groups[1].Success && !m.Groups[2].Success &&
                long.TryParse(m.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l))
                return l;
            return double.Parse(m.Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }
}
