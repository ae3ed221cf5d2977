using Microsoft.Extensions.Logging;
using System.CommandLine;
using System.Globalization;
using Pipeline.Cli.Console;
using Pipeline.Ingest;
using Pipeline.Kinesis;
using Pipeline.Kinesis.Consumer;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline ingest --source kinesis://…</c>: the worker's stream ingest in the foreground.</summary>
internal static class StreamCommand
{
    public static async Task<int> RunKinesisAsync(ParseResult parse, string source, IngestOptions ingest, CancellationToken ct)
    {
        KinesisSourceOptions options;
        try
        {
            options = KinesisSourceOptions.FromUri(source);
            if (parse.GetValue(IngestCommand.Start) is { } start)
            {
                options.ApplyStart(start);
            }
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }

        options.LeaseTable = parse.GetValue(IngestCommand.LeaseTable) ?? options.LeaseTable;
        if (parse.GetValue(IngestCommand.DynamoDbEndpoint) is { } dynamo)
        {
            options.DynamoDbEndpoint = Uri.TryCreate(dynamo, UriKind.Absolute, out var u) ? u : throw new UsageException($"--dynamodb-endpoint '{dynamo}' is not a URL");
        }

        options.WorkerId = parse.GetValue(IngestCommand.WorkerId) ?? options.WorkerId;
        options.UntilIdle = Seconds(parse.GetValue(IngestCommand.UntilIdle), "--until-idle") ?? options.UntilIdle;
        options.FlushAge = Seconds(parse.GetValue(IngestCommand.FlushAge), "--flush-age") ?? options.FlushAge;
        options.LeaseDuration = Seconds(parse.GetValue(IngestCommand.LeaseDuration), "--lease-duration") ?? options.LeaseDuration;
        options.FlushMiB = parse.GetValue(IngestCommand.FlushMiB) ?? options.FlushMiB;
        if (parse.GetValue(IngestCommand.From) is not null || parse.GetValue(IngestCommand.To) is not null)
        {
            throw new UsageException("--from/--to apply to file sources; a stream is read from its checkpoints (use --start for where new shards begin)");
        }

        if (parse.GetValue(IngestCommand.Lake)!.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) && options.LeaseTable is null)
        {
            throw new UsageException("a kinesis:// source into an s3:// lake needs --lease-table: the checkpoints must outlive this machine, as the lake does");
        }

        using var remote = RemoteLake(parse);
        Pipeline.Lake.ILakeSink lake = (Pipeline.Lake.ILakeSink?)remote?.Lake ?? new Pipeline.Lake.LocalLake(parse.GetValue(IngestCommand.Lake)!);
        using var loggerFactory = CliLogging.Create(parse.GetValue(IngestCommand.Verbose));
        KinesisSource kinesis;
        try
        {
            kinesis = new KinesisSource(options, ingest, lake, TimeProvider.System, loggerFactory);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new UsageException(e.Message);
        }

