using Microsoft.Extensions.Time.Testing;
using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.Sources.Streams;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Sources.Streams;

/// <summary>The one stream pump: flush policy, commit order and recovery, as every stream source uses them.</summary>
public sealed class StreamPumpTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    private StreamPump Pump(LakeLayout lake, string staging, FlushPolicy? policy = null, MemoryBudget? budget = null) =>
        new(new LocalLake(lake.Root), Path.Combine(staging, "me"), "test-0", new IngestOptions(), policy ?? new FlushPolicy(1024 * 1024, TimeSpan.FromMinutes(1), WhenCaughtUp: false),
            budget ?? MemoryBudget.FromMiB(16), new StreamStats(), "test-0", _time);

    private static void Append(StreamPump pump, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var position = i.ToString("D20", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Null(pump.Append(Records.Utf8(Records.Record(id: $"e-{i}")), position, new InputContext("test/0/", Suffix: position)));
        }

        pump.PublishCounts();
    }

    private static long LakeRows(string lake) =>
        Directory.Exists(Path.Combine(lake, "tls_events")) ? LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(lake)}") : 0;

    [Fact]
    public async Task Commit_CheckpointMoves_FilesPublishedAtTheLastPosition()
    {
        using var dir = new TempDir();
        var lake = new LakeLayout(dir.Sub("lake"));
        using var pump = Pump(lake, dir.Sub("staging"));
        Append(pump, 0, 10);
        string? movedTo = null;

        var committed = await pump.CommitAsync(
            (batch, _) =>
            {
                // The commit point: the files are durable in staging, not yet in the table.
                Assert.Equal(0, LakeRows(lake.Root));
                movedTo = batch.LastPosition;
                return Task.FromResult(true);
            },
            CancellationToken.None);

        Assert.NotNull(committed);
        Assert.Equal("00000000000000000009", movedTo);
        Assert.Equal(10, committed.Messages);
        Assert.Equal(10, LakeRows(lake.Root));
        Assert.False(pump.HasBatch);
        Assert.Null(await pump.CommitAsync((_, _) => throw new InvalidOperationException("no batch: the checkpoint is not asked"), CancellationToken.None));
    }

    [Fact]
    public async Task Commit_CheckpointRefused_NothingVisibleAndNothingLeft()
    {
        using var dir = new TempDir();
        var lake = new LakeLayout(dir.Sub("lake"));
        using var pump = Pump(lake, dir.Sub("staging"));
        Append(pump, 0, 10);

        Assert.Null(await pump.CommitAsync((_, _) => Task.FromResult(false), CancellationToken.None));

        Assert.Equal(0, LakeRows(lake.Root));
        Assert.Empty(Directory.EnumerateFiles(dir.Sub("staging"), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData(true, 10)]
    [InlineData(false, 0)]
    public async Task Commit_CheckpointThrows_KeptUntilRecoveryResolvesItAgainstTheCheckpoint(bool checkpointMoved, long rows)
    {
        using var dir = new TempDir();
        var lake = new LakeLayout(dir.Sub("lake"));
        using (var pump = Pump(lake, dir.Sub("staging")))
        {
            Append(pump, 0, 10);

            // A timeout: the checkpoint may or may not have moved, so the staged batch must survive.
            await Assert.ThrowsAsync<TimeoutException>(() => pump.CommitAsync((_, _) => throw new TimeoutException(), CancellationToken.None));
            Assert.Equal(0, LakeRows(lake.Root));
        }

        using var next = Pump(lake, dir.Sub("staging"));
        var (finished, discarded) = await next.RecoverAsync(dir.Sub("staging"), last => checkpointMoved && string.CompareOrdinal(last, "00000000000000000009") <= 0, CancellationToken.None);

        Assert.Equal(checkpointMoved ? 1 : 0, finished);
        Assert.Equal(checkpointMoved ? 0 : 1, Math.Min(1, discarded));
        Assert.Equal(rows, LakeRows(lake.Root));
    }

    [Fact]
    public async Task CommitAsync_CheckpointAwaited_PublishedAfterIt()
    {
        using var dir = new TempDir();
        var lake = new LakeLayout(dir.Sub("lake"));
        using var pump = Pump(lake, dir.Sub("staging"));
        Append(pump, 0, 5);

        var committed = await pump.CommitAsync(
            async (batch, ct) =>
            {
                await Task.Yield();
                Assert.Equal(0, LakeRows(lake.Root));
                return batch.Messages == 5;
            },
            CancellationToken.None);

        Assert.NotNull(committed);
        Assert.Equal(5, LakeRows(lake.Root));
    }

    [Fact]
    public void FlushDue_BySizeAgeAndCaughtUp_AsThePolicySays()
    {
        using var dir = new TempDir();
        var lake = new LakeLayout(dir.Sub("lake"));
        using var bySize = Pump(lake, dir.Sub("a"), new FlushPolicy(MaxBytes: 2000, TimeSpan.FromMinutes(1), WhenCaughtUp: false));
        Assert.False(bySize.FlushDue(caughtUp: true));
        Append(bySize, 0, 1);
        Assert.False(bySize.FlushDue(caughtUp: true));
        Append(bySize, 1, 5);
        Assert.True(bySize.FlushDue(caughtUp: false));

        using var byAge = Pump(lake, dir.Sub("b"), new FlushPolicy(1024 * 1024, TimeSpan.FromSeconds(30), WhenCaughtUp: false));
        Append(byAge, 0, 1);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(byAge.FlushDue(caughtUp: false));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(byAge.FlushDue(caughtUp: false));

        using var untilIdle = Pump(lake, dir.Sub("c"), FlushPolicy.From(64, TimeSpan.FromMinutes(1), untilIdle: TimeSpan.FromSeconds(2)));
        Append(untilIdle, 0, 1);
        Assert.False(untilIdle.FlushDue(caughtUp: false));
        Assert.True(untilIdle.FlushDue(caughtUp: true));
    }

    [Fact]
    public async Task Polled_CaughtUpOnlyOnceNothingIsBuffered_IdleSinceSet()
    {
        using var dir = new TempDir();
        var lake = new LakeLayout(dir.Sub("lake"));
        using var pump = Pump(lake, dir.Sub("staging"));
        Append(pump, 0, 1);
        pump.Polled(caughtUp: true);
        Assert.Null(pump.IdleSince);

        Assert.NotNull(await pump.CommitAsync((_, _) => Task.FromResult(true), CancellationToken.None));
        pump.Polled(caughtUp: true);
        Assert.Equal(_time.GetUtcNow(), pump.IdleSince);

        Append(pump, 1, 1);
        pump.Polled(caughtUp: false);
        Assert.Null(pump.IdleSince);
    }

    [Fact]
    public void Dispose_OpenBatch_DroppedAndTheShareGivenBack()
    {
        using var dir = new TempDir();
        var budget = MemoryBudget.FromMiB(16);
        var lake = new LakeLayout(dir.Sub("lake"));
        var pump = Pump(lake, dir.Sub("staging"), budget: budget);
        Assert.Equal(1, budget.Holders);
        Append(pump, 0, 10);

        pump.Dispose();

        Assert.Equal(0, budget.Holders);
        Assert.Equal(0, LakeRows(lake.Root));
    }

    private StreamPump SharedPump(LakeLayout lake, string readers, string reader) =>
        new(new LocalLake(lake.Root), Path.Combine(readers, reader), "test", new IngestOptions(), new FlushPolicy(1024 * 1024, TimeSpan.FromMinutes(1), WhenCaughtUp: false),
            MemoryBudget.FromMiB(16), new StreamStats(), reader, _time, reader, shared: true);

    private static void AppendShared(StreamPump pump, string partition, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var position = i.ToString("D20", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Null(pump.Append(Records.Utf8(Records.Record(id: $"{partition}-e-{i}")), partition, position, new InputContext($"{partition}/", Suffix: position)));
        }

        pump.PublishCounts();
    }

    [Fact]
    public async Task Commit_SharedBatch_OneFilePerLakePartitionAndEachStreamPartitionsSpan()
    {
        using var dir = new TempDir();
        var lake = new LakeLayout(dir.Sub("lake"));
        using var pump = SharedPump(lake, dir.Sub("readers"), "a");
        AppendShared(pump, "t/0", 0, 5);
        AppendShared(pump, "t/1", 40, 3);
        AppendShared(pump, "t/0", 5, 2);
        BatchManifest? manifest = null;

        var committed = await pump.CommitAsync((batch, _) => Task.FromResult((manifest = batch.Manifest) is not null), CancellationToken.None);

        Assert.NotNull(committed);
        Assert.Equal(new PartitionSpan("00000000000000000000", "00000000000000000006", 7), committed.Partitions!["t/0"]);
        Assert.Equal(new PartitionSpan("00000000000000000040", "00000000000000000042", 3), committed.Partitions["t/1"]);
        Assert.Equal(["t/0@00000000000000000006", "t/1@00000000000000000042"], manifest!.Inputs);
        Assert.Equal(new Dictionary<string, string> { ["t/0"] = "00000000000000000006", ["t/1"] = "00000000000000000042" }, StreamPump.SharedPartitions(manifest));

        // Ten rows of one account and day, two stream partitions: one file, not one per stream partition.
        Assert.Equal(10, LakeRows(lake.Root));
        Assert.Single(Directory.GetFiles(Path.Combine(lake.Root, "tls_events"), "*.parquet", SearchOption.AllDirectories));
        Assert.Throws<InvalidOperationException>(() => pump.Append(Records.Utf8(Records.Record()), "00000000000000000001", new InputContext("x/")));
    }

    [Fact]
    public async Task ResolveAsync_AnotherReadersBatches_DecidedByTheirPartitionsAndItsUnstagedFilesLeftUntilAbandoned()
    {
        using var dir = new TempDir();
        var lake = new LakeLayout(dir.Sub("lake"));
        var readers = dir.Sub("readers");
        using (var dead = SharedPump(lake, readers, "dead"))
        {
            // Two batches staged whose checkpoints' fate is unknown (the reader died moving them).
            AppendShared(dead, "t/0", 0, 4);
            AppendShared(dead, "t/1", 0, 2);
            await Assert.ThrowsAsync<IOException>(() => dead.CommitAsync((_, _) => throw new IOException("died"), CancellationToken.None));
            AppendShared(dead, "t/2", 0, 3);
            await Assert.ThrowsAsync<IOException>(() => dead.CommitAsync((_, _) => throw new IOException("died"), CancellationToken.None));
        }

        // And a file of a batch it never staged.
        var stray = Path.Combine(readers, "dead", "test-t_3-00000000000000000000-dead.0.parquet");
        File.WriteAllText(stray, "part of a batch never staged");
        using var next = SharedPump(lake, readers, "next");

        // The next owner of t/1 decides the batch holding t/1 (committed) and leaves the one of t/2 to t/2's owner.
        var seen = new List<string>();
        var first = await next.ResolveAsync(
            readers,
            p =>
            {
                seen.Add(string.Join(",", p.Keys.Order(StringComparer.Ordinal)));
                return ValueTask.FromResult(p.ContainsKey("t/1") ? StagedDecision.Publish : StagedDecision.Keep);
            },
            TimeSpan.FromHours(1),
            CancellationToken.None);

        Assert.Equal((1, 0), first);
        Assert.Equal(["t/0,t/1", "t/2"], seen.Order(StringComparer.Ordinal));
        Assert.Equal(6, LakeRows(lake.Root));
        Assert.True(File.Exists(stray));

        // t/2's owner: not committed, removed. The dead reader's folder goes once nothing was written to it for the hour.
        var second = await next.ResolveAsync(readers, _ => ValueTask.FromResult(StagedDecision.Discard), TimeSpan.FromHours(1), CancellationToken.None);
        Assert.Equal((0, 1), second);
        Assert.True(File.Exists(stray));
        // Written to last at the test clock's now (folders and files are stamped by the real clock).
        File.SetLastWriteTimeUtc(stray, _time.GetUtcNow().UtcDateTime);
        Directory.SetLastWriteTimeUtc(Path.Combine(readers, "dead"), _time.GetUtcNow().UtcDateTime);
        _time.Advance(TimeSpan.FromMinutes(59));
        await next.ResolveAsync(readers, _ => ValueTask.FromResult(StagedDecision.Discard), TimeSpan.FromHours(1), CancellationToken.None);
        Assert.True(File.Exists(stray));
        _time.Advance(TimeSpan.FromMinutes(2));
        await next.ResolveAsync(readers, _ => ValueTask.FromResult(StagedDecision.Discard), TimeSpan.FromHours(1), CancellationToken.None);
        Assert.False(Directory.Exists(Path.Combine(readers, "dead")));
        Assert.Equal(6, LakeRows(lake.Root));
    }
}
