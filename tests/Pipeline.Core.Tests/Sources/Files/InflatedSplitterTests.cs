using System.Text;
using Pipeline.Decoding;
using Pipeline.Sources.Files;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Sources.Files;

/// <summary>A gzip file's decompressed bytes cut into chunks as they are inflated: at object boundaries, the same cuts every time.</summary>
public sealed class InflatedSplitterTests
{
    private const long Part = 64 * 1024;

    private static string Lines(string prefix, int count) => string.Concat(Enumerable.Range(0, count).Select(i => Record($"{prefix}{i}") + "\n"));

    private static List<(InflatedChunk Chunk, bool Last)> Cut(BreakingStream inflated, List<GzipDamage> damage)
    {
        var splitter = new InflatedSplitter(inflated, damage, Part);
        Assert.True(splitter.StartsWithObject());
        var chunks = new List<(InflatedChunk, bool)>();
        while (splitter.Next(out var last) is { } chunk)
        {
            chunks.Add((chunk, last));
            if (last)
            {
                break;
            }
        }

        return chunks;
    }

    /// <summary>Three gzip members, the middle one damaged halfway (two bytes flipped), read member by member.</summary>
    private static GzipMembers MiddleMemberDamaged(List<GzipDamage> damage, string first, string middle, string last)
    {
        var members = new[] { Gzip(first), Gzip(middle), Gzip(last) };
        members[1][members[1].Length / 2] ^= 0xFF;
        members[1][(members[1].Length / 2) + 1] ^= 0xFF;
        return new GzipMembers(new MemoryStream([.. members.SelectMany(m => m)]), [], damage.Add);
    }

