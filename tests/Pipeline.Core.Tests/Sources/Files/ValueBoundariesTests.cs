using System.Text;
using System.Text.Json;
using Pipeline.Sources.Files;

namespace Pipeline.Tests.Sources.Files;

/// <summary>Where top-level values of concatenated JSON end, followed from the first byte: exactly where a parser says.</summary>
public sealed class ValueBoundariesTests
{
    /// <summary>Every top-level value's end, by System.Text.Json.</summary>
    private static List<int> ParserEnds(byte[] json)
    {
        var ends = new List<int>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = 512 });
        while (reader.Read())
        {
            reader.Skip();
            ends.Add((int)reader.BytesConsumed);
        }

        return ends;
    }

    private static List<int> TrackerEnds(byte[] json)
    {
        var tracker = new ValueBoundaries();
        var ends = new List<int>();
        var from = 0;
        while (tracker.NextEnd(json, from, json.Length) is { } end)
        {
            ends.Add(end);
            from = end + 1;
        }

        Assert.False(tracker.Lost);
        return ends;
    }

    /// <summary>Strings full of what a boundary is made of, escaped every way, at every offset of a 64-byte block.</summary>
    private static string RandomValues(int seed, int count)
    {
        var random = new Random(seed);
        var pieces = new[] { "}{", "\"", "\\", "{", "}", "[", "]", "\\\"", "}\n{", "é", "x", "\t" };
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => pieces[random.Next(pieces.Length)]));
            var value = new Dictionary<string, object?>
            {
                ["eventID"] = "e" + i,
                ["userAgent"] = text,
                ["n"] = random.Next(),
                ["nested"] = new object?[] { new Dictionary<string, object?> { ["k"] = text + text, ["deep"] = new[] { new[] { 1, 2 } } }, null, true },
                ["pad"] = new string('p', random.Next(0, 70)),
            };
            var json = JsonSerializer.Serialize(value, random.Next(2) == 0 ? JsonSerializerOptions.Default : new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            sb.Append(random.Next(4) == 0 ? "[" + json + "," + json + "]" : json);
            sb.Append(random.Next(3) switch { 0 => "", 1 => "\n", _ => " \r\n\t " });
        }

        return sb.ToString();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void NextEnd_ConcatenatedValuesWithBracketsAndEscapesInStrings_EndsWhereTheParserEnds(int seed)
    {
        var json = Encoding.UTF8.GetBytes(RandomValues(seed, 3000));

        Assert.Equal(ParserEnds(json), TrackerEnds(json));
    }

    [Fact]
    public void NextEnd_FromFarAhead_GivesTheFirstEndThereAndGoesOnFromIt()
    {
        var json = Encoding.UTF8.GetBytes(RandomValues(4, 2000));
        var ends = ParserEnds(json);
        var tracker = new ValueBoundaries();

        var first = tracker.NextEnd(json, json.Length / 3, json.Length);
        var second = tracker.NextEnd(json, 2 * json.Length / 3, json.Length);

        Assert.Equal(ends.First(e => e >= json.Length / 3), first);
        Assert.Equal(ends.First(e => e >= 2 * json.Length / 3), second);
        Assert.Equal(first, ends[ends.IndexOf(first!.Value)]);
    }

    [Fact]
    public void NextEnd_LimitBeforeTheNextEndAndBufferRebased_CarriesItsStateOn()
    {
        // The caller reads a window at a time and drops what it handed out: the state crosses both.
        var json = Encoding.UTF8.GetBytes(RandomValues(5, 1500));
        var ends = ParserEnds(json);
        var tracker = new ValueBoundaries();
        var dropped = 0;
        var found = new List<int>();
        var buffer = json;
        for (var (limit, reads) = (1000, 0); found.Count < ends.Count && reads < 100_000; (limit, reads) = (Math.Min(buffer.Length, limit + 777), reads + 1))
        {
            if (tracker.NextEnd(buffer, tracker.Position, limit) is { } end)
            {
                found.Add(dropped + end);
                if (found.Count % 3 == 0)
                {
                    buffer = buffer[end..];
                    tracker.Rebase(end);
                    dropped += end;
                    limit = 0;
                }
            }
        }

        Assert.Equal(ends, found);
    }

    [Theory]
    [InlineData("{\"a\":1} x {\"b\":2}")] // not blanks between values
    [InlineData("{\"a\":1}]{\"b\":2}")] // a bracket closing nothing
    [InlineData("{\"a\":1},{\"b\":2}")] // array elements, not values one after another
    public void NextEnd_NotValuesOneAfterAnother_IsLost(string text)
    {
        var json = Encoding.UTF8.GetBytes(text + new string(' ', 200) + "{\"c\":3}");
        var tracker = new ValueBoundaries();

        var first = tracker.NextEnd(json, 0, json.Length);
        var rest = tracker.NextEnd(json, first!.Value + 1, json.Length);

        Assert.Equal(7, first);
        Assert.Null(rest);
        Assert.True(tracker.Lost);
    }
}
