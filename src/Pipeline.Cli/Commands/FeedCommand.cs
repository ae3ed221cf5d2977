using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Pipeline.Demo;
using Pipeline.Kinesis;
using Pipeline.Kinesis.Client;
using Pipeline.Kinesis.Consumer;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline feed --to kinesis://…|kafka://…</c>: puts the demo organization's CloudTrail events on a stream as
/// EventBridge events (one per record), for trying the workers on a laptop (the docker-compose stack) or a test stream.
/// </summary>
internal static class FeedCommand
{
    private static readonly Option<string> To = new("--to") { Description = "kinesis://STREAM?region=R&endpoint=URL or kafka://HOST:PORT/TOPIC.", Required = true };
    private static readonly Option<int> Accounts = new("--accounts") { Description = "Accounts of the demo organization (default 12).", DefaultValueFactory = _ => 12 };
    private static readonly Option<int> Days = new("--days") { Description = "Days of events, ending last Sunday (default 7).", DefaultValueFactory = _ => 7 };
    private static readonly Option<int> PerDay = new("--per-day") { Description = "Events per account and day (default 200).", DefaultValueFactory = _ => 200 };
    private static readonly Option<int> Shards = new("--create-shards") { Description = "Kinesis: create the stream with this many shards if it does not exist (default 2; 0: never create)." , DefaultValueFactory = _ => 2 };

    public static Command Create()
    {
        var command = new Command("feed", "Put the demo organization's CloudTrail events on a Kinesis stream or Kafka topic (laptop stack, test streams).")
        {
            To, Accounts, Days, PerDay, Shards,
        };
        command.SetAction((result, ct) => CliErrors.Run(() => RunAsync(result, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var to = parse.GetValue(To)!;
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        var lastSunday = today.AddDays(-(((int)today.DayOfWeek + 7) % 7 == 0 ? 7 : (int)today.DayOfWeek));
        var work = Path.Combine(Path.GetTempPath(), "pipeline-feed-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var truth = DemoArchiveWriter.Write(work, new DemoShape(parse.GetValue(Accounts), parse.GetValue(Days), parse.GetValue(PerDay), lastSunday, Seed: 1, AwkwardCases: false, Format: DemoFormat.Ndjson));
            var events = Directory.EnumerateFiles(work, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .SelectMany(File.ReadLines).Where(l => l.Length > 0)
                .Select(l => Encoding.UTF8.GetBytes("{\"version\":\"0\",\"id\":\"feed\",\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.cloudtrail\",\"detail\":" + l + "}"))
                .ToList();
            int sent;
            if (to.StartsWith("kinesis://", StringComparison.OrdinalIgnoreCase))
            {
                sent = await ToKinesisAsync(KinesisSourceOptions.FromUri(to), events, parse.GetValue(Shards), ct).ConfigureAwait(false);
            }
            else if (to.StartsWith("kafka://", StringComparison.OrdinalIgnoreCase))
            {
                sent = ToKafka(Pipeline.Kafka.KafkaSourceOptions.FromUri(to), events);
            }
            else
            {
                throw new UsageException($"--to '{to}' is not kinesis:// or kafka://");
            }

            System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Fed {sent:N0} events ({truth.LegacyEvents:N0} over TLS 1.0/1.1) of {parse.GetValue(Accounts)} accounts to {to}"));
            return 0;
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static async Task<int> ToKinesisAsync(KinesisSourceOptions options, List<byte[]> events, int shards, CancellationToken ct)
    {
        using var client = new KinesisClient(new KinesisClientOptions { Region = options.ResolveRegion(), Endpoint = options.Endpoint }, KinesisSource.ResolveCredentials());
        var stream = StreamRef.Parse(options.Stream);
        try
        {
            await client.DescribeStreamSummaryAsync(stream, ct).ConfigureAwait(false);
        }
        catch (KinesisException e) when (e.ErrorCode == KinesisErrors.ResourceNotFound && shards > 0 && stream.Name is not null)
        {
            await client.CreateStreamAsync(stream.Name, shards, ct).ConfigureAwait(false);
        }

        await client.WaitForActiveAsync(stream, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
        var n = 0;
        foreach (var chunk in events.Chunk(500))
        {
            List<(string, ReadOnlyMemory<byte>)> pending = [.. chunk.Select(e => ((n++).ToString(CultureInfo.InvariantCulture), (ReadOnlyMemory<byte>)e))];
            for (var attempt = 1; pending.Count > 0; attempt++)
            {
                var response = await client.PutRecordsAsync(stream, pending, ct).ConfigureAwait(false);
                pending = [.. pending.Where((_, i) => response.Records[i].ErrorCode is not null)];
                if (pending.Count > 0)
                {
                    await Task.Delay(Backoff.Jittered(attempt, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5)), ct).ConfigureAwait(false);
                }
            }
        }

        return events.Count;
    }

    private static int ToKafka(Pipeline.Kafka.KafkaSourceOptions options, List<byte[]> events)
    {
        var config = new ProducerConfig { BootstrapServers = options.BootstrapServers, Acks = Acks.All, EnableIdempotence = true, LingerMs = 20 };
        foreach (var (k, v) in options.Settings)
        {
            config.Set(k, v);
        }

        using var producer = new ProducerBuilder<string, byte[]>(config).Build();
        var n = 0;
        foreach (var e in events)
        {
            producer.Produce(options.Topic, new Message<string, byte[]> { Key = (n++).ToString(CultureInfo.InvariantCulture), Value = e });
        }

        if (producer.Flush(TimeSpan.FromMinutes(2)) > 0)
        {
            throw new Pipeline.Ingest.IngestException("not every message was acknowledged by Kafka within 2 minutes");
        }

        return events.Count;
    }
}
