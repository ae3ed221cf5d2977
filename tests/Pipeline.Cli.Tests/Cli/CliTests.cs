using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Cli;

public sealed class CliTests
{
    [Fact]
    public void Ingest_MissingSource_ExitsNonZeroWithOneLineError()
    {
        using var dir = new TempDir();

        var r = CliProcess.Run("ingest", "--source", dir.Sub("missing"), "--lake", dir.Sub("lake"));

        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("pipeline: error: --source " + dir.Sub("missing") + " does not exist", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_LakeNotWritable_ExitsNonZeroWithOneLineError()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("file"), "x");
        File.WriteAllText(dir.Sub("in.ndjson"), Record("a") + "\n");

        var r = CliProcess.Run("ingest", "--source", dir.Sub("in.ndjson"), "--lake", dir.Sub("file/lake"));

        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("lake is not writable", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--from", "2024-13-01", "not a date")]
    [InlineData("--parallelism", "0", "--parallelism must be 1..256")]
    public void Ingest_BadFlag_ExitsNonZeroNamingIt(string flag, string value, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("in.ndjson"), Record("a") + "\n");

        var r = CliProcess.Run("ingest", "--source", dir.Sub("in.ndjson"), "--lake", dir.Sub("lake"), flag, value);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-document-mib", false)] // a bare record is a top-level value
    [InlineData("--max-line-mib", true)] // a record of a log file is an element of a streamed envelope
    public void Ingest_SizeLimitFlag_ALargerValueIsOneRejectAndTheRestLands(string flag, bool logFile)
    {
        using var dir = new TempDir();
        var huge = Record("big").Replace("\"eventName\"", "\"padding\":\"" + new string('x', 1_500_000) + "\",\"eventName\"", StringComparison.Ordinal);
        File.WriteAllText(dir.Sub("in.json"), logFile ? LogFile(Record("a"), huge, Record("b")) : Record("a") + "\n" + huge + "\n" + Record("b") + "\n");

        var limited = CliProcess.Run("ingest", "--source", dir.Sub("in.json"), "--lake", dir.Sub("limited"), flag, "1");
        var unlimited = CliProcess.Run("ingest", "--source", dir.Sub("in.json"), "--lake", dir.Sub("unlimited"));

        Assert.True(limited.ExitCode == 0, limited.Stderr);
        Assert.True(unlimited.ExitCode == 0, unlimited.Stderr);
        Assert.Equal(2L, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("limited"))}"));
        Assert.Equal(3L, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("unlimited"))}"));
        var rejects = string.Concat(Directory.GetFiles(Path.Combine(dir.Sub("limited"), "_rejects"), "*.jsonl").Select(File.ReadAllText));
        Assert.Contains("\"reason\":\"too-large\"", rejects, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_WithRejects_ExitsZeroAndSummarisesThem()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("in.ndjson"), Record("a") + "\n{oops\n" + Record("b").Replace("\"eventID\":\"b\",", string.Empty, StringComparison.Ordinal) + "\n");

        var r = CliProcess.Run("ingest", "--source", dir.Sub("in.ndjson"), "--lake", dir.Sub("lake"));

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("1 events written", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("not-json 1", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("missing-eventID 1", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("events/s", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_SmallOrganization_WritesArchiveAndLakeAndSaysWhatToOpen()
    {
        using var dir = new TempDir();

        var r = CliProcess.Run("demo", "--out", dir.Sub("demo"), "--accounts", "4", "--days", "2", "--events-per-account-day", "30");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("Lake:", r.Stdout, StringComparison.Ordinal);
        Assert.True(LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("demo/lake"))} WHERE tls_version IN ('TLSv1', 'TLSv1.1')") > 0);
        Assert.True(File.Exists(dir.Sub("demo/accounts.csv")));
        Assert.Contains("Report:", r.Stdout, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(dir.Sub("demo/reports"), "index.html", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("--week", "2026-47", "not an ISO week")]
    [InlineData("--weeks-back", "0", "--weeks-back")]
    public void Report_BadFlag_ExitsNonZeroWithOneLine(string flag, string value, string expected)
    {
        using var dir = new TempDir();

        var r = CliProcess.Run("report", "--lake", dir.Path, "--out", dir.Sub("out"), flag, value);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains(expected, Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public void Report_LakeWithoutData_ExitsNonZeroWithOneLine()
    {
        using var dir = new TempDir();

        var r = CliProcess.Run("report", "--lake", dir.Path, "--week", "2026-W47", "--out", dir.Sub("out"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no tls_events data", Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_FixtureLake_WritesTheWeekAndPrintsWhereAndPrintSqlRunsNothing()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);

        var r = CliProcess.Run("report", "--lake", lake, "--week", "2026-W47", "--out", dir.Sub("out"), "--weeks-back", "2");
        var sql = CliProcess.Run("report", "--lake", lake, "--week", "2026-W47", "--print-sql");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.EndsWith(Path.Combine("2026-W47", "index.html"), r.Stdout.Trim(), StringComparison.Ordinal);
        Assert.Equal(3, Directory.GetFiles(dir.Sub("out/2026-W47")).Count(f => f.EndsWith("tickets.json", StringComparison.Ordinal) || f.EndsWith("tickets.csv", StringComparison.Ordinal) || f.EndsWith("summary.csv", StringComparison.Ordinal)));
        Assert.Equal(0, sql.ExitCode);
        Assert.Contains("FROM tls_events", sql.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_OutIsSomeoneElsesFolder_Refuses()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("mine"));
        File.WriteAllText(dir.Sub("mine/keep.txt"), "precious");

        var r = CliProcess.Run("demo", "--out", dir.Sub("mine"));

        Assert.Equal(1, r.ExitCode);
        Assert.True(File.Exists(dir.Sub("mine/keep.txt")));
    }
}
