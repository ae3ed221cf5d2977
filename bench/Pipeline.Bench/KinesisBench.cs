using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using Pipeline.Demo;
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
                var records = chunk.Select((l, i) => (i.ToString(CultureInfo.InvariantCulture) + l.GetHashCode(StringComparison.Ordinal), (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(
                    "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.cloudtrail\",\"detail\":" + l + "}"))).ToList();
                while (records.Count > 0)
                {
                    var response = client.PutRecordsAsync(stream, records, CancellationToken.None).GetAwaiter().GetResult();
                    records = [.. records.Where((_, i) => response.Records[i].ErrorCode is not null)];
                }
            });
            Console.Error.WriteLine($"put {lines.Count:N0} records in {put.Elapsed.TotalSeconds:F1} s");

            var lake = Path.Combine(work, "lake-kinesis");
            var fileLake = Path.Combine(work, "lake-kinesis-files");
            foreach (var d in new[] { lake, fileLake })
            {
                if (Directory.Exists(d))
                {
                    Directory.Delete(d, true);
                }
            }

            const double idle = 2;
            var budget = budgetMiB.ToString(CultureInfo.InvariantCulture);
            var stream_ = measure("dotnet", [cli, "ingest", "--source", $"kinesis://bench?endpoint={endpoint}", "--lake", lake, "--until-idle", idle.ToString(CultureInfo.InvariantCulture), "--memory-budget-mib", budget]);
            var files = measure("dotnet", [cli, "ingest", "--source", ndjson, "--lake", fileLake, "--memory-budget-mib", budget]);
            var wall = stream_.Wall.TotalSeconds - idle;
            var inv = CultureInfo.InvariantCulture;
            var streamRows = StreamBenchEvents.LakeRows(lake);
            var fileRows = StreamBenchEvents.LakeRows(fileLake);
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores; {lines.Count:N0} events, {shards} shards, one EventBridge event per record, {payloadBytes / 1e6:F0} MB of CloudTrail JSON; memory budget {budgetMiB} MiB");
            Console.WriteLine("| source | rows | wall s | records/s | MB/s | records/s per shard | CPU s | CPU s / M events | records/s per CPU s | peak RSS MiB |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            Console.WriteLine(string.Create(inv, $"| kinesis (kinesalite, {shards} shards; wall without the {idle:F0} s idle wait) | {streamRows:N0} | {wall:F1} | {lines.Count / wall:N0} | {payloadBytes / 1e6 / wall:F1} | {lines.Count / wall / shards:N0} | {stream_.Cpu.TotalSeconds:F1} | {stream_.Cpu.TotalSeconds / (lines.Count / 1e6):F1} | {lines.Count / stream_.Cpu.TotalSeconds:N0} | {stream_.PeakRssMiB:F0} |"));
            Console.WriteLine(string.Create(inv, $"| files (same events as NDJSON) | {fileRows:N0} | {files.Wall.TotalSeconds:F1} | {lines.Count / files.Wall.TotalSeconds:N0} | {payloadBytes / 1e6 / files.Wall.TotalSeconds:F1} | | {files.Cpu.TotalSeconds:F1} | {files.Cpu.TotalSeconds / (lines.Count / 1e6):F1} | {lines.Count / files.Cpu.TotalSeconds:N0} | {files.PeakRssMiB:F0} |"));
            Console.WriteLine(string.Create(inv, $"stream / file events per CPU second: {files.Cpu.TotalSeconds / stream_.Cpu.TotalSeconds:F2}"));
            if (streamRows != fileRows)
            {
                Console.Error.WriteLine($"row counts differ: kinesis {streamRows:N0}, files {fileRows:N0}");
                return 1;
            }

            return 0;
        }
        finally
        {
            aws.DisposeAsync().GetAwaiter().GetResult();
        }
    }
}
