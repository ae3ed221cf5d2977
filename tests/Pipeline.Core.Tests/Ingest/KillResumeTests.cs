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

        var killedWhileRunning = 0;
        foreach (var delayMs in new[] { 700, 1100, 1500, 1900, 2500 })
        {
            using var p = CliProcess.Start("ingest", "--source", dir.Sub("archive"), "--lake", dir.Sub("lake"), "--parallelism", "2");
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(delayMs))
            {
                p.Kill(entireProcessTree: true);
                killedWhileRunning++;
            }

            p.WaitForExit();
        }

        var resumed = CliProcess.Run("ingest", "--source", dir.Sub("archive"), "--lake", dir.Sub("lake"), "--parallelism", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.True(killedWhileRunning >= 2, $"only {killedWhileRunning} kills landed while the run was going");
        Assert.Equal(expected, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
        Assert.Equal(truth.ExpectedRows, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Equal(truth.DistinctEvents, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Empty(Directory.Exists(dir.Sub("lake/_staging")) ? Directory.GetFileSystemEntries(dir.Sub("lake/_staging")) : []);
    }
}
