using System.Text;
using Pipeline.Ingest;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Ingest;

/// <summary>A large newline-delimited file read in parts by all workers: the same lake as reading it whole.</summary>
public sealed class SplitInputTests
{
    private const long Part = 32 * 1024;

    private static string Line(int i) =>
        Record($"e-{i:D6}", $"2026-11-{20 + (i % 3):D2}T{i % 24:D2}:00:00Z", $"{100000000000 + (i % 5)}", i % 4 == 0 ? "TLSv1" : "TLSv1.2") + "\n";

    private static async Task<string> WriteFile(TempDir dir, int records, Func<int, string>? line = null)
    {
        Directory.CreateDirectory(dir.Sub("src"));
        var path = dir.Sub("src/events.ndjson");
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Range(0, records).Select(line ?? Line)));
        return path;
    }

    private static Task<IngestResult> Run(string source, string lake, long partBytes, ListLoggerFactory? log = null, CancellationToken ct = default) =>
        new ArchiveIngest(new IngestOptions { Parallelism = 2, PartBytes = partBytes }, TimeProvider.System, log?.CreateLogger("x") is { } l ? new Microsoft.Extensions.Logging.Logger<ArchiveIngest>(log) : null)
            .RunAsync(new IngestRequest(source, lake), ct);

    private static List<object?[]> Rows(string lake) =>
        LakeReader.Query($"SELECT * EXCLUDE (event_date, account_id), CAST(event_date AS VARCHAR), account_id FROM {LakeReader.Source(lake)} ORDER BY event_id");

    [Fact]
    public async Task RunAsync_LargeNdjsonInParts_SameRowsAsReadWhole()
    {
        using var dir = new TempDir();
        var file = await WriteFile(dir, 3000);
        var log = new ListLoggerFactory("split");

        var whole = await Run(file, dir.Sub("whole"), long.MaxValue / 4);
        var split = await Run(file, dir.Sub("split"), Part, log);

        var planned = Assert.Single(log.Lines, l => l.Contains("parts in parallel", StringComparison.Ordinal));
        Assert.Matches(@"read in (\d{2,}) parts", planned);
        Assert.True(split.Stats.BatchesTotal >= 2, $"{split.Stats.BatchesTotal} batches");
        Assert.Equal(3000, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("split"))}"));
        Assert.Equal(Rows(dir.Sub("whole")), Rows(dir.Sub("split")));
        Assert.Equal(1, split.Stats.InputsTotal);
        Assert.Equal(1, split.Stats.InputsDone);
        Assert.Equal(new FileInfo(file).Length, split.Stats.BytesRead);
        Assert.Equal(whole.Stats.EventsWritten, split.Stats.EventsWritten);
    }

    [Fact]
    public async Task RunAsync_DamagedLineInALaterPart_OneRejectAtItsFileOffsetAndEveryOtherRow()
    {
        using var dir = new TempDir();
        const int damaged = 2200;
        var file = await WriteFile(dir, 3000, i => i == damaged ? "{\"eventVersion\":\"1.09\",\"eventTime\": nope}\n" : Line(i));
        var offset = Encoding.UTF8.GetByteCount(string.Concat(Enumerable.Range(0, damaged).Select(Line)));

        var result = await Run(file, dir.Sub("lake"), Part);

        Assert.Equal(2999, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        var reject = Assert.Single(Directory.GetFiles(dir.Sub("lake/_rejects")).SelectMany(File.ReadAllLines));
        Assert.Contains("events.ndjson [part from byte ", reject, StringComparison.Ordinal);
        Assert.Contains("not-json", reject, StringComparison.Ordinal);
        var position = System.Text.Json.JsonDocument.Parse(reject).RootElement.GetProperty("position").GetString()!;
        var at = long.Parse(position[(position.IndexOf("byte ", StringComparison.Ordinal) + 5)..].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(at, offset, offset + 45);
        Assert.Equal(1, result.Stats.RejectTotal);
    }

    [Fact]
    public async Task RunAsync_StoppedAfterSomePartsThenRerun_EqualsAnUninterruptedRun()
    {
        using var dir = new TempDir();
        var file = await WriteFile(dir, 20000);
        await Run(file, dir.Sub("clean"), Part);
        var expected = ArchiveIngestTests.Snapshot(dir.Sub("clean"));

        var ingest = new ArchiveIngest(new IngestOptions { Parallelism = 1, PartBytes = Part }, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var first = ingest.RunAsync(new IngestRequest(file, dir.Sub("lake")), stop.Token);
        while (ingest.Stats.BatchesDone < 3 && !first.IsCompleted)
        {
            await Task.Delay(1);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        var partial = LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}");
        Assert.InRange(partial, 1, 19999);

        var resumed = await Run(file, dir.Sub("lake"), Part);

        Assert.Equal(0, resumed.Stats.InputsAlreadyDone);
        Assert.Equal(expected, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
    }

    [Theory]
    [InlineData(Part)]
    [InlineData(long.MaxValue / 4)]
    public async Task RunAsync_RunAgainInParts_ChangesNothing(long firstPartBytes)
    {
        // Read in parts, or whole (a larger part size, or before parts existed): the second run reads nothing.
        using var dir = new TempDir();
        var file = await WriteFile(dir, 2000);
        await Run(file, dir.Sub("lake"), firstPartBytes);
        var before = ArchiveIngestTests.Snapshot(dir.Sub("lake"));

        var second = await Run(file, dir.Sub("lake"), Part);

        Assert.Equal(0, second.Stats.InputsTotal);
        Assert.Equal(1, second.Stats.InputsAlreadyDone);
        Assert.Equal(before, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
    }

    [Fact]
    public async Task RunAsync_LargeGzipInflatedAhead_SameLakeAsInflatedInlineAndARerunChangesNothing()
    {
        // A damaged member mid-file: its reject, the rows around it and every file name are the same either way.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("src"));
        var members = new[] { 0, 1, 2 }.Select(m => Gzip(string.Concat(Enumerable.Range(m * 1000, 1000).Select(Line)))).ToArray();
        members[1][members[1].Length / 2] ^= 0xFF;
        members[1][(members[1].Length / 2) + 1] ^= 0xFF;
        await File.WriteAllBytesAsync(dir.Sub("src/events.ndjson.gz"), [.. members.SelectMany(m => m)]);

        Task<IngestResult> Ingest(string lake, long aheadFrom) =>
            new ArchiveIngest(new IngestOptions { Parallelism = 2, InflateAheadBytes = aheadFrom }, TimeProvider.System).RunAsync(new IngestRequest(dir.Sub("src"), lake), CancellationToken.None);

        var inline = await Ingest(dir.Sub("inline"), long.MaxValue);
        var ahead = await Ingest(dir.Sub("ahead"), 1);
        var snapshot = ArchiveIngestTests.Snapshot(dir.Sub("ahead"));
        var rerun = await Ingest(dir.Sub("ahead"), 1);

        // The damaged member's rows up to where zlib saw the damage land too, as when inflating inline.
        Assert.InRange(LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("ahead"))}"), 2000, 2999);
        // Sorted whole: a damaged member's garbled rows can repeat an event ID.
        Assert.Equal(Sorted(dir.Sub("inline")), Sorted(dir.Sub("ahead")));
        Assert.Equal(ArchiveIngestTests.Snapshot(dir.Sub("inline")).Keys, snapshot.Keys);
        Assert.Equal(inline.Stats.RejectTotal, ahead.Stats.RejectTotal);
        Assert.Contains("corrupt-gzip", string.Concat(Directory.GetFiles(dir.Sub("ahead/_rejects")).Select(File.ReadAllText)), StringComparison.Ordinal);
        Assert.Equal(0, rerun.Stats.InputsTotal);
        Assert.Equal(snapshot, ArchiveIngestTests.Snapshot(dir.Sub("ahead")));

        static List<string> Sorted(string lake) => [.. Rows(lake).Select(r => string.Join('|', r)).Order(StringComparer.Ordinal)];
    }
}
