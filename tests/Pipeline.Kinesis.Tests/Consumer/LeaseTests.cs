using System.Diagnostics;
using Amazon.DynamoDBv2;
using Pipeline.Kinesis.Client;
using Pipeline.Kinesis.Leases;

namespace Pipeline.Kinesis.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class LeaseTests(LocalAws aws)
{
    private AmazonDynamoDBClient Dynamo() =>
        new(LocalAws.Credentials, new AmazonDynamoDBConfig { ServiceURL = aws.DynamoDbEndpoint.ToString(), AuthenticationRegion = "us-east-1" });

    private static Shard ShardOf(string id, params string[] parents) =>
        new(id, parents.ElementAtOrDefault(0), parents.ElementAtOrDefault(1), new HashKeyRange("0", "1"), new SequenceNumberRange("1", null));

    [Fact]
    public async Task DynamoDbLeaseStore_ConditionalWrites_OnlyTheOwnerRenewsAndCheckpoints()
    {
        using var dynamo = Dynamo();
        var store = new DynamoDbLeaseStore(dynamo, StreamHarness.UniqueName("leases"), "s");
        await store.InitializeAsync(CancellationToken.None);
        await store.EnsureLeasesAsync([ShardOf("shard-1"), ShardOf("shard-2", "shard-1")], CancellationToken.None);
        await store.EnsureLeasesAsync([ShardOf("shard-1")], CancellationToken.None);

        var leases = await store.ListAsync(CancellationToken.None);
        Assert.Equal(2, leases.Count);
        Assert.Equal(["shard-1"], leases.Single(l => l.ShardId == "shard-2").Parents);
        var free = leases.Single(l => l.ShardId == "shard-1");
        Assert.Null(free.Owner);

        var a = await store.TryTakeAsync(free, "worker-a", CancellationToken.None);
        Assert.NotNull(a);
        Assert.Equal("worker-a", a.Owner);

        // A second taker that saw the same (now stale) counter loses the race.
        Assert.Null(await store.TryTakeAsync(free, "worker-b", CancellationToken.None));
        Assert.False(await store.TryCheckpointAsync("shard-1", "worker-b", "100", false, CancellationToken.None));
        Assert.True(await store.TryCheckpointAsync("shard-1", "worker-a", "100", false, CancellationToken.None));

        var renewed = await store.TryRenewAsync(a, CancellationToken.None);
        Assert.NotNull(renewed);
        Assert.True(renewed.Counter > a.Counter);

        // Taken over with the current counter (what an expired lease looks like): the old owner can neither renew nor checkpoint.
        var b = await store.TryTakeAsync(renewed, "worker-b", CancellationToken.None);
        Assert.NotNull(b);
        Assert.Null(await store.TryRenewAsync(renewed, CancellationToken.None));
        Assert.False(await store.TryCheckpointAsync("shard-1", "worker-a", "200", false, CancellationToken.None));
        Assert.Equal("100", (await store.ListAsync(CancellationToken.None)).Single(l => l.ShardId == "shard-1").Checkpoint);

        await store.ReleaseAsync("shard-1", "worker-b", CancellationToken.None);
        Assert.Null((await store.ListAsync(CancellationToken.None)).Single(l => l.ShardId == "shard-1").Owner);
    }

