using System.Text;
using Pipeline.Sources.Files;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Sources.Files;

public sealed class InputSplitterTests
{
    private const long Part = 16 * 1024;

    private static string Ndjson(int records) =>
        string.Concat(Enumerable.Range(0, records).Select(i => Record($"e-{i:D6}", account: $"{100000000000 + (i % 7)}") + "\n"));

    private static IReadOnlyList<ArchiveInput> Split(byte[] content, long part = Part)
    {
        using var stream = new MemoryStream(content);
        return InputSplitter.Split(new ArchiveInput("/x/big.ndjson", "/x/big.ndjson", content.Length, -1, null), stream, part);
    }

    [Theory]
    [InlineData("{\"a\":1}", true)]
    [InlineData("  {\"a\":{\"b\":[1,2,\"}\\n{\"]}}\r", true)]
    [InlineData("{\"a\":1},", false)]
    [InlineData(",{\"a\":1}", false)]
    [InlineData("{\"a\":1}{\"b\":2}", false)]
    [InlineData("{\"a\":", false)]
    [InlineData("[{\"a\":1}]", false)]
    [InlineData("", false)]
    [InlineData("\"{}\"", false)]
    public void IsOneObject_Line_TrueOnlyForExactlyOneObject(string line, bool expected) =>
        Assert.Equal(expected, InputSplitter.IsOneObject(Encoding.UTF8.GetBytes(line)));

    [Fact]
    public void Split_Ndjson_PartsTileTheFileAndEachStartsAtALine()
    {
        var content = Encoding.UTF8.GetBytes(Ndjson(400));

        var parts = Split(content);

        Assert.True(parts.Count >= 10, $"{parts.Count} parts");
        Assert.Equal(0, parts[0].Part!.Start);
        Assert.Equal(content.Length, parts[^1].Part!.End);
        for (var i = 0; i < parts.Count; i++)
        {
            var p = parts[i].Part!;
            Assert.Equal(i, p.Index);
            Assert.Equal(parts.Count, p.Count);
            Assert.Equal((byte)'{', content[p.Start]);
            Assert.Equal((byte)'\n', content[p.End - 1]);
            if (i > 0)
            {
                Assert.Equal(parts[i - 1].Part!.End, p.Start);
            }
        }
    }

    [Fact]
    public void Split_SameFileTwice_SameParts() =>
        Assert.Equal(Split(Encoding.UTF8.GetBytes(Ndjson(400))), Split(Encoding.UTF8.GetBytes(Ndjson(400))));

    [Fact]
    public void Split_PrettyPrintedDocument_ReadWhole()
    {
        // One record per line inside {"Records":[…]}: every line but the first and last is a complete object, yet
        // cutting between them would cut the document. The separators make each such line incomplete.
        var content = Encoding.UTF8.GetBytes("{\"Records\":[\n" + string.Join(",\n", Enumerable.Range(0, 400).Select(i => Record($"e-{i}"))) + "\n]}\n");

        Assert.Null(Assert.Single(Split(content)).Part);
    }

    [Fact]
    public void Split_SeparatorsOnTheirOwnLines_ReadWhole()
    {
        var content = Encoding.UTF8.GetBytes("[\n" + string.Join("\n,\n", Enumerable.Range(0, 400).Select(i => Record($"e-{i}"))) + "\n]\n");

        Assert.Null(Assert.Single(Split(content)).Part);
    }

    [Fact]
    public void Split_GzipFile_ReadWhole() =>
        Assert.Null(Assert.Single(Split(Gzip(Ndjson(4000)))).Part);

    [Fact]
    public void Split_SmallerThanTwoParts_ReadWhole() =>
        Assert.Null(Assert.Single(Split(Encoding.UTF8.GetBytes(Ndjson(40)))).Part);

    [Fact]
    public void Split_DamagedLinesAroundACut_CutsOnlyBetweenTwoCompleteObjects()
    {
        // Every other line is cut short: no break has two complete neighbours except where two good lines meet.
        var lines = Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? Record($"e-{i}") : Record($"e-{i}")[..50]).ToList();
        lines[200] = Record("good-a");
        lines[201] = Record("good-b");
        var content = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");

        var parts = Split(content, content.Length / 2);

        Assert.Equal(2, parts.Count);
        var cut = (int)parts[1].Part!.Start;
        Assert.StartsWith(Record("good-b"), Encoding.UTF8.GetString(content, cut, content.Length - cut), StringComparison.Ordinal);
    }
}
