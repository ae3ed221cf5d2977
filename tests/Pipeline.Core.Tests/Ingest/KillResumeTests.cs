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

        var killedWhileRunning = KillRepeatedly([700, 1100, 1500, 1900, 2500], "ingest", "--source", dir.Sub("archive"), "--lake", dir.Sub("lake"), "--parallelism", "2");

        var resumed = CliProcess.Run("ingest", "--source", dir.Sub("archive"), "--lake", dir.Sub("lake"), "--parallelism", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.True(killedWhileRunning >= 2, $"only {killedWhileRunning} kills landed while the run was going");
        Assert.Equal(expected, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
        Assert.Equal(truth.ExpectedRows, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Equal(truth.DistinctEvents, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Empty(Directory.Exists(dir.Sub("lake/_staging")) ? Directory.GetFileSystemEntries(dir.Sub("lake/_staging")) : []);
    }

    [Fact]
    public void Ingest_LargeFileInPartsKilledThenRerun_EqualsAnUninterruptedRun()
    {
        // Over three parts of the real part size, so the file is read by both workers, and killed while they do.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("src"));
        var file = dir.Sub("src/events.ndjson");
        const int events = 360_000;
        using (var w = new StreamWriter(file))
        {
            for (var i = 0; i < events; i++)
            {
                w.Write(Records.Record($"e-{i:D7}", $"2026-11-2{i % 3}T{i % 24:D2}:00:00Z", $"{100000000000 + (i % 5)}", i % 4 == 0 ? "TLSv1" : "TLSv1.2"));
                w.Write('\n');
            }
        }

        Assert.True(new FileInfo(file).Length > 2.5 * Pipeline.Sources.Files.InputSplitter.PartBytes);
        var clean = CliProcess.Run("ingest", "--source", file, "--lake", dir.Sub("clean"), "--parallelism", "2");
        Assert.True(clean.ExitCode == 0, clean.Stderr);
        var expected = ArchiveIngestTests.Snapshot(dir.Sub("clean"));
        Assert.Equal(events, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("clean"))}"));
        var batches = expected.Keys.Where(k => k.StartsWith("tls_events", StringComparison.Ordinal)).Select(k => Path.GetFileName(k).Split('-')[1]).Distinct().Count();
        Assert.True(batches >= 3, $"the file was read in {batches} batches, not in parts");

        KillRepeatedly([600, 900, 1200, 1500], "ingest", "--source", file, "--lake", dir.Sub("lake"), "--parallelism", "2");

        var resumed = CliProcess.Run("ingest", "--source", file, "--lake", dir.Sub("lake"), "--parallelism", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(expected, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
        Assert.Equal(events, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(dir.Sub("lake"))}"));
    }

    [Fact]
    public void Ingest_LargeGzipFileInChunksKilledThenRerun_EqualsAnUninterruptedRun()
    {
        // Over the real thresholds (8 MiB compressed, chunks of 30 MiB decompressed): random request parameters keep
        // it from compressing away, so it is read in chunks by both workers as it is inflated, and killed while it is.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("src"));
        var file = dir.Sub("src/events.ndjson.gz");
        const int events = 200_000;
        var random = new Random(17);
        var noise = new byte[240];
        using (var w = new StreamWriter(new System.IO.Compression.GZipStream(File.Create(file), System.IO.Compression.CompressionLevel.Fastest)))
        {
            for (var i = 0; i < events; i++)
            {
                random.NextBytes(noise);
                w.Write(Records.Record($"e-{i:D7}", $"2026-11-2{i % 3}T{i % 24:D2}:00:00Z", $"{100000000000 + (i % 5)}", i % 4 == 0 ? "TLSv1" : "TLSv1.2", $",\"requestParameters\":{{\"key\":\"{Convert.ToHexString(noise)}\"}}"));
                w.Write('\n');
            }
        }

        Assert.True(new FileInfo(file).Length > new Pipeline.Decoding.DecoderLimits().InflateAheadBytes);
        var clean = CliProcess.Run("ingest", "--source", file, "--lake", dir.Sub("clean"), "--parallelism", "2");
        Assert.True(clean.ExitCode == 0, clean.Stderr);
        var expected = ArchiveIngestTests.Snapshot(dir.Sub("clean"));
        Assert.Equal(events, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("clean"))}"));
        var batches = expected.Keys.Where(k => k.StartsWith("tls_events", StringComparison.Ordinal)).Select(k => Path.GetFileName(k).Split('-')[1]).Distinct().Count();
        Assert.True(batches >= 3, $"the file was read in {batches} batches, not in chunks");

        var killedWhileRunning = KillRepeatedly([600, 900, 1200, 1500, 1800], "ingest", "--source", file, "--lake", dir.Sub("lake"), "--parallelism", "2");

        var resumed = CliProcess.Run("ingest", "--source", file, "--lake", dir.Sub("lake"), "--parallelism", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.True(killedWhileRunning >= 2, $"only {killedWhileRunning} kills landed while the run was going");
        Assert.Equal(expected, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
        Assert.Equal(events, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(dir.Sub("lake"))}"));
    }

    /// <summary>Starts the CLI with <paramref name="args"/> once per delay and kills it (SIGKILL) after that delay; returns how many kills landed while it ran.</summary>
    private static int KillRepeatedly(int[] delaysMs, params string[] args)
    {
        var killed = 0;
        foreach (var delayMs in delaysMs)
        {
            using var p = CliProcess.Start(args);
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(delayMs))
            {
                p.Kill(entireProcessTree: true);
                killed++;
            }

            p.WaitForExit();
        }

        return killed;
    }
}
