using System;
using System.Collections.Generic;
using NUnit.Framework;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk.Tests
{
    [TestFixture]
    public class JsonReaderTests
    {
        [Test]
        public void Parse_Primitives_ReturnsTypedValues()
        {
            Assert.AreEqual(true, JsonReader.Parse("true"));
            Assert.AreEqual(false, JsonReader.Parse("false"));
            Assert.IsNull(JsonReader.Parse("null"));
            Assert.AreEqual("hi", JsonReader.Parse("\"hi\""));
            Assert.AreEqual(42L, JsonReader.Parse("42"));
            Assert.AreEqual(-1.5, JsonReader.Parse("-1.5"));
        }

        [Test]
        public void Parse_NestedObjectsAndArrays_BuildsDictionariesAndLists()
        {
            var o = (Dictionary<string, object>)JsonReader.Parse("{\"a\": [1, {\"b\": null}, []], \"c\": {}}");
            var a = (List<object>)o["a"];
            Assert.AreEqual(3, a.Count);
            Assert.AreEqual(1L, a[0]);
            Assert.IsTrue(((Dictionary<string, object>)a[1]).ContainsKey("b"));
            Assert.IsNull(((Dictionary<string, object>)a[1])["b"]);
            Assert.AreEqual(0, ((List<object>)a[2]).Count);
            Assert.AreEqual(0, ((Dictionary<string, object>)o["c"]).Count);
        }

        [Test]
        public void Parse_StringEscapes_DecodesThem()
        {
            Assert.AreEqual("a\"b\\c/d\be\ff\ng\rh\ti", JsonReader.Parse("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\""));
            Assert.AreEqual("caf\u00e9", JsonReader.Parse("\"caf\\u00e9\""));
            Assert.AreEqual("caf\u00e9", JsonReader.Parse("\"caf\u00e9\""));
            Assert.AreEqual("\U0001F600", JsonReader.Parse("\"\\ud83d\\ude00\""));
            Assert.AreEqual("\U0001F600", JsonReader.Parse("\"\\uD83D\\uDE00\""));
        }

        [Test]
        public void Parse_Numbers_IntegersAsLongOthersAsDouble()
        {
            Assert.AreEqual(0L, JsonReader.Parse("0"));
            Assert.AreEqual(-0L, JsonReader.Parse("-0"));
            Assert.AreEqual(long.MaxValue, JsonReader.Parse("9223372036854775807"));
            Assert.AreEqual(long.MinValue, JsonReader.Parse("-9223372036854775808"));
            Assert.IsInstanceOf<double>(JsonReader.Parse("9223372036854775808"));
            Assert.AreEqual(1500.0, JsonReader.Parse("1.5e3"));
            Assert.AreEqual(0.015, JsonReader.Parse("1.5E-2"));
            Assert.AreEqual(10.0, JsonReader.Parse("1e+1"));
        }

        [Test]
        public void Parse_WhitespaceAroundValues_IsAccepted()
        {
            var o = (Dictionary<string, object>)JsonReader.Parse(" \r\n\t{ \"a\" :\n[ 1 , 2 ] }\n ");
            Assert.AreEqual(2, ((List<object>)o["a"]).Count);
        }

        [TestCase("")]
        [TestCase("   ")]
        [TestCase("{")]
        [TestCase("}")]
        [TestCase("[1,]")]
        [TestCase("[,1]")]
        [TestCase("{\"a\":1,}")]
        [TestCase("{\"a\" 1}")]
        [TestCase("{a:1}")]
        [TestCase("{'a':1}")]
        [TestCase("01")]
        [TestCase("1.")]
        [TestCase(".5")]
        [TestCase("1e")]
        [TestCase("-")]
        [TestCase("+1")]
        [TestCase("tru")]
        [TestCase("nul")]
        [TestCase("NaN")]
        [TestCase("\"abc")]
        [TestCase("\"a\tb\"")]
        [TestCase("\"\\x\"")]
        [TestCase("\"\\u12\"")]
        [TestCase("\"\\ud800\"")]
        [TestCase("\"\\udc00\"")]
        [TestCase("\"\\ud800\\u0041\"")]
        [TestCase("[1] x")]
        [TestCase("1 2")]
        [TestCase("// comment\n1")]
        public void Parse_InvalidDocument_ThrowsFormatException(string text)
        {
            var e = Assert.Throws<FormatException>(() => JsonReader.Parse(text));
            StringAssert.Contains("JSON", e.Message);
        }

        [Test]
        public void Parse_NestingDeeperThanTheLimit_ThrowsInsteadOfOverflowing()
        {
            string deep = new string('[', 100000) + new string(']', 100000);
            var e = Assert.Throws<FormatException>(() => JsonReader.Parse(deep));
            StringAssert.Contains("nested deeper", e.Message);
            string ok = new string('[', JsonReader.MaxDepth) + new string(']', JsonReader.MaxDepth);
            Assert.IsInstanceOf<List<object>>(JsonReader.Parse(ok));
        }

        [Test]
        public void Parse_DuplicateKeys_LastOneWins()
        {
            var o = (Dictionary<string, object>)JsonReader.Parse("{\"a\":1,\"a\":2}");
            Assert.AreEqual(2L, o["a"]);
        }

        [Test]
        public void Write_ThenParse_RoundTripsEveryValue()
        {
            var nested = new JsonWriter().Add("x", 1).Add("skipped", null);
            string json = new JsonWriter()
                .Add("s", "quote\" backslash\\ newline\n tab\t nul\0 bell\u0007 \u00e9 \U0001F600 </script>")
                .Add("i", -7)
                .Add("l", long.MaxValue)
                .Add("d", 0.1)
                .Add("b", false)
                .Add("list", new List<string> { "a", "b" })
                .Add("o", nested)
                .ToString();
            foreach (char c in json) Assert.Less((int)c, 0x7f, "the writer escapes everything outside printable ASCII");
            JsonObject o = JsonReader.ParseObject(json);
            Assert.AreEqual("quote\" backslash\\ newline\n tab\t nul\0 bell\u0007 \u00e9 \U0001F600 </script>", o.String("s"));
            Assert.AreEqual(-7, o.Int("i"));
            Assert.AreEqual(long.MaxValue, o.Long("l"));
            Assert.AreEqual(0.1, o.Double("d"));
            Assert.AreEqual(false, o.NullableBool("b"));
            CollectionAssert.AreEqual(new[] { "a", "b" }, o.StringList("list"));
            Assert.AreEqual(1, o.Object("o").Value.Int("x"));
            Assert.IsFalse(o.Object("o").Value.Has("skipped"));
        }

        [Test]
        public void JsonObject_WrongType_ThrowsNamingTheField()
        {
            JsonObject o = JsonReader.ParseObject("{\"n\": \"five\", \"s\": 5}");
            StringAssert.Contains("\"n\"", Assert.Throws<FormatException>(() => o.Long("n")).Message);
            StringAssert.Contains("\"s\"", Assert.Throws<FormatException>(() => o.String("s")).Message);
            Assert.IsNull(o.String("missing"));
            Assert.IsNull(o.NullableLong("missing"));
        }

        [Test]
        public void TryParseDate_NanosecondFraction_KeepsTicksAndOffset()
        {
            DateTimeOffset d;
            Assert.IsTrue(JsonObject.TryParseDate("2025-01-02T03:04:05.123456789Z", out d));
            Assert.AreEqual(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567), d);
            Assert.IsTrue(JsonObject.TryParseDate("2025-01-02T05:04:05+02:00", out d));
            Assert.AreEqual(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero), d.ToUniversalTime());
            Assert.IsFalse(JsonObject.TryParseDate("yesterday", out d));
        }

        [Test]
        public void ParseRender_WireJson_MapsEveryProperty()
        {
            const string json = "{\"id\":\"rnd_1\",\"status\":\"completed\",\"progress\":100,\"prompt\":\"dusk\",\"style\":\"sketch\"," +
                "\"quality\":\"ultra\",\"aspectRatio\":\"16:9\",\"projectId\":null,\"creditsCost\":20,\"inputUrl\":\"http://x/in.png\"," +
                "\"outputUrl\":\"http://x/out.png\",\"error\":null,\"platform\":\"revit\",\"createdAt\":\"2025-01-02T03:04:05.5Z\"," +
                "\"updatedAt\":\"2025-01-02T03:04:06Z\",\"completedAt\":\"2025-01-02T03:04:07Z\",\"futureField\":{\"x\":1}}";
            Render r = Render.Parse(json);
            Assert.AreEqual("rnd_1", r.Id);
            Assert.AreEqual(RenderStatus.Completed, r.Status);
            Assert.IsTrue(r.IsTerminal);
            Assert.AreEqual(100, r.Progress);
            Assert.AreEqual(Quality.Ultra, r.Quality);
            Assert.AreEqual(Platform.Revit, r.Platform);
            Assert.AreEqual(20, r.CreditsCost);
            Assert.AreEqual("http://x/out.png", r.OutputUrl);
            Assert.IsNull(r.ProjectId);
            Assert.AreEqual(new DateTimeOffset(2025, 1, 2, 3, 4, 7, TimeSpan.Zero), r.CompletedAt);
            // A status this SDK does not know is a FormatException naming it (the generated models say "update the SDK").
            StringAssert.Contains("teleported", Assert.Throws<FormatException>(() => Render.Parse(json.Replace("\"completed\"", "\"teleported\""))).Message);
        }
    }
}
