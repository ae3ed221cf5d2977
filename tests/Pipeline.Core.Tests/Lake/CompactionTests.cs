using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.Parquet;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Lake;

public sealed class CompactionTests
{
    private static async Task<string> LakeWithSmallFilesAsync(TempDir tmp, int runs)
    {
        var lake = tmp.Sub("lake");
        for (var run = 0; run < runs; run++)
        {
            var records = Enumerable.Range(0, 50).Select(i => Records.Record($"e-{run}-{i}", $"2026-11-20T{i % 24:D2}:00:00Z", i % 2 == 0 ? "111111111111" : "222222222222"))
                .Append(Records.Record("e-dup", "2026-11-20T12:00:00Z", "111111111111"))
                .Append(Records.Record($"e-other-day-{run}", "2026-11-21T12:00:00Z", "111111111111"));
            var file = tmp.Sub($"in-{run}.json");
            await File.WriteAllTextAsync(file, Records.LogFile([.. records]));
            await new ArchiveIngest(new IngestOptions(), TimeProvider.System).RunAsync(new IngestRequest(file, lake), CancellationToken.None);
        }

        return lake;
    }

    private static List<string> Rows(string lake, string date) =>
        [.. LakeReader.Query($"SELECT DISTINCT * EXCLUDE (filename) FROM read_parquet('{LakeReader.Glob(lake)}', hive_partitioning = true, hive_types_autocast = false, filename = true) WHERE event_date = '{date}' ORDER BY ALL")
            .Select(r => string.Join('|', r.Select(v => v?.ToString())))];

    [Fact]
    public async Task Compact_ManySmallFilesWithDuplicates_OneFilePerPartitionEveryEventOnce()
    {
        using var tmp = new TempDir();
        var lake = await LakeWithSmallFilesAsync(tmp, 3);
        var rowsBefore = Rows(lake, "2026-11-20");
        var otherDay = Directory.GetFiles(Path.Combine(lake, "tls_events", "event_date=2026-11-21"), "*.parquet", SearchOption.AllDirectories).Order().ToList();
        Assert.Equal(3, Directory.GetFiles(Path.Combine(lake, "tls_events", "event_date=2026-11-20", "account_id=111111111111")).Length);

        var result = LakeCompaction.Compact(lake, new DateOnly(2026, 11, 20), new ParquetSettings());

        Assert.Equal(2, result.Partitions);
        Assert.Equal(6, result.FilesBefore);
        Assert.Equal(2, result.FilesAfter);
        Assert.Equal(2, result.DuplicatesDropped);
        foreach (var partition in Directory.GetDirectories(Path.Combine(lake, "tls_events", "event_date=2026-11-20")))
        {
            Assert.Single(Directory.GetFiles(partition));
        }

        // The same rows (a duplicate delivery is identical, so distinct rows are unchanged), each event once.
        Assert.Equal(rowsBefore, Rows(lake, "2026-11-20"));
        Assert.Equal(151, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(lake)} WHERE event_date = '2026-11-20'"));
        Assert.Equal(151, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(lake)} WHERE event_date = '2026-11-20'"));
        Assert.Equal(otherDay, Directory.GetFiles(Path.Combine(lake, "tls_events", "event_date=2026-11-21"), "*.parquet", SearchOption.AllDirectories).Order().ToList());
        Assert.False(Directory.Exists(Path.Combine(lake, "_staging", "compact", "2026-11-20")));

        var again = LakeCompaction.Compact(lake, new DateOnly(2026, 11, 20), new ParquetSettings());
        Assert.Equal(0, again.PartitionsRewritten);
        Assert.Equal(2, again.FilesAfter);
    }

    [Fact]
    public async Task Compact_InterruptedAfterTheSwap_NextRunKeepsLateFilesAndDropsTheOldOnes()
    {
        using var tmp = new TempDir();
        var lake = await LakeWithSmallFilesAsync(tmp, 1);
        var partition = Path.Combine(lake, "tls_events", "event_date=2026-11-20", "account_id=111111111111");
        var existing = Directory.GetFiles(partition).Single();

        // State after a swap: the partition holds the new file and the marker; staging holds an old input and a
        // file an ingest added to the partition while it was being rebuilt.
        var work = Path.Combine(lake, "_staging", "compact", "2026-11-20", "account_id=111111111111");
        Directory.CreateDirectory(work);
        File.Copy(existing, Path.Combine(work, "part-old-0000.parquet"));
        File.Copy(existing, Path.Combine(work, "part-late-0000.parquet"));
        await File.WriteAllTextAsync(Path.Combine(partition, "_compaction.json"), "[\"part-old-0000.parquet\"]");

        LakeCompaction.Compact(lake, new DateOnly(2026, 11, 20), new ParquetSettings());

        Assert.False(Directory.Exists(work));
        Assert.False(File.Exists(Path.Combine(partition, "_compaction.json")));
        Assert.Equal(1, LakeReader.Scalar($"SELECT count(DISTINCT event_id) = count(*) FROM {LakeReader.Source(lake)}"));
        Assert.Single(Directory.GetFiles(partition));
    }

    [Fact]
    public async Task Cli_Compact_PrintsSummaryAndBadDateIsOneLineError()
    {
        using var tmp = new TempDir();
        var lake = await LakeWithSmallFilesAsync(tmp, 2);

        var ok = CliProcess.Run("compact", "--lake", lake, "--date", "2026-11-20");
        var bad = CliProcess.Run("compact", "--lake", lake, "--date", "20-11-2026");

        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Contains("4 files -> 2", ok.Stderr, StringComparison.Ordinal);
        Assert.Contains("1 duplicate event IDs dropped", ok.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("pipeline: error: --date '20-11-2026' is not a date", bad.Stderr, StringComparison.Ordinal);
    }
}
