using Pipeline.Demo;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Ingest;

/// <summary>
/// Kills a real <c>pipeline ingest</c> process with SIGKILL at several moments, then runs it again to the end: the
/// lake must be exactly the lake of an uninterrupted run (same files, same bytes), so every event is there once.
/// </summary>
public sealed class KillResumeTests
{
    [Fact]
    public void Ingest_KilledRepeatedlyThenRerun_EqualsAnUninterruptedRun()
    {
        using var dir = new TempDir();
        var truth = DemoArchiveWriter.Write(dir.Sub("archive"), new DemoShape(24, 10, 400, new DateOnly(2026, 11, 22)));
        var clean = CliProcess.Run("ingest", "--source", dir.Sub("archive"), "--lake", dir.Sub("clean"), "--parallelism", "2");
        Assert.True(clean.ExitCode == 0, clean.Stderr);
        var expected = ArchiveIngestTests.Snapshot(dir.Sub("clean"));

        var killedWhileRunning = KillRepeatedly(dir.Sub("lake"), "ingest", "--source", dir.Sub("archive"), "--lake", dir.Sub("lake"), "--parallelism", "2");

        var resumed = CliProcess.Run("ingest", "--source", dir.Sub("archive"), "--lake", dir.Sub("lake"), "--parallelism", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.True(killedWhileRunning >= 2, $"only {killedWhileRunning} kills landed while the run was going");
        Assert.Equal(expected, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
        Assert.Equal(truth.ExpectedRows, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Equal(truth.DistinctEvents, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Empty(Directory.Exists(dir.Sub("lake/_staging")) ? Directory.GetFileSystemEntries(dir.Sub("lake/_staging")) : []);
    }

    [Theory]
    [InlineData(false)] // plain, over three parts of the real part size: read by both workers by byte range
    [InlineData(true)] // gzip, over the real thresholds (8 MiB compressed, 30 MiB chunks): read by both workers in chunks as it is inflated
    public void Ingest_LargeFileKilledWhileReadInPartsThenRerun_EqualsAnUninterruptedRun(bool gzip)
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("src"));
        var file = dir.Sub(gzip ? "src/events.ndjson.gz" : "src/events.ndjson");
        var events = gzip ? 200_000 : 360_000;

        // Random request parameters keep the gzip file from compressing away below the threshold.
        var random = new Random(17);
        var noise = new byte[240];
        using (var output = File.Create(file))
        using (var w = new StreamWriter(gzip ? new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest) : output))
        {
            for (var i = 0; i < events; i++)
            {
                random.NextBytes(noise);
                var extra = gzip ? $",\"requestParameters\":{{\"key\":\"{Convert.ToHexString(noise)}\"}}" : "";
                w.Write(Records.Record($"e-{i:D7}", $"2026-11-2{i % 3}T{i % 24:D2}:00:00Z", $"{100000000000 + (i % 5)}", i % 4 == 0 ? "TLSv1" : "TLSv1.2", extra));
                w.Write('\n');
            }
        }

        Assert.True(new FileInfo(file).Length > (gzip ? new Pipeline.Decoding.DecoderLimits().InflateAheadBytes : 2.5 * Pipeline.Sources.Files.InputSplitter.PartBytes));
        var clean = CliProcess.Run("ingest", "--source", file, "--lake", dir.Sub("clean"), "--parallelism", "2");
        Assert.True(clean.ExitCode == 0, clean.Stderr);
        var expected = ArchiveIngestTests.Snapshot(dir.Sub("clean"));
        Assert.Equal(events, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("clean"))}"));
        var batches = expected.Keys.Where(k => k.StartsWith("tls_events", StringComparison.Ordinal)).Select(k => Path.GetFileName(k).Split('-')[1]).Distinct().Count();
        Assert.True(batches >= 3, $"the file was read in {batches} batches, not in parts");

        var killedWhileRunning = KillRepeatedly(dir.Sub("lake"), "ingest", "--source", file, "--lake", dir.Sub("lake"), "--parallelism", "2");
        var resumed = CliProcess.Run("ingest", "--source", file, "--lake", dir.Sub("lake"), "--parallelism", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.True(killedWhileRunning >= 2, $"only {killedWhileRunning} kills landed while the run was going");
        Assert.Equal(expected, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
        Assert.Equal(events, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(dir.Sub("lake"))}"));
    }

    /// <summary>
    /// Starts the CLI with <paramref name="args"/> (an ingest into <paramref name="lake"/>) up to five times, each run
    /// resuming the one before, and kills it (SIGKILL) by what it has done rather than after a fixed time: in turn
    /// once it has staged a Parquet file (mid-write) and once it has published one (mid-publish or after a commit),
    /// each time a little later (0, 40, 80, … ms). So kills land mid-run whatever the speed of the build or the
    /// machine. Returns how many kills landed while it ran.
    /// </summary>
    private static int KillRepeatedly(string lake, params string[] args)
    {
        var killed = 0;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            int before;
            while ((before = Files(Path.Combine(lake, "tls_events"), DateTime.MinValue)) < 0)
            {
                Thread.Sleep(10);
            }

            var started = DateTime.UtcNow.AddSeconds(-1);
            using var p = CliProcess.Start(args);
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            Func<bool> reached = attempt % 2 == 0
                ? () => Files(Path.Combine(lake, "_staging"), started) > 0
                : () => Files(Path.Combine(lake, "tls_events"), DateTime.MinValue) > before;
            while (!p.HasExited && !reached())
            {
                Thread.Sleep(10);
            }

            if (!p.WaitForExit(attempt * 40))
            {
                p.Kill(entireProcessTree: true);
                killed++;
            }

            p.WaitForExit();
            if (p.ExitCode == 0)
            {
                // It finished: nothing is left to kill it in the middle of.
                break;
            }
        }

        return killed;
    }

    /// <summary>Parquet files under <paramref name="folder"/> written since <paramref name="since"/>, or -1 when the folder changed while listed.</summary>
    private static int Files(string folder, DateTime since)
    {
        try
        {
            return Directory.Exists(folder)
                ? new DirectoryInfo(folder).EnumerateFiles("*.parquet", SearchOption.AllDirectories).Count(f => f.LastWriteTimeUtc >= since)
                : 0;
        }
        catch (IOException)
        {
            // A folder renamed, created or removed while listed: count again on the next poll.
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }
}
