using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Pipeline.Tests.Support;

/// <summary>
/// Stream benchmark: the same events read from a Kafka topic (librdkafka's mock cluster, a real Kafka-protocol broker
/// set in this process) and from NDJSON files, each ingest in a child process, reporting records/s and MB/s in total and
/// per partition, and CPU seconds per million events. The brokers run in the benchmark's process; their CPU is not
/// counted (they stand in for the Kafka cluster).
/// </summary>
internal static class KafkaBench
{
    public static int Run(int events, int partitions, int budgetMiB, string settings, string work, string cli, Func<string, string[], Measurement> measure)
    {
        var (ndjson, lines) = StreamBenchEvents.Load(events, work);
        var payloadBytes = lines.Sum(l => (long)Encoding.UTF8.GetByteCount(l));

        using var cluster = new MockCluster(brokers: 1);
        cluster.CreateTopic("bench", partitions);
        var put = Stopwatch.StartNew();

        // One EventBridge event per message (the form a rule or connector forwards), LZ4 batches as producers send them.
        var config = new ProducerConfig { BootstrapServers = cluster.Bootstrap, Acks = Acks.All, LingerMs = 20, BatchSize = 1_000_000, CompressionType = CompressionType.Lz4 };
        using (var producer = new ProducerBuilder<string, byte[]>(config).Build())
        {
            for (var i = 0; i < lines.Count; i++)
            {
                var value = StreamBenchEvents.EventBridge(lines[i]);
                while (true)
                {
                    try
                    {
                        producer.Produce("bench", new Message<string, byte[]> { Key = i.ToString(CultureInfo.InvariantCulture), Value = value });
                        break;
                    }
                    catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(50));
                    }
                }
            }

            if (producer.Flush(TimeSpan.FromMinutes(2)) != 0)
            {
                Console.Error.WriteLine("not every message was acknowledged within 2 minutes");
                return 1;
            }
        }

        Console.Error.WriteLine($"produced {lines.Count:N0} messages in {put.Elapsed.TotalSeconds:F1} s");

        // The mock cluster keeps a bounded log per partition: a run whose oldest messages were dropped measures nothing.
        using (var admin = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.Bootstrap, GroupId = "bench-watermarks" }).Build())
        {
            long kept = 0;
            for (var p = 0; p < partitions; p++)
            {
                var marks = admin.QueryWatermarkOffsets(new TopicPartition("bench", p), TimeSpan.FromSeconds(10));
                if (marks.Low.Value != 0)
                {
                    Console.Error.WriteLine($"partition {p} dropped its first {marks.Low.Value:N0} messages (the mock broker's log limit): use more --partitions or fewer --events");
                    return 1;
                }

                kept += marks.High.Value;
            }

            if (kept != lines.Count)
            {
                Console.Error.WriteLine($"the topic holds {kept:N0} messages, not {lines.Count:N0}");
                return 1;
            }
        }

        // --kafka-settings K=V[&K=V…]: librdkafka settings for the consumer, as a user passes them in the source URI.
        var source = $"kafka://{cluster.Bootstrap}/bench?group=bench&group.protocol=consumer" + (settings.Length > 0 ? "&" + settings : string.Empty);
        return StreamBenchEvents.Compare(new StreamRun("kafka", "mock cluster", "partition", partitions, "one EventBridge event per message (LZ4 batches)", source, ndjson, lines.Count, payloadBytes, budgetMiB, work, cli), measure);
    }
}
