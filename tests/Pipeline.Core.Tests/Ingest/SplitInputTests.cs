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

    private static async Task<string> WriteGzip(TempDir dir, params byte[][] members)
    {
        Directory.CreateDirectory(dir.Sub("src"));
        var path = dir.Sub("src/events.ndjson.gz");
        await File.WriteAllBytesAsync(path, [.. members.SelectMany(m => m)]);
        return path;
    }

    private static byte[] GzipLines(int from, int count) => Gzip(string.Concat(Enumerable.Range(from, count).Select(Line)));

    /// <summary>Reads gzip inputs in chunks as they are inflated (<paramref name="chunked"/>), or each whole.</summary>
    private static Task<IngestResult> RunGzip(string source, string lake, bool chunked, ListLoggerFactory? log = null, int parallelism = 2, CancellationToken ct = default) =>
        new ArchiveIngest(
            new IngestOptions { Parallelism = parallelism, InflateAheadBytes = chunked ? 1 : long.MaxValue, InflatedPartBytes = 8 * Part },
            TimeProvider.System,
            log is null ? null : new Microsoft.Extensions.Logging.Logger<ArchiveIngest>(log))
            .RunAsync(new IngestRequest(source, lake), ct);

    private static List<string> SortedRows(string lake) => [.. Rows(lake).Select(r => string.Join('|', r)).Order(StringComparer.Ordinal)];

    /// <summary>Ingests a large gzip file whole and in chunks: the same lake, cut into ten chunks or more.</summary>
    private static async Task<(IngestResult Whole, IngestResult Chunked)> IngestWholeAndInChunks(TempDir dir, string file, int rows)
    {
        var log = new ListLoggerFactory("chunks");

        var whole = await RunGzip(file, dir.Sub("whole"), chunked: false);
        var chunked = await RunGzip(file, dir.Sub("chunked"), chunked: true, log);

        var line = Assert.Single(log.Lines, l => l.Contains("read in parallel as the file was inflated", StringComparison.Ordinal));
        Assert.Matches(@": (\d{2,}) chunks", line);
        Assert.Equal(rows, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("chunked"))}"));
        Assert.Equal(Rows(dir.Sub("whole")), Rows(dir.Sub("chunked")));
        Assert.Equal(whole.Stats.EventsWritten, chunked.Stats.EventsWritten);
        return (whole, chunked);
    }

    [Fact]
    public async Task RunAsync_LargeGzipReadInChunks_SameRowsAsReadWhole()
    {
        using var dir = new TempDir();
        var file = await WriteGzip(dir, GzipLines(0, 10000), GzipLines(10000, 10000));

        var (_, chunked) = await IngestWholeAndInChunks(dir, file, 20000);

        Assert.Equal(1, chunked.Stats.InputsDone);
        Assert.Equal(new FileInfo(file).Length, chunked.Stats.BytesRead);
        Assert.Equal(chunked.Stats.BatchesTotal, chunked.Stats.BatchesDone);
    }

    [Fact]
    public async Task RunAsync_LargeGzipOfConcatenatedEventBridgeEvents_ReadInChunksWithTheSameRows()
    {
        // Firehose's default: events back to back, no delimiter; user agents that hold "}{" and escaped quotes.
        using var dir = new TempDir();
        var events = string.Concat(Enumerable.Range(0, 12000).Select(i => EventBridge(Line(i).TrimEnd('\n').Replace("\"tlsDetails\"", "\"userAgent\":\"a}{\\\"b\\\\\",\"tlsDetails\"", StringComparison.Ordinal))));
        Directory.CreateDirectory(dir.Sub("src"));
        var file = dir.Sub("src/firehose-object.gz");
        await File.WriteAllBytesAsync(file, Gzip(events));

        var (_, chunked) = await IngestWholeAndInChunks(dir, file, 12000);

        Assert.Equal(12000, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("chunked"))} WHERE user_agent = 'a}}{{\"b\\'"));
        Assert.Equal(0, chunked.Stats.RejectTotal);
    }

    [Fact]
    public async Task RunAsync_LargePlainFileOfConcatenatedEvents_ReadInChunksInOrderWithTheSameRows()
    {
        // No line break to cut at by range: the file is read in order and cut between values, as gzip is.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("src"));
        var file = dir.Sub("src/firehose-object");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Range(0, 6000).Select(i => EventBridge(Line(i).TrimEnd('\n')))));
        var log = new ListLoggerFactory("chunks");

        await new ArchiveIngest(new IngestOptions { Parallelism = 2 }, TimeProvider.System).RunAsync(new IngestRequest(file, dir.Sub("whole")), CancellationToken.None);
        var chunked = await new ArchiveIngest(new IngestOptions { Parallelism = 2, PartBytes = Part, InflatedPartBytes = 8 * Part }, TimeProvider.System, new Microsoft.Extensions.Logging.Logger<ArchiveIngest>(log))
            .RunAsync(new IngestRequest(file, dir.Sub("chunked")), CancellationToken.None);

        var line = Assert.Single(log.Lines, l => l.Contains("read in parallel as the file was inflated or read", StringComparison.Ordinal));
        Assert.Matches(@": (\d{2,}) chunks", line);
        Assert.Equal(6000, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("chunked"))}"));
        Assert.Equal(Rows(dir.Sub("whole")), Rows(dir.Sub("chunked")));
        Assert.Equal(0, chunked.Stats.RejectTotal);
        Assert.Equal(new FileInfo(file).Length, chunked.Stats.BytesRead);
    }

    [Theory]
    [InlineData(40)] // its garbage is short: the damage falls inside a chunk
    [InlineData(3000)] // its garbage runs past two parts without a cut: the chunk in hand is the last, the rest is read live
    public async Task RunAsync_LargeGzipWithDamagedMemberInChunks_SameRowsAndRejectAsReadWhole(int damagedLines)
    {
        using var dir = new TempDir();
        var members = new[] { GzipLines(0, 3000), GzipLines(3000, damagedLines), GzipLines(6000, 3000) };
        members[1][members[1].Length / 2] ^= 0xFF;
        members[1][(members[1].Length / 2) + 1] ^= 0xFF;
        var file = await WriteGzip(dir, members);

        var whole = await RunGzip(file, dir.Sub("whole"), chunked: false);
        var chunked = await RunGzip(file, dir.Sub("chunked"), chunked: true);

        // Sorted whole: the damaged member's garbled rows (up to where zlib saw the damage) can repeat an event ID.
        Assert.Equal(SortedRows(dir.Sub("whole")), SortedRows(dir.Sub("chunked")));
        Assert.Equal(whole.Stats.RejectTotal, chunked.Stats.RejectTotal);
        var rejects = Directory.GetFiles(dir.Sub("chunked/_rejects")).SelectMany(File.ReadAllLines).ToList();
        var gzip = Assert.Single(rejects, r => r.Contains("corrupt-gzip", StringComparison.Ordinal));
        Assert.Contains($"compressed byte {members[0].Length}", gzip, StringComparison.Ordinal);
        Assert.Contains("events.ndjson.gz [part from decompressed byte ", gzip, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LargeGzipStoppedAfterSomeChunksThenRerun_EqualsAnUninterruptedRun()
    {
        using var dir = new TempDir();
        var file = await WriteGzip(dir, GzipLines(0, 20000));
        await RunGzip(file, dir.Sub("clean"), chunked: true);
        var expected = ArchiveIngestTests.Snapshot(dir.Sub("clean"));

        using var stop = new CancellationTokenSource();
        var first = RunGzip(file, dir.Sub("lake"), chunked: true, parallelism: 1, ct: stop.Token);
        while (!first.IsCompleted && !(Directory.Exists(dir.Sub("lake/tls_events")) && Directory.EnumerateFiles(dir.Sub("lake/tls_events"), "*.parquet", SearchOption.AllDirectories).Count() >= 8))
        {
            await Task.Delay(1);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.InRange(LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"), 1, 19999);

        var resumed = await RunGzip(file, dir.Sub("lake"), chunked: true);

        Assert.Equal(0, resumed.Stats.InputsAlreadyDone);
        Assert.Equal(expected, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
    }

    [Fact]
    public async Task RunAsync_LargeGzipReadInChunks_ProgressMovesInItsCompressedBytes()
    {
        using var dir = new TempDir();
        var file = await WriteGzip(dir, GzipLines(0, 20000));
        var size = new FileInfo(file).Length;
        var ingest = new ArchiveIngest(new IngestOptions { Parallelism = 1, InflateAheadBytes = 1, InflatedPartBytes = 8 * Part }, TimeProvider.System);

        var run = ingest.RunAsync(new IngestRequest(dir.Sub("src"), dir.Sub("lake")), CancellationToken.None);
        var seen = new List<long>();
        while (!run.IsCompleted)
        {
            seen.Add(ingest.Stats.BytesRead);
            await Task.Delay(5);
        }

        await run;
        Assert.Contains(seen, b => b > 0 && b < size);
        Assert.Equal(size, ingest.Stats.BytesRead);
        Assert.Equal(1, ingest.Stats.InputsDone);
    }

    [Fact]
    public async Task RunAsync_LargeGzipReadInChunksRunAgain_ReadsNothing()
    {
        using var dir = new TempDir();
        var file = await WriteGzip(dir, GzipLines(0, 5000));
        await RunGzip(file, dir.Sub("lake"), chunked: true);
        var before = ArchiveIngestTests.Snapshot(dir.Sub("lake"));

        var second = await RunGzip(file, dir.Sub("lake"), chunked: true);

        Assert.Equal(0, second.Stats.InputsTotal);
        Assert.Equal(1, second.Stats.InputsAlreadyDone);
        Assert.Equal(before, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
    }

    [Fact]
    public async Task RunAsync_LargeGzipOfCloudWatchLogsPayloads_ReadWholeWithTheSameRows()
    {
        // Firehose over CloudWatch Logs: gzip members holding gzip payloads, not newline-delimited objects.
        using var dir = new TempDir();
        var members = Enumerable.Range(0, 40).Select(m => Gzip(Gzip(CloudWatchLogs([.. Enumerable.Range(m * 50, 50).Select(i => Line(i).TrimEnd('\n'))])))).ToArray();
        var file = await WriteGzip(dir, members);
        var log = new ListLoggerFactory("chunks");

        await RunGzip(file, dir.Sub("whole"), chunked: false);
        await RunGzip(file, dir.Sub("chunked"), chunked: true, log);

        Assert.Equal(2000, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("chunked"))}"));
        Assert.Equal(ArchiveIngestTests.Snapshot(dir.Sub("whole")), ArchiveIngestTests.Snapshot(dir.Sub("chunked")));
        Assert.DoesNotContain(log.Lines, l => l.Contains("as the file was inflated", StringComparison.Ordinal));
    }
}
