using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Ingest;
using Testcontainers.Kafka;

namespace Pipeline.Kafka.Tests;

/// <summary>The Kafka source against a real single-node Kafka in Docker, where a daemon answers.</summary>
public sealed class KafkaContainerTests
{
    [SkippableFact]
    public async Task RunAsync_RealKafkaBroker_EveryEventOnce()
    {
        Skip.If(DockerProbe.UnavailableReason is not null, DockerProbe.UnavailableReason);
        await using var kafka = new KafkaBuilder("confluentinc/cp-kafka:7.6.1").Build();
        await kafka.StartAsync();
        using var tmp = new TempDir();
        var messages = new MixedMessages();
        using (var producer = new Confluent.Kafka.ProducerBuilder<string, byte[]>(new Confluent.Kafka.ProducerConfig { BootstrapServers = kafka.GetBootstrapAddress() }).Build())
        {
            foreach (var (key, data) in messages.Next(2_000))
            {
                producer.Produce("trail", new Confluent.Kafka.Message<string, byte[]> { Key = key, Value = data });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var options = new KafkaSourceOptions { BootstrapServers = kafka.GetBootstrapAddress(), Topic = "trail", Group = "pipeline", UntilIdle = TimeSpan.FromSeconds(5) };
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await new KafkaIngest(options, new IngestOptions(), new Pipeline.Lake.LocalLake(tmp.Path), TimeProvider.System, NullLogger<KafkaIngest>.Instance).RunAsync(cts.Token);

        Assert.True(result.StoppedIdle);
        LakeReader.AssertExactlyOnce(tmp.Path, messages.EventIds);
    }
}