        using (kinesis)
        {
            var stats = kinesis.Ingest.Stats;
            using var progress = new ProgressDisplay(stats.Ingest, System.Console.Error, TimeProvider.System, line: elapsed => Line(stats, elapsed));
            using var metrics = CliMetrics.Start(meters => new Pipeline.Kinesis.Diagnostics.StreamMetrics(meters, stats, TimeProvider.System));
            StreamResult result;
            try
            {
                result = await kinesis.Ingest.RunAsync(ct).ConfigureAwait(false);
            }
            catch (Pipeline.Kinesis.Client.KinesisException e)
            {
                throw new IngestException(e.Message, e);
            }

            progress.Finish();
            var inv = CultureInfo.InvariantCulture;
            var err = System.Console.Error;
            await err.WriteLineAsync(string.Create(inv, $"Stream ingest of {options.Stream} {(result.StoppedIdle ? "caught up" : "stopped")} after {result.Elapsed.TotalSeconds:F1} s")).ConfigureAwait(false);
            await err.WriteLineAsync(string.Create(inv, $"  kinesis     {stats.KinesisRecords:N0} records ({Units.Bytes(stats.KinesisBytes)}), {stats.EndedShards.Count} shards read to their end, {stats.Checkpoints:N0} checkpoints, {stats.Throttled:N0} throttled, {stats.ExpiredIterators:N0} expired iterators")).ConfigureAwait(false);
            await WriteEventsAsync(err, stats.Ingest).ConfigureAwait(false);

            ct.ThrowIfCancellationRequested();
            return 0;
        }
    }

    public static async Task<int> RunKafkaAsync(ParseResult parse, string source, IngestOptions ingest, CancellationToken ct)
    {
        Pipeline.Kafka.KafkaSourceOptions options;
        try
        {
            options = Pipeline.Kafka.KafkaSourceOptions.FromUri(source);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }

        options.UntilIdle = Seconds(parse.GetValue(IngestCommand.UntilIdle), "--until-idle") ?? options.UntilIdle;
        options.FlushAge = Seconds(parse.GetValue(IngestCommand.FlushAge), "--flush-age") ?? options.FlushAge;
        options.FlushMiB = parse.GetValue(IngestCommand.FlushMiB) ?? options.FlushMiB;
        foreach (var flag in new Option[] { IngestCommand.From, IngestCommand.To, IngestCommand.Start, IngestCommand.LeaseTable, IngestCommand.DynamoDbEndpoint, IngestCommand.LeaseDuration, IngestCommand.WorkerId })
        {
            if (parse.GetResult(flag) is not null)
            {
                throw new UsageException($"{flag.Name} does not apply to kafka:// (offsets are the consumer group's; set librdkafka's auto.offset.reset in the URI for new groups)");
            }
        }

        var outcome = new Pipeline.Kafka.KafkaSourceOptionsValidator().Validate(null, options);
        if (outcome.Failed)
        {
            throw new UsageException(outcome.FailureMessage);
        }

        using var remote = RemoteLake(parse);
        Pipeline.Lake.ILakeSink lake = (Pipeline.Lake.ILakeSink?)remote?.Lake ?? new Pipeline.Lake.LocalLake(parse.GetValue(IngestCommand.Lake)!);
        using var loggerFactory = CliLogging.Create(parse.GetValue(IngestCommand.Verbose));
        var job = new Pipeline.Kafka.KafkaIngest(options, ingest, lake, TimeProvider.System, loggerFactory.CreateLogger<Pipeline.Kafka.KafkaIngest>());
        var stats = job.Stats;
        using var progress = new ProgressDisplay(stats.Ingest, System.Console.Error, TimeProvider.System, line: elapsed => string.Create(
            CultureInfo.InvariantCulture,
            $"{stats.Assigned.Count} partitions, {stats.Messages:N0} messages ({Units.Bytes(stats.Bytes)}), {stats.Ingest.EventsWritten:N0} events written, {stats.Ingest.RejectTotal:N0} rejects, {(elapsed > 0 ? stats.Messages / elapsed : 0):N0} messages/s"));
        using var metrics = CliMetrics.Start(meters => new Pipeline.Kafka.KafkaMetrics(meters, stats));
        Pipeline.Kafka.KafkaResult result;
        try
        {
            result = await job.RunAsync(ct).ConfigureAwait(false);
        }
        catch (Pipeline.Kafka.KafkaIngestException e)
        {
            throw new IngestException(e.Message, e);
        }

        progress.Finish();
        var inv = CultureInfo.InvariantCulture;
        var err = System.Console.Error;
        await err.WriteLineAsync(string.Create(inv, $"Kafka ingest of {options.Topic} (group {options.Group}) {(result.StoppedIdle ? "caught up" : "stopped")} after {result.Elapsed.TotalSeconds:F1} s")).ConfigureAwait(false);
        await err.WriteLineAsync(string.Create(inv, $"  kafka       {stats.Messages:N0} messages ({Units.Bytes(stats.Bytes)}), {stats.Commits:N0} offset commits, {stats.DeadLettered:N0} dead-lettered")).ConfigureAwait(false);
        await WriteEventsAsync(err, stats.Ingest).ConfigureAwait(false);
        if (result.Unwritten.Count > 0)
        {
            foreach (var line in result.Unwritten)
            {
                await err.WriteLineAsync("pipeline: error: " + line).ConfigureAwait(false);
            }

            return 1;
        }

        ct.ThrowIfCancellationRequested();
        return 0;
    }

    /// <summary>The summary's events line and a few rejects, the same for every stream source.</summary>
    private static async Task WriteEventsAsync(TextWriter err, IngestStats ingest)
    {
        await err.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  events      {ingest.Records:N0} CloudTrail records; {ingest.EventsWritten:N0} events written to {ingest.FilesWritten:N0} Parquet files; {ingest.ControlMessages:N0} control messages; {ingest.RejectTotal:N0} rejects")).ConfigureAwait(false);
        foreach (var sample in ingest.RejectSamples.Take(5))
        {
            await err.WriteLineAsync("              e.g. " + Summary.Sanitize(sample)).ConfigureAwait(false);
        }
    }

    private static string Line(StreamStats stats, double elapsed)
    {
        var lag = stats.MillisBehindLatest.IsEmpty ? 0 : stats.MillisBehindLatest.Values.Max();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{stats.HeldShards.Count} shards, {stats.KinesisRecords:N0} records ({Units.Bytes(stats.KinesisBytes)}), {stats.Ingest.EventsWritten:N0} events written, {stats.Ingest.RejectTotal:N0} rejects, {(elapsed > 0 ? stats.KinesisRecords / elapsed : 0):N0} records/s, lag {Units.Duration(TimeSpan.FromMilliseconds(lag))}");
    }

    /// <summary>The S3 lake and its client when <c>--lake</c> is an s3:// location, else null.</summary>
    private static S3LakeHandle? RemoteLake(ParseResult parse)
    {
        var lake = parse.GetValue(IngestCommand.Lake)!;
        if (!lake.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        Uri? endpoint = parse.GetValue(IngestCommand.Endpoint) is { } ep ? (Uri.TryCreate(ep, UriKind.Absolute, out var u) ? u : throw new UsageException($"--endpoint '{ep}' is not a URL")) : null;
        var s3 = Pipeline.S3.S3Clients.Create(parse.GetValue(IngestCommand.Region), endpoint);
        try
        {
            return new S3LakeHandle(s3, new Pipeline.S3.S3Lake(s3, lake, parse.GetValue(IngestCommand.Staging)));
        }
        catch (FormatException e)
        {
            s3.Dispose();
            throw new UsageException(e.Message);
        }
    }

    /// <summary>An S3 lake with the client it uses.</summary>
    private sealed class S3LakeHandle(Amazon.S3.AmazonS3Client client, Pipeline.S3.S3Lake lake) : IDisposable
    {
        public Pipeline.S3.S3Lake Lake { get; } = lake;

        public void Dispose() => client.Dispose();
    }

    private static TimeSpan? Seconds(double? value, string flag) => value switch
    {
        null => null,
        > 0 and < 86_400 => TimeSpan.FromSeconds(value.Value),
        _ => throw new UsageException($"{flag} must be between 0 and 86400 seconds"),
    };
}
