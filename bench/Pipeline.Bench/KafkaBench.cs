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
    public static int Run(int events, int partitions, int budgetMiB, string work, string cli, Func<string, string[], Measurement> measure)
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
                var value = Encoding.UTF8.GetBytes("{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.cloudtrail\",\"detail\":" + lines[i] + "}");
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

        var lake = Path.Combine(work, "lake-kafka");
        var fileLake = Path.Combine(work, "lake-kafka-files");
        foreach (var d in new[] { lake, fileLake })
        {
            if (Directory.Exists(d))
            {
                Directory.Delete(d, true);
            }
        }

        const double idle = 2;
        var inv = CultureInfo.InvariantCulture;
        var budget = budgetMiB.ToString(inv);
        var stream = measure("dotnet", [cli, "ingest", "--source", $"kafka://{cluster.Bootstrap}/bench?group=bench&group.protocol=consumer", "--lake", lake, "--until-idle", idle.ToString(inv), "--memory-budget-mib", budget]);
        var files = measure("dotnet", [cli, "ingest", "--source", ndjson, "--lake", fileLake, "--memory-budget-mib", budget]);
        var streamRows = StreamBenchEvents.LakeRows(lake);
        var fileRows = StreamBenchEvents.LakeRows(fileLake);
        var wall = stream.Wall.TotalSeconds - idle;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; {lines.Count:N0} events, {partitions} partitions, one EventBridge event per message (LZ4 batches), {payloadBytes / 1e6:F0} MB of CloudTrail JSON; memory budget {budgetMiB} MiB");
        Console.WriteLine("| source | rows | wall s | records/s | MB/s | records/s per partition | CPU s | CPU s / M events | records/s per CPU s | peak RSS MiB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(inv, $"| kafka (mock cluster, {partitions} partitions; wall without the {idle:F0} s idle wait) | {streamRows:N0} | {wall:F1} | {lines.Count / wall:N0} | {payloadBytes / 1e6 / wall:F1} | {lines.Count / wall / partitions:N0} | {stream.Cpu.TotalSeconds:F1} | {stream.Cpu.TotalSeconds / (lines.Count / 1e6):F1} | {lines.Count / stream.Cpu.TotalSeconds:N0} | {stream.PeakRssMiB:F0} |"));
        Console.WriteLine(string.Create(inv, $"| files (same events as NDJSON) | {fileRows:N0} | {files.Wall.TotalSeconds:F1} | {lines.Count / files.Wall.TotalSeconds:N0} | {payloadBytes / 1e6 / files.Wall.TotalSeconds:F1} | | {files.Cpu.TotalSeconds:F1} | {files.Cpu.TotalSeconds / (lines.Count / 1e6):F1} | {lines.Count / files.Cpu.TotalSeconds:N0} | {files.PeakRssMiB:F0} |"));
        Console.WriteLine(string.Create(inv, $"stream / file events per CPU second: {files.Cpu.TotalSeconds / stream.Cpu.TotalSeconds:F2}"));
        if (streamRows != fileRows)
        {
            Console.Error.WriteLine($"row counts differ: kafka {streamRows:N0}, files {fileRows:N0}");
            return 1;
        }

        return 0;
    }
}
