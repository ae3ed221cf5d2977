using System.Net;

namespace Pipeline.Worker.Tests;

/// <summary>The worker service reading Kafka: configured by environment variables, stopped with SIGTERM.</summary>
public sealed class WorkerKafkaTests : IDisposable
{
    private readonly MockCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Worker_KafkaSourceThenSigterm_ReadyCountedAndFlushed()
    {
        using var tmp = new TempDir();
        var messages = new MixedMessages();
        _cluster.CreateTopic("trail", 2);
        _cluster.Produce("trail", messages.Next(1_000));
        using var worker = new WorkerProcess(
            ("Worker__Source", "kafka"),
            ("Worker__Lake", tmp.Path),
            ("Kafka__BootstrapServers", _cluster.Bootstrap),
            ("Kafka__Topic", "trail"),
            ("Kafka__Group", "workers"),
            ("Kafka__Settings__group.protocol", "consumer"),
            ("Kafka__FlushAge", "01:00:00"));

        await worker.UntilAsync(async () => (await worker.GetAsync("/health/ready")).Status == HttpStatusCode.OK, "never ready");
        await worker.UntilAsync(async () => WorkerProcess.Metric((await worker.GetAsync("/metrics")).Body, "pipeline_records_total") >= 1_000, "records never counted");
        var metrics = (await worker.GetAsync("/metrics")).Body;
        Assert.Contains("pipeline_partitions_assigned", metrics, StringComparison.Ordinal);
        Worker.MetricsReference.AssertScrapeDocumented(metrics);

        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "tls_events")));
        worker.Signal("TERM");
        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "no exit after SIGTERM");
        Assert.True(worker.ExitCode == 0, await worker.OutputAsync());
        LakeReader.AssertExactlyOnce(tmp.Path, messages.EventIds);
    }
}
