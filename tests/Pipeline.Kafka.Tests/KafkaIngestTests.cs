using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Buffers;
using Pipeline.Ingest;
using Pipeline.Lake;

namespace Pipeline.Kafka.Tests;

/// <summary>The Kafka source against librdkafka's mock cluster (a real Kafka-protocol broker set, in-process).</summary>
public sealed class KafkaIngestTests : IDisposable
{
    private readonly MockCluster _cluster = new();
    private readonly MixedMessages _messages = new();

    public void Dispose() => _cluster.Dispose();

    private KafkaSourceOptions Options(string topic, string group = "pipeline") => new()
    {
        BootstrapServers = _cluster.Bootstrap,
        Topic = topic,
        Group = group,
        Settings = new() { ["group.protocol"] = "consumer" },
        FlushAge = TimeSpan.FromSeconds(1),
        UntilIdle = TimeSpan.FromSeconds(2),
    };

    private static KafkaIngest Job(KafkaSourceOptions options, string lake) =>
        new(options, new IngestOptions { MemoryBudgetMiB = 64 }, new Pipeline.Lake.LocalLake(lake), TimeProvider.System, NullLogger<KafkaIngest>.Instance);

    private static async Task<KafkaResult> RunAsync(KafkaSourceOptions options, string lake)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var result = await Job(options, lake).RunAsync(cts.Token);
        Assert.True(result.StoppedIdle, "the consumer did not catch up before the test's timeout");
        return result;
    }

    [Fact]
    public async Task RunAsync_MixedFormsOnFourPartitions_EveryEventOnce()
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("trail", 4);
        _cluster.Produce("trail", _messages.Next(4_000));

        var job = Job(Options("trail"), tmp.Path);
        var assigned = new System.Collections.Concurrent.ConcurrentQueue<string>();
        job.Stats.PartitionAssigned += assigned.Enqueue;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var result = await job.RunAsync(cts.Token);

        Assert.True(result.StoppedIdle, "the consumer did not catch up before the test's timeout");
        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);
        Assert.Equal(_messages.ControlMessages, result.Stats.Ingest.ControlMessages);
        Assert.Equal(0, result.Stats.Ingest.RejectTotal);
        Assert.Equal(4, assigned.Distinct().Count());
    }

    [Fact]
    public async Task RunAsync_FourPartitionsOneBudget_SharedAndGivenBack()
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("budget", 4);
        _cluster.Produce("budget", _messages.Next(8_000));
        var budget = new MemoryBudget(1024 * 1024);
        var options = Options("budget");
        options.FlushAge = TimeSpan.FromMinutes(5);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var job = new KafkaIngest(options, new IngestOptions(), new Pipeline.Lake.LocalLake(tmp.Path), TimeProvider.System, NullLogger<KafkaIngest>.Instance, budget: budget);
        var result = await job.RunAsync(cts.Token);

        Assert.True(result.StoppedIdle);
        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);

        // Four partitions hold a quarter each of one budget (not B, B/2, B/3, B/4 of four), and give it back when they go.
        Assert.True(budget.PeakBytes <= budget.LimitBytes + (4 * MemoryBudget.ReportGranularity), $"peak {budget.PeakBytes} over the limit {budget.LimitBytes}");
        Assert.Equal(0, budget.Holders);
        Assert.Equal(0, budget.UsedBytes);
    }

    [Fact]
    public async Task RunAsync_RestartAfterMoreMessages_ResumesAtCommittedOffsets()
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("trail", 2);
        _cluster.Produce("trail", _messages.Next(1_000));
        var first = await RunAsync(Options("trail"), tmp.Path);
        _cluster.Produce("trail", _messages.Next(500));

        var second = await RunAsync(Options("trail"), tmp.Path);

        Assert.Equal(1_000, first.Stats.Ingest.EventsWritten);
        Assert.Equal(500, second.Stats.Ingest.EventsWritten);
        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);
    }

    [Fact]
    public async Task RunAsync_TwoConsumersThenOneLeaves_PartitionsSplitAndNothingLost()
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("trail", 4);
        _cluster.Produce("trail", _messages.Next(2_000));
        var optionsA = Options("trail");
        optionsA.UntilIdle = null;
        var optionsB = Options("trail");
        optionsB.UntilIdle = null;
        var a = Job(optionsA, tmp.Path);
        var b = Job(optionsB, tmp.Path);
        using var stopA = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var stopB = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var runA = a.RunAsync(stopA.Token);
        var runB = b.RunAsync(stopB.Token);
        var clock = Stopwatch.StartNew();
        while (!(!a.Stats.Held.IsEmpty && !b.Stats.Held.IsEmpty && a.Stats.Held.Count + b.Stats.Held.Count == 4))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"partitions not split: a {a.Stats.Held.Count}, b {b.Stats.Held.Count}");
            await Task.Delay(50);
        }

        Assert.Empty(a.Stats.Held.Keys.Intersect(b.Stats.Held.Keys));
        _cluster.Produce("trail", _messages.Next(1_000));
        await stopA.CancelAsync();
        await runA;
        while (b.Stats.Held.Count < 4)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "B did not take A's partitions");
            await Task.Delay(50);
        }

        _cluster.Produce("trail", _messages.Next(500));
        while (a.Stats.Ingest.EventsWritten + b.Stats.Ingest.EventsWritten < _messages.EventIds.Count)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(80), "not every event was written");
            await Task.Delay(100);
        }

        await Task.Delay(1500);
        await stopB.CancelAsync();
        await runB;
        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);
    }

    [Theory]
    [InlineData("stage")]
    [InlineData("publish")]
    public async Task RunAsync_DiedWithASharedBatchStaged_TheNextMemberResolvesItOnce(string step)
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("trail", 4);
        _cluster.Produce("trail", _messages.Next(2_000));
        var options = Options("trail");
        options.FlushAge = TimeSpan.FromMinutes(5);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            var dying = new KafkaIngest(options, new IngestOptions { MemoryBudgetMiB = 64 }, new DyingLake(new LocalLake(tmp.Path), step), TimeProvider.System);
            await Assert.ThrowsAsync<IOException>(() => dying.RunAsync(cts.Token));
        }

        // One batch of several of the consumer's partitions (all four, unless they came in two assignments), left
        // staged: before its offsets moved, or after.
        var manifest = Assert.Single(Directory.GetFiles(Path.Combine(tmp.Path, "_staging"), "*.manifest.json", SearchOption.AllDirectories));
        Assert.InRange(JsonDocument.Parse(File.ReadAllBytes(manifest)).RootElement.GetProperty("inputs").GetArrayLength(), 2, 4);

        var next = await RunAsync(Options("trail"), tmp.Path);

        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);
        if (step == "stage")
        {
            // Nothing was committed: everything is read and written again.
            Assert.Equal(2_000, next.Stats.Ingest.EventsWritten);
        }
        else
        {
            // The committed batch was published as it was, not read again.
            Assert.InRange(next.Stats.Ingest.EventsWritten, 0, 2_000 - 1);
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(tmp.Path, "_staging"), "*.manifest.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task RunAsync_BrokerDownAndBack_NothingLostNoDuplicates()
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("trail", 4);
        _cluster.Produce("trail", _messages.Next(2_000));
        var options = Options("trail");
        options.UntilIdle = TimeSpan.FromSeconds(4);
        var job = Job(options, tmp.Path);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var run = job.RunAsync(cts.Token);
        while (job.Stats.Messages == 0)
        {
            await Task.Delay(10);
        }

        _cluster.BrokerDown(1);
        await Task.Delay(2000);
        _cluster.BrokerUp(1);
        _cluster.Produce("trail", _messages.Next(500));

        var result = await run;
        Assert.True(result.StoppedIdle);
        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);
    }

    [Fact]
    public async Task RunAsync_LoneSurrogateAndInvalidUtf8_RepairedAndThePartitionMovesOn()
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("poison", 1);
        _cluster.Produce("poison", _messages.Next(20));
        var surrogate = _messages.NextId();
        var invalidId = _messages.NextId();
        var invalidText = MixedMessages.Event(invalidId);
        var invalid = Encoding.UTF8.GetBytes(invalidText).ToList();
        invalid.InsertRange(invalidText.IndexOf("Python", StringComparison.Ordinal), new byte[] { 0xED, 0xA0, 0x80 });
        _cluster.Produce("poison", [("s", Records.Utf8(MixedMessages.Event(surrogate).Replace("GetObject", "\\udfff", StringComparison.Ordinal))), ("u", [.. invalid])]);
        _cluster.Produce("poison", _messages.Next(20));

        var result = await RunAsync(Options("poison"), tmp.Path);

        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);
        Assert.Equal(0, result.Stats.Ingest.RejectTotal);
        Assert.True(result.Stats.Ingest.RepairedStrings >= 2);
    }

    [Fact]
    public async Task RunAsync_DeadLettersFail_OffsetStaysAndTheStopSaysWhatWasNotWritten()
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("trail", 1);
        _cluster.CreateTopic("trail-dlq", 1);
        _cluster.TopicError("trail-dlq", ErrorCode.TopicAuthorizationFailed);
        _cluster.Produce("trail", _messages.Next(50));
        _cluster.Produce("trail", [("bad", Encoding.UTF8.GetBytes("not json"))]);
        _cluster.Produce("trail", _messages.Next(50));
        var options = Options("trail");
        options.DeadLetterTopic = "trail-dlq";
        options.UntilIdle = null;

        KafkaResult failed;
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            // Stopped once a batch was dropped, however long the group join took; whatever the consumer re-read since
            // (none, part or all of the batch again), the stop names the partition as not written.
            var job = Job(options, tmp.Path);
            var run = job.RunAsync(stop.Token);
            while (job.Stats.DroppedBatches == 0 && !run.IsCompleted)
            {
                await Task.Delay(20);
            }

            await stop.CancelAsync();
            failed = await run;
        }

        // No dead letter was acknowledged, so the batch holding the poison message never committed its offset.
        Assert.Equal(0, failed.Stats.DeadLettered);
        var unwritten = Assert.Single(failed.Unwritten);
        Assert.Contains("trail [[0]]", unwritten, StringComparison.Ordinal);
        Assert.Contains("dead letters failed", unwritten, StringComparison.Ordinal);
        using (var check = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig { BootstrapServers = _cluster.Bootstrap, GroupId = "pipeline" }).Build())
        {
            var committed = check.Committed([new TopicPartition("trail", 0)], TimeSpan.FromSeconds(10)).Single().Offset;
            Assert.True(committed == Offset.Unset || committed.Value <= 50, $"offset moved past the poison message: {committed}");
        }

        // Once the dead-letter topic takes writes again, everything lands once and the poison message is dead-lettered.
        _cluster.TopicError("trail-dlq", ErrorCode.NoError);
        var retry = Options("trail");
        retry.DeadLetterTopic = "trail-dlq";
        var again = await RunAsync(retry, tmp.Path);
        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);
        Assert.Empty(again.Unwritten);
        Assert.Equal(1, again.Stats.DeadLettered);
    }

    [Fact]
    public async Task RunAsync_PoisonMessages_RejectedWithReasonAndDeadLettered()
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("trail", 1);
        _cluster.CreateTopic("trail-dlq", 1);
        var gzip = Records.Gzip(Records.CloudWatchLogs(MixedMessages.Event("ev-900000")));
        var before = _messages.Next(50);
        _cluster.Produce("trail", before);
        _cluster.Produce("trail", [("bad", gzip[..(gzip.Length / 2)]), ("bad", Encoding.UTF8.GetBytes("=HYPERLINK(\"x\") not json"))]);
        _cluster.Produce("trail", _messages.Next(50));
        var options = Options("trail");
        options.DeadLetterTopic = "trail-dlq";

        var result = await RunAsync(options, tmp.Path);

        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);
        Assert.Equal(2, result.Stats.Ingest.RejectTotal);
        Assert.Equal(2, result.Stats.DeadLettered);
        var rejects = string.Join('\n', Directory.GetFiles(Path.Combine(tmp.Path, "_rejects"), "*.jsonl").Select(File.ReadAllText));
        Assert.Contains("\"reason\":\"truncated-gzip\"", rejects, StringComparison.Ordinal);
        Assert.Contains($"\"input\":\"kafka:trail/0/{before.Count}\"", rejects, StringComparison.Ordinal);

        using var dlq = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig { BootstrapServers = _cluster.Bootstrap, GroupId = "dlq-check", AutoOffsetReset = AutoOffsetReset.Earliest }).Build();
        dlq.Assign(new TopicPartitionOffset("trail-dlq", 0, Offset.Beginning));
        var reasons = new List<string>();
        var clock = Stopwatch.StartNew();
        while (reasons.Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (dlq.Consume(TimeSpan.FromMilliseconds(200)) is { } m)
            {
                reasons.Add(Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes("pipeline-reject-reason")));
            }
        }

        Assert.Equal(["truncated-gzip", "not-json"], reasons);
    }

    [Fact]
    public void Cli_OtlpEndpointSet_ExportsTheSourceMetricsAsTheWorkerDoes()
    {
        using var tmp = new TempDir();
        using var collector = new OtlpCollector();
        _cluster.CreateTopic("trail", 2);
        _cluster.Produce("trail", _messages.Next(200));

        var run = CliProcess.RunWith(collector.Variables,
            "ingest", "--source", $"kafka://{_cluster.Bootstrap}/trail?group=pipeline&group.protocol=consumer", "--lake", tmp.Path, "--until-idle", "1");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var text = collector.ReceivedText();
        foreach (var name in new[] { "pipeline.source.records", "pipeline.checkpoints", "pipeline.partitions.assigned", "pipeline.events.written" })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Cli_ConsumerKilledMidBatch_RestartResumesWithoutLossOrDuplicates()
    {
        using var tmp = new TempDir();
        _cluster.CreateTopic("trail", 4);
        _cluster.Produce("trail", _messages.Next(2_000));
        string[] Args(double untilIdle, double flushAge) =>
        [
            "ingest", "--source", $"kafka://{_cluster.Bootstrap}/trail?group=pipeline&group.protocol=consumer", "--lake", tmp.Path,
            "--until-idle", untilIdle.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--flush-age", flushAge.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];

        using (var victim = CliProcess.Start(Args(600, 0.5)))
        {
            _ = victim.StandardError.ReadToEndAsync();
            _ = victim.StandardOutput.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(Path.Combine(tmp.Path, "tls_events")))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the victim wrote nothing");
                Thread.Sleep(20);
            }

            // More messages arrive and sit in the victim's open batches when it dies.
            _cluster.Produce("trail", _messages.Next(1_000));
            Thread.Sleep(300);
            victim.Kill();
            victim.WaitForExit();
        }

        _cluster.Produce("trail", _messages.Next(500));
        var resumed = CliProcess.Run(Args(3, 1));

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("caught up", resumed.Stderr, StringComparison.Ordinal);
        LakeReader.AssertExactlyOnce(tmp.Path, _messages.EventIds);
    }

    /// <summary>A lake whose process dies (throws) right after staging a batch, or right before publishing one.</summary>
    private sealed class DyingLake(LocalLake inner, string step) : ILakeSink
    {
        public string Describe => inner.Describe;

        public LakeLayout Local => inner.Local;

        public bool IsObjectStore => false;

        public IInputCheckpoint InputCheckpoint => inner.InputCheckpoint;

        public async Task StageAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken)
        {
            await inner.StageAsync(area, batches, cancellationToken);
            if (step == "stage")
            {
                throw new IOException("died after staging");
            }
        }

        public Task PublishAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken) =>
            step == "publish" ? throw new IOException("died before publishing") : inner.PublishAsync(area, batches, cancellationToken);

        public Task DiscardAsync(StagingArea area, BatchManifest batch, CancellationToken cancellationToken) => inner.DiscardAsync(area, batch, cancellationToken);

        public Task<SinkRecovery> RecoverAsync(StagingArea area, Func<BatchManifest, ValueTask<bool>> committed, CancellationToken cancellationToken) =>
            inner.RecoverAsync(area, committed, cancellationToken);

        public Task<SinkRecovery> ResolveAsync(StagingArea area, Func<BatchManifest, ValueTask<StagedDecision>> decide, CancellationToken cancellationToken) =>
            inner.ResolveAsync(area, decide, cancellationToken);
    }

    [Theory]
    [InlineData("kafka://b1:9092,b2:9092/cloudtrail?group=tls&security.protocol=SASL_SSL&sasl.mechanism=AWS_MSK_IAM", "b1:9092,b2:9092", "cloudtrail", "tls")]
    [InlineData("kafka://localhost:9092/ct", "localhost:9092", "ct", "pipeline")]
    public void FromUri_Valid_Parsed(string uri, string brokers, string topic, string group)
    {
        var o = KafkaSourceOptions.FromUri(uri);

        Assert.Equal(brokers, o.BootstrapServers);
        Assert.Equal(topic, o.Topic);
        Assert.Equal(group, o.Group);
        if (uri.Contains("SASL_SSL", StringComparison.Ordinal))
        {
            Assert.Equal("SASL_SSL", o.Settings["security.protocol"]);
            Assert.Equal("AWS_MSK_IAM", o.Settings["sasl.mechanism"]);
        }
    }

    [Fact]
    public void ConsumerSettings_NoUserSettings_SmallPrefetchRefilledSoonNoAutoCommit()
    {
        var config = KafkaIngest.ConsumerSettings(KafkaSourceOptions.FromUri("kafka://127.0.0.1:9092/cloudtrail?group=g"));

        Assert.Equal(8192, config.QueuedMaxMessagesKbytes);
        Assert.Equal(20, config.FetchQueueBackoffMs);
        Assert.False(config.EnableAutoCommit);
        Assert.False(config.EnableAutoOffsetStore);
        Assert.Equal("g", config.GroupId);
    }

    [Fact]
    public void ConsumerSettings_UserSetsPrefetchAndAutoCommit_PrefetchTheirsAutoCommitStaysOff()
    {
        var config = KafkaIngest.ConsumerSettings(KafkaSourceOptions.FromUri(
            "kafka://127.0.0.1:9092/cloudtrail?group=g&queued.max.messages.kbytes=65536&fetch.queue.backoff.ms=1000&enable.auto.commit=true"));

        Assert.Equal(65536, config.QueuedMaxMessagesKbytes);
        Assert.Equal(1000, config.FetchQueueBackoffMs);
        Assert.False(config.EnableAutoCommit);
    }

    [Theory]
    [InlineData("kafka://localhost:9092")]
    [InlineData("kafka:///topic")]
    [InlineData("kafka://h:1/t?group")]
    public void FromUri_Invalid_ClearError(string uri) => Assert.Throws<FormatException>(() => KafkaSourceOptions.FromUri(uri));
}
