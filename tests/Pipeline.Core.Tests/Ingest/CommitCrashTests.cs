using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Ingest;

/// <summary>
/// Crashes a backfill at each step of the one commit protocol (stage, input checkpoint, publish), the checkpoint
/// cut short after some of a batch's inputs included, then runs it again: the lake must equal an uninterrupted
/// run's, every event once, and inputs checkpointed before the crash are not read again into a second copy.
/// </summary>
public sealed class CommitCrashTests
{
    public static TheoryData<string, int> Crashes => new()
    {
        { "stage", 0 },
        { "checkpoint", 0 },
        { "checkpoint", 1 },
        { "checkpoint", 2 },
        { "publish", 3 },
    };

    [Theory]
    [MemberData(nameof(Crashes))]
    public async Task RunAsync_CrashAtACommitStepThenRerun_EqualsAnUninterruptedRun(string step, int checkpointedKeys)
    {
        using var dir = new TempDir();
        var source = dir.Sub("archive");
        Directory.CreateDirectory(source);

        // Three small files of one folder: one batch of three inputs.
        for (var f = 0; f < 3; f++)
        {
            await File.WriteAllTextAsync(Path.Combine(source, $"f{f}.json"), Records.LogFile([.. Enumerable.Range(0, 50).Select(i => Records.Record(id: $"e-{f}-{i}"))]));
        }

        var options = new IngestOptions { Parallelism = 1 };
        await new ArchiveIngest(options, TimeProvider.System).RunAsync(new IngestRequest(source, dir.Sub("clean")), CancellationToken.None);
        var expected = ArchiveIngestTests.Snapshot(dir.Sub("clean"));

        var crashing = new CrashingLake(new LocalLake(dir.Sub("lake")), step, checkpointedKeys);
        await Assert.ThrowsAsync<IngestException>(() => new ArchiveIngest(options, TimeProvider.System).RunAsync(new IngestRequest(source, dir.Sub("lake")), CancellationToken.None, target: crashing));
        Assert.True(crashing.Crashed);

        var rerun = await new ArchiveIngest(options, TimeProvider.System).RunAsync(new IngestRequest(source, dir.Sub("lake")), CancellationToken.None);

        Assert.Equal(expected, ArchiveIngestTests.Snapshot(dir.Sub("lake")));
        Assert.Equal(150, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Equal(150, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"));

        // A batch past its commit point (any input checkpointed) is finished by recovery, not read again.
        var pastCommitPoint = step == "publish" || checkpointedKeys > 0;
        Assert.Equal(pastCommitPoint ? 1 : 0, rerun.RecoveredBatches);
        Assert.Equal(pastCommitPoint ? 0 : 3, rerun.Stats.InputsTotal);
    }

    /// <summary>A local lake whose process "dies" at one step of the commit, leaving what a crash would.</summary>
    private sealed class CrashingLake(LocalLake inner, string step, int checkpointedKeys) : ILakeSink
    {
        public bool Crashed { get; private set; }

        public string Describe => inner.Describe;

        public LakeLayout Local => inner.Local;

        public bool IsObjectStore => false;

        public IInputCheckpoint InputCheckpoint => step == "checkpoint" ? new TornCheckpoint(inner.InputCheckpoint, checkpointedKeys, () => Crashed = true) : inner.InputCheckpoint;

        public async Task StageAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken)
        {
            await inner.StageAsync(area, batches, cancellationToken);
            if (step == "stage")
            {
                // Died with the batch staged: its files and manifest are durable, the checkpoint has not moved.
                Crashed = true;
                throw new IOException("crash after staging");
            }
        }

        public Task PublishAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken)
        {
            Crashed = true;
            throw new IOException("crash before publishing");
        }

        public Task DiscardAsync(StagingArea area, BatchManifest batch, CancellationToken cancellationToken) => inner.DiscardAsync(area, batch, cancellationToken);

        public Task<SinkRecovery> RecoverAsync(StagingArea area, Func<BatchManifest, ValueTask<bool>> committed, CancellationToken cancellationToken) =>
            inner.RecoverAsync(area, committed, cancellationToken);

        public Task<SinkRecovery> ResolveAsync(StagingArea area, Func<BatchManifest, ValueTask<StagedDecision>> decide, CancellationToken cancellationToken) =>
            inner.ResolveAsync(area, decide, cancellationToken);
    }

    /// <summary>A checkpoint whose append is cut short after <paramref name="keep"/> entries, as a crash mid-write leaves it.</summary>
    private sealed class TornCheckpoint(IInputCheckpoint inner, int keep, Action crashed) : IInputCheckpoint
    {
        public ValueTask<bool> IsDoneAsync(string key, CancellationToken cancellationToken) => inner.IsDoneAsync(key, cancellationToken);

        public async Task MarkDoneAsync(IEnumerable<(string BatchId, string Key)> entries, CancellationToken cancellationToken)
        {
            var all = entries.ToList();
            if (all.Count == 0)
            {
                return;
            }

            await inner.MarkDoneAsync(all.Take(keep), cancellationToken);
            crashed();
            throw new IOException("crash while checkpointing");
        }
    }
}
