using System.Diagnostics;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cli;

/// <summary>Failures a user meets, each one line in their words: issue 18's smaller items, run as a user would.</summary>
public sealed class ErrorMessageCliTests
{
    /// <summary>A tmpfs of its own (root with mount rights, as CI and these machines have), or why not.</summary>
    private sealed class TmpFs : IDisposable
    {
        private TmpFs(string path) => Path = path;

        public string Path { get; }

        public static TmpFs? Mount(string path, string options, out string? why)
        {
            Directory.CreateDirectory(path);
            var r = Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", path);
            why = r.Code == 0 ? null : "cannot mount a tmpfs here (" + r.Err.Trim() + ")";
            return r.Code == 0 ? new TmpFs(path) : null;
        }

        public void Remount(string options) => Run("mount", "-o", "remount," + options, Path);

        public void Dispose() => Run("umount", Path);

        private static (int Code, string Err) Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            try
            {
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEnd();
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                return (p.ExitCode, err);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return (-1, e.Message);
            }
        }
    }

    /// <summary>An environment in which the AWS credential chain finds nothing.</summary>
    private static (string, string)[] NoCredentials(TempDir dir) =>
    [
        ("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", ""), ("AWS_SESSION_TOKEN", ""), ("AWS_PROFILE", ""), ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_SHARED_CREDENTIALS_FILE", dir.Sub("none")), ("AWS_CONFIG_FILE", dir.Sub("none")), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", ""), ("AWS_WEB_IDENTITY_TOKEN_FILE", ""),
    ];

    private static string OneLine(CliProcess.Result r) =>
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("pipeline:", StringComparison.Ordinal));

    [SkippableFact]
    public void Ingest_ReadOnlyLake_SaysNotWritableNotAnotherIngest()
    {
        Skip.If(OperatingSystem.IsWindows());
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("in.ndjson"), Records.Record("a") + "\n");
        using var fs = TmpFs.Mount(dir.Sub("fs"), "size=4m", out var why);
        Skip.If(fs is null, why);
        Assert.Equal(0, CliProcess.Run("ingest", "--source", dir.Sub("in.ndjson"), "--lake", Path.Combine(fs.Path, "lake")).ExitCode);
        fs.Remount("ro");

        var r = CliProcess.Run("ingest", "--source", dir.Sub("in.ndjson"), "--lake", Path.Combine(fs.Path, "lake"));

        Assert.Equal(1, r.ExitCode);
        var line = OneLine(r);
        Assert.Contains("lake is not writable", line, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", line, StringComparison.Ordinal);
        Assert.DoesNotContain("another ingest", line, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Ingest_DiskFull_OneLineSayingSoAndARunWithRoomCompletesTheLakeExactly()
    {
        Skip.If(OperatingSystem.IsWindows());
        using var dir = new TempDir();
        var truth = Pipeline.Demo.DemoArchiveWriter.Write(dir.Sub("archive"), new Pipeline.Demo.DemoShape(4, 3, 400, new DateOnly(2026, 11, 22), Seed: 5, AwkwardCases: false, Format: Pipeline.Demo.DemoFormat.Ndjson));
        using var fs = TmpFs.Mount(dir.Sub("fs"), "size=256k", out var why);
        Skip.If(fs is null, why);

        var r = CliProcess.Run("ingest", "--source", dir.Sub("archive"), "--lake", Path.Combine(fs.Path, "lake"));

        Assert.Equal(1, r.ExitCode);
        var line = OneLine(r);
        Assert.Contains("the disk is full", line, StringComparison.Ordinal);

        // The structured log keeps the native exception for diagnosis; the user's line does not.
        Assert.DoesNotContain("ParquetStatusException", line, StringComparison.Ordinal);

        // What was checkpointed before the disk filled is in the lake; the rest is read once there is room.
        fs.Remount("size=256m");
        var again = CliProcess.Run("ingest", "--source", dir.Sub("archive"), "--lake", Path.Combine(fs.Path, "lake"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        var src = LakeReader.Source(Path.Combine(fs.Path, "lake"));
        Assert.Equal(truth.ExpectedRows, LakeReader.Scalar($"SELECT count(*) FROM {src}"));
        Assert.Equal(truth.DistinctEvents, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {src}"));
    }

    [Theory]
    [InlineData("--parallelism", "0", "--parallelism must be 1..256 (got 0)")]
    [InlineData("--memory-budget-mib", "1", "--memory-budget-mib must be 16..1048576 (got 1)")]
    [InlineData("--compression", "gzip", "--compression 'gzip' is not a codec: snappy, zstd or none")]
    public void Ingest_BadTunable_OneLineNamingTheFlagAndWhatIsAccepted(string flag, string value, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("in.ndjson"), Records.Record("a") + "\n");

        var r = CliProcess.Run("ingest", "--source", dir.Sub("in.ndjson"), "--lake", dir.Sub("lake"), flag, value);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("pipeline: error: " + expected, OneLine(r));
        Assert.DoesNotContain("IngestOptions", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Pipeline.Parquet", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Sub("lake")), "nothing is made before the run can start");
    }

    [Fact]
    public void Ingest_MissingSource_OneLineAndNoLakeFolderOrLockLeft()
    {
        using var dir = new TempDir();

        var r = CliProcess.Run("ingest", "--source", dir.Sub("nope"), "--lake", dir.Sub("lake"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--source " + dir.Sub("nope") + " does not exist", OneLine(r), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Sub("lake")), "a run that cannot start leaves no lake folder (nor its lock)");
    }

    [Theory]
    [InlineData("{\"rules\": 5}", "\"rules\" must be an array")]
    [InlineData("{\"rules\": [{\"id\": \"x\"}]}", "rules[0] has no \"match\" string")]
    [InlineData("{\"rules\": [", "is not JSON")]
    public async Task Report_BadRulesFile_OneLineNamingTheFileAndTheShape(string rules, string expected)
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        await File.WriteAllTextAsync(dir.Sub("rules.json"), rules);

        var r = CliProcess.Run("report", "--lake", lake, "--week", "2026-W47", "--out", dir.Sub("out"), "--rules", dir.Sub("rules.json"));

        Assert.Equal(1, r.ExitCode);
        var line = OneLine(r);
        Assert.Contains("rules file " + dir.Sub("rules.json"), line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("FormatException", line, StringComparison.Ordinal);
        Assert.DoesNotContain("querying", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_OutIsAFile_RefusedBeforeAnyQuery()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        await File.WriteAllTextAsync(dir.Sub("afile"), "x");

        var r = CliProcess.Run("report", "--lake", lake, "--week", "2026-W47", "--out", dir.Sub("afile"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--out " + dir.Sub("afile") + " is a file: give a folder", OneLine(r), StringComparison.Ordinal);
        Assert.DoesNotContain("querying", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_AthenaWithoutCredentials_OneLineWithTheRemedy()
    {
        using var dir = new TempDir();

        var r = CliProcess.RunWith(
            NoCredentials(dir),
            "report", "--engine", "athena", "--lake", "s3://b/p", "--week", "2026-W47", "--out", dir.Sub("out"), "--endpoint", "http://127.0.0.1:9");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("pipeline: error: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with a web identity (IRSA), container or instance role", OneLine(r));
        Assert.DoesNotContain("Exception", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_S3SourceWithoutCredentials_OneLineWithTheRemedyAndNoLakeFolderLeft()
    {
        using var dir = new TempDir();

        var r = CliProcess.RunWith(
            NoCredentials(dir),
            "ingest", "--source", "s3://bucket/AWSLogs/", "--lake", dir.Sub("lake"), "--endpoint", "http://127.0.0.1:9");

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("pipeline: error: no AWS credentials found: set AWS_ACCESS_KEY_ID", OneLine(r), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception 1 of", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Sub("lake")), "the failed run removed the lake folder it made (and its lock)");
    }

    [Fact]
    public void Report_AthenaUnreachable_OneLineSayingWhatToCheck()
    {
        using var dir = new TempDir();

        var r = CliProcess.RunWith([("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret")],
            "report", "--engine", "athena", "--lake", "s3://b/p", "--week", "2026-W47", "--out", dir.Sub("out"), "--endpoint", "http://127.0.0.1:9");

        Assert.Equal(1, r.ExitCode);
        var line = OneLine(r);
        Assert.StartsWith("pipeline: error: could not reach Athena (StartQueryExecution): ", line, StringComparison.Ordinal);
        Assert.EndsWith("(check --endpoint, --region and the network)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_WeekBeforeCloudTrail_OneLineNamingTheFlag()
    {
        using var dir = new TempDir();

        var r = CliProcess.Run("report", "--lake", dir.Path, "--week", "0001-W01", "--out", dir.Sub("out"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--week '0001-W01'", OneLine(r), StringComparison.Ordinal);
        Assert.DoesNotContain("ArgumentOutOfRange", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FILE", "--visibility", "--visibility applies to stream sources")]
    [InlineData("FILE", "--until-idle", "--until-idle applies to stream sources")]
    [InlineData("sqs://q?endpoint=http://127.0.0.1:9", "--flush-mib", "--flush-mib does not apply to sqs://")]
    [InlineData("sqs://q?endpoint=http://127.0.0.1:9", "--accounts", "--accounts does not apply to sqs://")]
    [InlineData("kafka://127.0.0.1:9/t?group=g", "--receivers", "--receivers does not apply to kafka://")]
    [InlineData("kinesis://s?endpoint=http://127.0.0.1:9", "--visibility", "--visibility does not apply to kinesis://")]
    public void Ingest_FlagOfAnotherSource_RefusedNamingIt(string source, string flag, string message)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("in.json"), Records.LogFile(Records.Record()));

        var r = CliProcess.Run("ingest", "--source", source == "FILE" ? dir.Sub("in.json") : source, "--lake", dir.Sub("lake"), flag, "5");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(message, OneLine(r), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Sub("lake")));
    }

    [Theory]
    [InlineData("kafka://127.0.0.1:notaport/trail?group=g")]
    [InlineData("kafka://127.0.0.1:0/trail?group=g")]
    [InlineData("kafka://127.0.0.1/trail?group=g")]
    public void Ingest_KafkaBrokerWithoutAPort_RefusedAtOnce(string source)
    {
        using var dir = new TempDir();

        var r = CliProcess.Run("ingest", "--source", source, "--lake", dir.Sub("lake"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("is not HOST:PORT", OneLine(r), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_AccountNameWithMarkdown_IsShownAsWrittenInTheAccountPage()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        File.WriteAllText(dir.Sub("owners.csv"), "account_id,name,owner_email,team\n111111111111,\"[Prod](http://evil.example) <img src=x onerror=alert(1)> **bold**\",a@example.com,t\n");

        var r = CliProcess.Run("report", "--lake", lake, "--week", "2026-W47", "--out", dir.Sub("out"), "--weeks-back", "2", "--owners", dir.Sub("owners.csv"));

        Assert.True(r.ExitCode == 0, r.Stderr);
        var heading = File.ReadLines(dir.Sub("out/2026-W47/accounts/111111111111.md")).First();
        Assert.StartsWith("# ", heading, StringComparison.Ordinal);
        Assert.Contains("\\[Prod\\]\\(http://evil\\.example\\)", heading, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert\\(1\\)&gt;", heading, StringComparison.Ordinal);
        Assert.Contains("\\*\\*bold\\*\\*", heading, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", heading, StringComparison.Ordinal);
    }
}