    [Fact]
    public async Task RunAsync_TwoWorkersJoin_ShardsSplitEvenlyAndEveryEventOnce()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("share");
        var table = StreamHarness.UniqueName("leases");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 4);
        using (client)
        {
            await feeder.PutMixedAsync(4_000);
        }

        var optionsA = StreamHarness.Options(aws, name, table);
        optionsA.UntilIdle = null;
        optionsA.WorkerId = "worker-a";
        var optionsB = StreamHarness.Options(aws, name, table);
        optionsB.UntilIdle = null;
        optionsB.WorkerId = "worker-b";
        using var logsA = new ListLoggerFactory("A");
        using var logsB = new ListLoggerFactory("B");
        using var a = StreamHarness.Source(optionsA, tmp.Path, logs: logsA);
        using var b = StreamHarness.Source(optionsB, tmp.Path, logs: logsB);
        using var stopA = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var stopB = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var runA = a.Ingest.RunAsync(stopA.Token);
        while (a.Ingest.HeldLeases < 4)
        {
            await Task.Delay(50);
        }

        var runB = b.Ingest.RunAsync(stopB.Token);
        var balanced = Stopwatch.StartNew();
        using var dyn = Dynamo();
        var leaseStore = new DynamoDbLeaseStore(dyn, table, name);
        while (!(a.Ingest.HeldLeases == 2 && b.Ingest.HeldLeases == 2))
        {
            if (balanced.Elapsed > TimeSpan.FromSeconds(20))
            {
                var ls = await leaseStore.ListAsync(CancellationToken.None);
                Assert.Fail(string.Join(" | ", ls.Select(l => $"{l.ShardId} {l.Owner} {l.Counter}")) + $" A {string.Join(',', a.Ingest.Stats.Held.Keys)} B {string.Join(',', b.Ingest.Stats.Held.Keys)}\n" + string.Join('\n', logsA.Lines.Concat(logsB.Lines).Order()));
            }

            Assert.True(balanced.Elapsed < TimeSpan.FromSeconds(30), $"not balanced: a holds {string.Join(',', a.Ingest.Stats.Held.Keys)}, b holds {string.Join(',', b.Ingest.Stats.Held.Keys)}");
            await Task.Delay(50);
        }

        while (a.Ingest.Stats.Ingest.EventsWritten + b.Ingest.Stats.Ingest.EventsWritten < 4_000)
        {
            Assert.True(balanced.Elapsed < TimeSpan.FromSeconds(60), "events were not all written");
            await Task.Delay(50);
        }

        // A leaves gracefully: B takes its shards at once (released, not expired).
        await stopA.CancelAsync();
        await runA;
        while (b.Ingest.HeldLeases < 4)
        {
            Assert.True(balanced.Elapsed < TimeSpan.FromSeconds(60), "B did not take A's released shards");
            await Task.Delay(50);
        }

        await stopB.CancelAsync();
        await runB;
        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
    }

    [Fact]
    public async Task Cli_WorkerKilledWithSigkill_OtherTakesOverAfterExpiryNoLossNoDuplicates()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("kill");
        var table = StreamHarness.UniqueName("leases");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 4);
        using var kinesis = client;
        await feeder.PutMixedAsync(2_000);

        string[] Args(string worker, double untilIdle) =>
        [
            "ingest", "--source", $"kinesis://{name}?region=us-east-1&endpoint={aws.KinesisEndpoint}", "--lake", tmp.Path,
            "--lease-table", table, "--dynamodb-endpoint", aws.DynamoDbEndpoint.ToString(), "--worker-id", worker,
            "--lease-duration", "2", "--flush-age", "0.5", "--until-idle", untilIdle.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];

        using var victim = CliProcess.Start(Args("victim", 600));
        _ = victim.StandardError.ReadToEndAsync();
        _ = victim.StandardOutput.ReadToEndAsync();
        var dynamo = Dynamo();
        var store = new DynamoDbLeaseStore(dynamo, table, name);
        await WaitAsync(async () => (await SafeList(store)).Count(l => l.Owner == "victim") == 4, "the victim took no shards");

        using var survivor = CliProcess.Start(Args("survivor", 6));
        var survivorErr = survivor.StandardError.ReadToEndAsync();
        _ = survivor.StandardOutput.ReadToEndAsync();
        await WaitAsync(async () => (await SafeList(store)).Count(l => l.Owner == "survivor") == 2, "the survivor never got its share");

        // Records keep arriving while the victim holds half the shards with unflushed batches; then it dies.
        await feeder.PutMixedAsync(1_000);
        victim.Kill();
        await victim.WaitForExitAsync();
        await feeder.PutMixedAsync(1_000);

        Assert.True(survivor.WaitForExit(TimeSpan.FromSeconds(90)), "the survivor did not finish");
        var err = await survivorErr;
        Assert.True(survivor.ExitCode == 0, err);
        Assert.Contains("caught up", err, StringComparison.Ordinal);
        Assert.All(await store.ListAsync(CancellationToken.None), l => Assert.Null(l.Owner));
        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
        dynamo.Dispose();
    }

    private static async Task<IReadOnlyList<ShardLease>> SafeList(ILeaseStore store)
    {
        try
        {
            return await store.ListAsync(CancellationToken.None);
        }
        catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
        {
            return [];
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), failure);
            await Task.Delay(100);
        }
    }
}
