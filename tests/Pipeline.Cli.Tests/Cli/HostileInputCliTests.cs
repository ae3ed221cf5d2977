using System.Text;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Cli;

/// <summary>Poison input, run as a user would: the CLI keeps going, the lake stays readable, the report runs.</summary>
public sealed class HostileInputCliTests
{
    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Ingest_LoneSurrogateAndInvalidUtf8_LandRepairedAndTheReportStillRuns()
    {
        using var dir = new TempDir();
        var good = Record("good", "2026-11-18T10:00:00Z");
        var surrogate = Record("surrogate", "2026-11-18T10:00:01Z").Replace("aws-cli/1.16.96 Python/2.7.5", "Java/1.7\\ud800", StringComparison.Ordinal);
        var invalidText = Record("invalid", "2026-11-18T10:00:02Z");
        var invalid = Encoding.UTF8.GetBytes(invalidText).ToList();
        invalid.InsertRange(invalidText.IndexOf("Python", StringComparison.Ordinal), new byte[] { 0xFF, 0xFE, 0xC0, 0xAF });
        File.WriteAllBytes(dir.Sub("in.ndjson"), [.. Encoding.UTF8.GetBytes(good + "\n" + surrogate + "\n"), .. invalid, (byte)'\n']);

        var ingest = CliProcess.Run("ingest", "--source", dir.Sub("in.ndjson"), "--lake", dir.Sub("lake"));
        var again = CliProcess.Run("ingest", "--source", dir.Sub("in.ndjson"), "--lake", dir.Sub("lake"));
        var report = CliProcess.Run("report", "--lake", dir.Sub("lake"), "--week", "2026-W47", "--out", dir.Sub("out"));

        Assert.Equal(0, ingest.ExitCode);
        Assert.Contains("rejects     none", ingest.Stderr, StringComparison.Ordinal);
        Assert.Contains("repaired    ", ingest.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, again.ExitCode);
        var src = LakeReader.Source(dir.Sub("lake"));
        Assert.Equal(3, LakeReader.Scalar($"SELECT count(*) FROM {src}"));
        Assert.Equal(3, LakeReader.Scalar($"SELECT count(*) FROM {src} WHERE user_agent IS NOT NULL AND length(user_agent) > 0"));
        Assert.Equal(2, LakeReader.Scalar($"SELECT count(*) FROM {src} WHERE contains(user_agent, '\uFFFD')"));
        Assert.True(report.ExitCode == 0, report.Stderr);
    }

    [Fact]
    public void Ingest_TreeWithFifoAndSymlinkLoop_FinishesReadingEveryEventOnce()
    {
        Skip.If(OperatingSystem.IsWindows());
        using var dir = new TempDir();
        var tree = dir.Sub("tree");
        Directory.CreateDirectory(Path.Combine(tree, "exports"));
        File.WriteAllText(Path.Combine(tree, "exports", "a.ndjson"), Record("a") + "\n" + Record("b") + "\n");
        Directory.CreateSymbolicLink(Path.Combine(tree, "exports", "again"), tree);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(tree, "exports", "pipe"))!)
        {
            mkfifo.WaitForExit();
        }

        var r = CliProcess.Run("ingest", "--source", tree, "--lake", dir.Sub("lake"));

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(2, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Contains("1 FIFOs/sockets/devices", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("symlink-loop 1", r.Stderr, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(tree, "exports", "again"), r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_FirehoseAndLookupEventsFiles_EveryEventLandsOnceAndReRunsAreIdempotent()
    {
        using var dir = new TempDir();
        var tree = dir.Sub("tree");
        Directory.CreateDirectory(tree);
        var records = Enumerable.Range(0, 40).Select(i => Record("e" + i, $"2026-11-18T10:{i:D2}:00Z")).ToArray();
        File.WriteAllText(Path.Combine(tree, "eventbridge-firehose"), string.Concat(records[..10].Select(r => EventBridge(r))));
        File.WriteAllBytes(Path.Combine(tree, "cwl-firehose"), [.. records[10..20].Chunk(3).SelectMany(c => Gzip(CloudWatchLogs(c)))]);
        File.WriteAllBytes(Path.Combine(tree, "cwl-firehose-gzip"), Gzip([.. records[20..30].Chunk(3).SelectMany(c => Gzip(CloudWatchLogs(c)))]));
        File.WriteAllText(Path.Combine(tree, "lookup.json"), System.Text.Json.JsonSerializer.Serialize(new { Events = records[30..].Select(r => new { CloudTrailEvent = r }) }));

        var first = CliProcess.Run("ingest", "--source", tree, "--lake", dir.Sub("lake"));
        var files = Directory.GetFiles(dir.Sub("lake/tls_events"), "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        using (var clean = new TempDir())
        {
            var other = CliProcess.Run("ingest", "--source", tree, "--lake", clean.Sub("lake"));
            Assert.Equal(0, other.ExitCode);
            Assert.Equal(files.Select(f => Path.GetRelativePath(dir.Sub("lake"), f)), Directory.GetFiles(clean.Sub("lake/tls_events"), "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => Path.GetRelativePath(clean.Sub("lake"), f)));
        }

        var second = CliProcess.Run("ingest", "--source", tree, "--lake", dir.Sub("lake"));

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("rejects     none", first.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("4 already done", second.Stderr, StringComparison.Ordinal);
        var src = LakeReader.Source(dir.Sub("lake"));
        Assert.Equal(40, LakeReader.Scalar($"SELECT count(*) FROM {src}"));
        Assert.Equal(40, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {src}"));
        Assert.Empty(Lines(string.Join('\n', Directory.GetFiles(dir.Sub("lake/tls_events"), "*.parquet", SearchOption.AllDirectories).Except(files))));
    }
}
