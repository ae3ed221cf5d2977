using System.Text;
using System.Text.Json;
using Pipeline.Projection;

namespace Pipeline.Tests.Projection;

public sealed class JsonTextTests
{
    private static (int Consumed, string Text, int Repaired) Read(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var dest = new byte[bytes.Length];
        var repaired = 0;
        var consumed = JsonText.ReadString(bytes, dest, out var written, ref repaired);
        return (consumed, consumed < 0 ? string.Empty : Encoding.UTF8.GetString(dest, 0, written), repaired);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("a \"quoted\" value with \\ and / and \t\n\r\b\f")]
    [InlineData("\u00e9\u4e2d\U0001F600 <>&'")]
    [InlineData("")]
    [InlineData("x")]
    public void ReadString_WhatJsonSerializerWrites_ReadsItBackAndStopsAtTheQuote(string value)
    {
        var json = JsonSerializer.Serialize(value)[1..] + ",\"next\"";

        var (consumed, text, repaired) = Read(json);

        Assert.Equal(value, text);
        Assert.Equal(0, repaired);
        Assert.Equal(',', json[consumed]);
    }

    [Fact]
    public void ReadString_EscapeAtEveryOffsetOfTheEightByteStep_IsFoundWhereItIs()
    {
        // The fast loop copies eight bytes at a time: an escape or the end at each offset inside a word and across two.
        for (var offset = 0; offset < 24; offset++)
        {
            var value = new string('a', offset) + "\"" + new string('b', 23 - offset);
            var json = JsonSerializer.Serialize(value)[1..] + "tail";
            Assert.Equal((json.Length - 4, value, 0), Read(json));
            var end = new string('c', offset) + "\"tail";
            Assert.Equal((offset + 1, new string('c', offset), 0), Read(end));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // \" as CloudWatch Logs writes it, rather than \u0022
    public void ReadString_RandomStrings_ReadAsSystemTextJsonReadsThem(bool relaxed)
    {
        var options = new JsonSerializerOptions { Encoder = relaxed ? System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping : null };
        var alphabet = "aZ09 \"\\/:{},\u00e9\u4e2d\t\n\u0001";
        var random = new Random(20261202);
        for (var n = 0; n < 3000; n++)
        {
            var chars = new char[random.Next(0, 200)];
            for (var k = 0; k < chars.Length; k++)
            {
                // Mostly quotes between letters, as in a record inside a string.
                chars[k] = random.Next(4) == 0 ? '"' : alphabet[random.Next(alphabet.Length)];
            }

            var value = new string(chars);
            var json = JsonSerializer.Serialize(value, options);

            var (consumed, text, repaired) = Read(json[1..] + "}");

            Assert.Equal(JsonSerializer.Deserialize<string>(json), text);
            Assert.Equal(Encoding.UTF8.GetByteCount(json) - 1, consumed);
            Assert.Equal(0, repaired);
        }
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("\\")]
    [InlineData("\"\\")]
    [InlineData("\\\"")]
    [InlineData("\"\"")]
    public void ReadString_EscapeAtEveryOffsetOfTheVectorBlocks_ReadsAsSystemTextJson(string escaped)
    {
        // The vector loop reads fixed 32-byte blocks and carries a backslash in a block's last byte into the next:
        // each escape at each offset across three blocks, with more escaped quotes after it and the end beyond.
        var options = new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        for (var offset = 0; offset < 100; offset++)
        {
            var value = new string('a', offset) + escaped + "b\"c" + new string('d', 40) + "\"e" + new string('f', offset % 7);
            var json = JsonSerializer.Serialize(value, options);

            var (consumed, text, repaired) = Read(json[1..] + "}");

            Assert.Equal(value, text);
            Assert.Equal(json.Length - 1, consumed);
            Assert.Equal(0, repaired);
        }
    }

    [Fact]
    public void ReadString_LoneSurrogates_BecomeReplacementCharactersAndAreCounted()
    {
        var (consumed, text, repaired) = Read("a\\ud800b\\udc00c\\ud83d\\ude00\"");

        Assert.Equal(28, consumed);
        Assert.Equal("a\uFFFDb\uFFFDc\U0001F600", text);
        Assert.Equal(2, repaired);
    }

    [Theory]
    [InlineData("bad \\x escape\"")]
    [InlineData("bad \\u12G4 escape\"")]
    [InlineData("cut \\u12")]
    [InlineData("control \u0001 character\"")]
    [InlineData("raw\nnewline\"")]
    [InlineData("no closing quote")]
    [InlineData("ends in a backslash \\")]
    public void ReadString_NotAValidJsonString_ReturnsMinusOne(string json) => Assert.Equal(-1, Read(json).Consumed);

    [Fact]
    public void Unescape_SameContentAsReadString_GivesTheSameBytes()
    {
        var raw = JsonSerializer.Serialize("{\"k\":\"v \\\\ / é \U0001F600\",\"n\":[1,2]}" + new string('z', 37))[1..^1] + "\\ud800";
        var bytes = Encoding.UTF8.GetBytes(raw);
        var viaUnescape = new byte[bytes.Length];
        var viaRead = new byte[bytes.Length + 1];
        int r1 = 0, r2 = 0;

        var length = JsonText.Unescape(bytes, viaUnescape, ref r1);
        JsonText.ReadString([.. bytes, (byte)'"'], viaRead, out var written, ref r2);

        Assert.Equal(viaUnescape.AsSpan(0, length).ToArray(), viaRead.AsSpan(0, written).ToArray());
        Assert.Equal(1, r1);
        Assert.Equal(r1, r2);
    }
}
