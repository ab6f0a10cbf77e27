using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

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

        private Dictionary<string, object> ReadObject(int depth)
        {
            if (depth > MaxDepth) throw Error("nested deeper than " + MaxDepth + " levels");
            _pos++; // {
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == '}')
            {
                _pos++;
                return result;
            }
            while (true)
            {
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] != '"') throw Error("expected a string key");
                string key = ReadString();
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] != ':') throw Error("expected ':' after an object key");
                _pos++;
                SkipWhitespace();
                // The last duplicate wins, as in most JSON libraries.
                result[key] = ReadValue(depth);
                SkipWhitespace();
                if (_pos >= _text.Length) throw Error("unterminated object");
                char c = _text[_pos++];
                if (c == '}') return result;
                if (c != ',') { _pos--; throw Error("expected ',' or '}' in an object"); }
            }
        }

        private List<object> ReadArray(int depth)
        {
            if (depth > MaxDepth) throw Error("nested deeper than " + MaxDepth + " levels");
            _pos++; // [
            var result = new List<object>();
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == ']')
            {
                _pos++;
                return result;
            }
            while (true)
            {
                SkipWhitespace();
                result.Add(ReadValue(depth));
                SkipWhitespace();
                if (_pos >= _text.Length) throw Error("unterminated array");
                char c = _text[_pos++];
                if (c == ']') return result;
                if (c != ',') { _pos--; throw Error("expected ',' or ']' in an array"); }
            }
        }

        private string ReadString()
        {
            _pos++; // opening quote
            StringBuilder sb = null;
            int runStart = _pos;
            while (true)
            {
                if (_pos >= _text.Length) throw Error("unterminated string");
                char c = _text[_pos];
                if (c == '"')
                {
                    string tail = _text.Substring(runStart, _pos - runStart);
                    _pos++;
                    if (sb == null) return tail;
                    sb.Append(tail);
                    return sb.ToString();
                }
                if (c < 0x20) throw Error("control character in a string (escape it)");
                if (c != '\\')
                {
                    _pos++;
                    continue;
                }
                if (sb == null) sb = new StringBuilder();
                sb.Append(_text, runStart, _pos - runStart);
                _pos++; // backslash
                if (_pos >= _text.Length) throw Error("unterminated escape");
                char e = _text[_pos++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        char u = ReadHex4();
                        if (char.IsHighSurrogate(u))
                        {
                            if (_pos + 1 < _text.Length && _text[_pos] == '\\' && _text[_pos + 1] == 'u')
                            {
                                _pos += 2;
                                char low = ReadHex4();
                                if (!char.IsLowSurrogate(low)) throw Error("a high surrogate must be followed by a low surrogate");
                                sb.Append(u).Append(low);
                            }
                            else
                            {
                                throw Error("lone high surrogate");
                            }
                        }
                        else if (char.IsLowSurrogate(u))
                        {
                            throw Error("lone low surrogate");
                        }
                        else
                        {
                            sb.Append(u);
                        }
                        break;
                    default:
                        _pos--;
                        throw Error("unknown escape '\\" + e + "'");
                }
                runStart = _pos;
            }
        }

        private char ReadHex4()
        {
            if (_pos + 4 > _text.Length) throw Error("truncated \\u escape");
            int v = 0;
            for (int i = 0; i < 4; i++)
            {
                char h = _text[_pos++];
                int d;
                if (h >= '0' && h <= '9') d = h - '0';
                else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
                else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
                else { _pos--; throw Error("bad hex digit in \\u escape"); }
                v = (v << 4) | d;
            }
            return (char)v;
        }

        private object ReadNumber()
        {
            int start = _pos;
            bool isInteger = true;
            if (_text[_pos] == '-') _pos++;
            if (_pos >= _text.Length) throw Error("a number needs digits");
            if (_text[_pos] == '0')
            {
                _pos++;
                if (_pos < _text.Length && char.IsDigit(_text[_pos])) throw Error("leading zeros are not allowed");
            }
            else if (_text[_pos] >= '1' && _text[_pos] <= '9')
            {
                while (_pos < _text.Length && _text[_pos] >= '0' && _text[_pos] <= '9') _pos++;
            }
            else
            {
                throw Error("a number needs digits");
            }
            if (_pos < _text.Length && _text[_pos] == '.')
            {
                isInteger = false;
                _pos++;
                int digits = _pos;
                while (_pos < _text.Length && _text[_pos] >= '0' && _text[_pos] <= '9') _pos++;
                if (_pos == digits) throw Error("a fraction needs digits");
            }
            if (_pos < _text.Length && (_text[_pos] == 'e' || _text[_pos] == 'E'))
            {
                isInteger = false;
                _pos++;
                if (_pos < _text.Length && (_text[_pos] == '+' || _text[_pos] == '-')) _pos++;
                int digits = _pos;
                while (_pos < _text.Length && _text[_pos] >= '0' && _text[_pos] <= '9') _pos++;
                if (_pos == digits) throw Error("an exponent needs digits");
            }
            string s = _text.Substring(start, _pos - start);
            long l;
            if (isInteger && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l))
                return l;
            return double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }
}
