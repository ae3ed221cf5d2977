using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipeline.Kinesis.Client;

/// <summary>
/// Stream benchmark: the same events read from a local Kinesis (kinesalite) and from NDJSON files, each ingest in a
/// child process, reporting records/s and MB/s in total and per shard, and CPU seconds per million events.
/// kinesalite runs in its own process; its CPU is not counted (it stands in for the AWS service).
/// </summary>
internal static class KinesisBench
{
    public static int Run(int events, int shards, int budgetMiB, string work, string cli, Func<string, string[], Measurement> measure)
    {
        var (ndjson, lines) = StreamBenchEvents.Load(events, work);
        var payloadBytes = lines.Sum(l => (long)Encoding.UTF8.GetByteCount(l));

        // The test suite's local servers, installed from tools/local-aws's lock file when missing.
        var aws = new Pipeline.Tests.Support.LocalAws();
        aws.InitializeAsync().GetAwaiter().GetResult();
        var endpoint = aws.KinesisEndpoint;
        try
        {
            using var client = new KinesisClient(new KinesisClientOptions { Endpoint = endpoint }, Pipeline.Tests.Support.LocalAws.Credentials);
            var stream = new StreamRef("bench", null);
            client.CreateStreamAsync("bench", shards, CancellationToken.None).GetAwaiter().GetResult();
            client.WaitForActiveAsync(stream, TimeSpan.FromSeconds(30), CancellationToken.None).GetAwaiter().GetResult();
            var put = Stopwatch.StartNew();

            // EventBridge delivers one event per record: the most records per event a stream can carry.
            Parallel.ForEach(lines.Chunk(500), new ParallelOptions { MaxDegreeOfParallelism = 4 }, chunk =>
            {
                var records = chunk.Select((l, i) => (i.ToString(CultureInfo.InvariantCulture) + l.GetHashCode(StringComparison.Ordinal), (ReadOnlyMemory<byte>)StreamBenchEvents.EventBridge(l))).ToList();
                while (records.Count > 0)
                {
                    var response = client.PutRecordsAsync(stream, records, CancellationToken.None).GetAwaiter().GetResult();
                    records = [.. records.Where((_, i) => response.Records[i].ErrorCode is not null)];
                }
            });
            Console.Error.WriteLine($"put {lines.Count:N0} records in {put.Elapsed.TotalSeconds:F1} s");

            var source = $"kinesis://bench?endpoint={endpoint}";
            return StreamBenchEvents.Compare(new StreamRun("kinesis", "kinesalite", "shard", shards, "one EventBridge event per record", source, ndjson, lines.Count, payloadBytes, budgetMiB, work, cli), measure);
        }
        finally
        {
            aws.DisposeAsync().GetAwaiter().GetResult();
        }
    }
}