    [Fact]
    public void Next_NdjsonOfManyParts_ChunksJoinToTheInputAndEachHoldsWholeLines()
    {
        var text = Lines("r", 2000);
        var damage = new List<GzipDamage>();
        using var gz = new GzipMembers(new MemoryStream(Gzip(text)), [], damage.Add);

        var chunks = Cut(gz, damage);

        Assert.InRange(chunks.Count, 10, 40);
        Assert.Equal(text, string.Concat(chunks.Select(c => Encoding.UTF8.GetString(c.Chunk.Bytes))));
        Assert.All(chunks, c => Assert.Equal((byte)'{', c.Chunk.Bytes[0]));
        Assert.All(chunks, c => Assert.Equal((byte)'\n', c.Chunk.Bytes[^1]));
        Assert.All(chunks[..^1], c => Assert.InRange(c.Chunk.Length, Part, 2 * Part));
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.Chunk.Index));
        Assert.Equal(chunks.Skip(1).Select(c => c.Chunk.Start), chunks.SkipLast(1).Select(c => c.Chunk.Start + c.Chunk.Length));
        Assert.DoesNotContain(chunks, c => c.Last);
    }

    [Fact]
    public void Next_InflatedAheadOrInline_CutsTheSameChunks()
    {
        // The cuts depend on the bytes alone, never on how much each read returned: a resumed run cuts the same chunks.
        var input = Gzip(Lines("r", 3000));
        var inlineDamage = new List<GzipDamage>();
        using var inline = new GzipMembers(new MemoryStream(input), [], inlineDamage.Add);
        var aheadDamage = new List<GzipDamage>();
        using var ahead = new InflateAhead(new MemoryStream(input), [], aheadDamage.Add);

        var a = Cut(inline, inlineDamage).Select(c => (c.Chunk.Start, c.Chunk.Length)).ToList();
        var b = Cut(ahead, aheadDamage).Select(c => (c.Chunk.Start, c.Chunk.Length)).ToList();

        Assert.Equal(a, b);
    }

    [Fact]
    public void Next_DamagedMember_ItsBreakAndDamageStayInTheChunkWhereItFell()
    {
        // A damaged member inflates to garbage until zlib sees the damage: kept small here, the lines around it are
        // whole objects and chunks are cut before and after it.
        var damage = new List<GzipDamage>();
        using var gz = MiddleMemberDamaged(damage, Lines("a", 600), Lines("b", 40), Lines("c", 600));

        var chunks = Cut(gz, damage);

        Assert.DoesNotContain(chunks, c => c.Last);
        var broken = Assert.Single(chunks, c => c.Chunk.Breaks.Count > 0);
        var (at, reported) = Assert.Single(broken.Chunk.Breaks);
        Assert.Equal(1, Assert.Single(reported).Member);
        Assert.InRange(at, 1, broken.Chunk.Length);
        Assert.Empty(damage);

        // Read back through a chunk stream, the break is where the gzip layer had it and its damage is reported there.
        var seen = new List<GzipDamage>();
        using var replay = new ChunkStream(broken.Chunk, seen.Add);
        var before = new byte[broken.Chunk.Length];
        var n = replay.ReadAtLeast(before, before.Length, throwOnEndOfStream: false);
        Assert.Equal(at, n);
        Assert.Single(seen);
        Assert.True(replay.TakeBreak());
        Assert.Equal(broken.Chunk.Length - at, replay.ReadAtLeast(before, before.Length, throwOnEndOfStream: false));
    }

    private static string Concatenated(string prefix, int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => EventBridge(Record($"{prefix}{i}", extra: ""","userAgent":"x}{\"y\\\" }\n{""" + new string('u', i % 97) + "\""))));

    [Fact]
    public void Next_ConcatenatedJsonOfManyParts_ChunksEndBetweenValuesAndReadAsTheWhole()
    {
        var text = Concatenated("c", 1500);
        var damage = new List<GzipDamage>();
        using var gz = new GzipMembers(new MemoryStream(Gzip(text)), [], damage.Add);

        var chunks = Cut(gz, damage);

        Assert.InRange(chunks.Count, 10, 40);
        Assert.DoesNotContain(chunks, c => c.Last);
        Assert.Equal(text, string.Concat(chunks.Select(c => Encoding.UTF8.GetString(c.Chunk.Bytes))));
        Assert.All(chunks, c => Assert.Equal((byte)'{', c.Chunk.Bytes[0]));
        Assert.All(chunks, c => Assert.Equal((byte)'}', c.Chunk.Bytes[^1]));
        var whole = CapturingSink.Decode(Utf8(text)).Rows.Select(r => string.Join('|', r.Values));
        var parts = chunks.SelectMany(c => CapturingSink.Decode(c.Chunk.Bytes.ToArray()).Rows.Select(r => string.Join('|', r.Values)));
        Assert.Equal(whole, parts);
    }

    [Fact]
    public void Next_ConcatenatedJsonWithADamagedMember_NoValueCutAfterIt()
    {
        // After a gap in the bytes nothing says whether a "}{" is inside a string: the rest is read live.
        var damage = new List<GzipDamage>();
        using var gz = MiddleMemberDamaged(damage, Concatenated("a", 600), Concatenated("b", 40), Concatenated("c", 900));

        var chunks = Cut(gz, damage);

        Assert.True(chunks.Count >= 2);
        Assert.True(chunks[^1].Last);
        Assert.All(chunks[..^1], c => Assert.Empty(c.Chunk.Breaks));
        Assert.All(chunks[..^1], c => Assert.Equal((byte)'}', c.Chunk.Bytes[^1]));
    }

    [Fact]
    public void Next_PrettyPrintedDocument_OneChunkThenTheRestReadLive()
    {
        // No line of it is a whole object: after two parts' worth without a cut, the chunk in hand is the last and
        // the rest follows from the stream, so memory stays bounded.
        var text = "{\"Records\":[\n" + string.Join(",\n", Enumerable.Range(0, 3000).Select(i => "  " + Record("p" + i))) + "\n]}\n";
        var damage = new List<GzipDamage>();
        using var gz = new GzipMembers(new MemoryStream(Gzip(text)), [], damage.Add);

        var chunks = Cut(gz, damage);

        var (chunk, last) = Assert.Single(chunks);
        Assert.True(last);
        Assert.InRange(chunk.Length, 2 * Part, 3 * Part);
        using var rest = new MemoryStream();
        using (var replay = new ChunkStream(chunk, _ => { }, gz))
        {
            replay.CopyTo(rest);
        }

        Assert.Equal(text, Encoding.UTF8.GetString(rest.ToArray()));
    }

    [Theory]
    [InlineData("cwl")]
    [InlineData("array")]
    public void StartsWithObject_NotNewlineDelimitedObjects_IsFalse(string shape)
    {
        byte[] inner = shape == "cwl" ? Gzip(CloudWatchLogs(Record("a"))) : Utf8("[" + Record("a") + "]\n");
        var damage = new List<GzipDamage>();
        using var gz = new GzipMembers(new MemoryStream(Gzip(inner)), [], damage.Add);

        Assert.False(new InflatedSplitter(gz, damage, Part).StartsWithObject());
    }
}
