using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.CommandLine;
using System.Globalization;
using Pipeline.Cli.Console;
using Pipeline.Ingest;
using Pipeline.Kinesis;
using Pipeline.Kafka;
using Pipeline.Kinesis.Consumer;
using Pipeline.S3;
using Pipeline.Sqs;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline ingest --source kinesis://…</c>: the worker's stream ingest in the foreground.</summary>
internal static class StreamCommand
{
    public static async Task<int> RunKinesisAsync(ParseResult parse, string source, IngestOptions ingest, CancellationToken ct)
    {
        if (parse.GetValue(IngestCommand.From) is not null || parse.GetValue(IngestCommand.To) is not null)
        {
            throw new UsageException("--from/--to apply to file sources; a stream is read from its checkpoints (use --start for where new shards begin)");
        }

        foreach (var flag in new Option[] { IngestCommand.Visibility, IngestCommand.Receivers, IngestCommand.Accounts, IngestCommand.Regions })
        {
            if (parse.GetResult(flag) is not null)
            {
                throw new UsageException($"{flag.Name} does not apply to kinesis://");
            }
        }

        if (parse.GetValue(IngestCommand.Lake)!.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) && parse.GetValue(IngestCommand.LeaseTable) is null
            && !source.Contains("lease-table=", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException("a kinesis:// source into an s3:// lake needs --lease-table: the checkpoints must outlive this machine, as the lake does");
        }

        using var loggerFactory = CliLogging.Create(parse.GetValue(IngestCommand.Verbose));
        using var services = Compose(parse, loggerFactory, ingest, s => s.AddKinesisIngest(Empty, options =>
        {
            options.ApplyUri(source);
            if (parse.GetValue(IngestCommand.Start) is { } start)
            {
                options.ApplyStart(start);
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
        }));
        var options = Resolve<IOptions<KinesisSourceOptions>>(services).Value;
        var kinesis = Resolve<KinesisSource>(services);
        var stats = kinesis.Ingest.Stats;
        using var progress = new ProgressDisplay(stats.Ingest, System.Console.Error, TimeProvider.System, line: elapsed => Line(stats, elapsed));
        using var metrics = CliMetrics.Start(meters => new Pipeline.Kinesis.Diagnostics.KinesisMetrics(meters, stats, TimeProvider.System));
        KinesisResult result;
        try
        {
            result = await kinesis.Ingest.RunAsync(ct).ConfigureAwait(false);
        }
        catch (Pipeline.Kinesis.Client.KinesisException e)
        {
            throw new IngestException(e.Message, e);
        }

        progress.Finish();
        return await SummarizeAsync(
            string.Create(CultureInfo.InvariantCulture, $"Stream ingest of {options.Stream} {(result.StoppedIdle ? "caught up" : "stopped")} after {result.Elapsed.TotalSeconds:F1} s"),
            string.Create(CultureInfo.InvariantCulture, $"  kinesis     {stats.Messages:N0} records ({Units.Bytes(stats.Bytes)}), {stats.EndedShards.Count} shards read to their end, {stats.Commits:N0} checkpoints, {stats.Throttled:N0} throttled, {stats.ExpiredIterators:N0} expired iterators"),
            stats.Ingest,
            result.Unwritten,
            ct).ConfigureAwait(false);
    }

    public static async Task<int> RunKafkaAsync(ParseResult parse, string source, IngestOptions ingest, CancellationToken ct)
    {
        foreach (var flag in new Option[] { IngestCommand.From, IngestCommand.To, IngestCommand.Start, IngestCommand.LeaseTable, IngestCommand.DynamoDbEndpoint, IngestCommand.LeaseDuration, IngestCommand.WorkerId, IngestCommand.Visibility, IngestCommand.Receivers, IngestCommand.Accounts, IngestCommand.Regions })
        {
            if (parse.GetResult(flag) is not null)
            {
                throw new UsageException($"{flag.Name} does not apply to kafka:// (offsets are the consumer group's; set librdkafka's auto.offset.reset in the URI for new groups)");
            }
        }

        using var loggerFactory = CliLogging.Create(parse.GetValue(IngestCommand.Verbose));
        using var services = Compose(parse, loggerFactory, ingest, s => s.AddKafkaIngest(Empty, options =>
        {
            options.ApplyUri(source);
            options.UntilIdle = Seconds(parse.GetValue(IngestCommand.UntilIdle), "--until-idle") ?? options.UntilIdle;
            options.FlushAge = Seconds(parse.GetValue(IngestCommand.FlushAge), "--flush-age") ?? options.FlushAge;
            options.FlushMiB = parse.GetValue(IngestCommand.FlushMiB) ?? options.FlushMiB;
        }));
        var options = Resolve<IOptions<Pipeline.Kafka.KafkaSourceOptions>>(services).Value;
        var job = Resolve<Pipeline.Kafka.KafkaIngest>(services);
        var stats = job.Stats;
        using var progress = new ProgressDisplay(stats.Ingest, System.Console.Error, TimeProvider.System, line: elapsed => string.Create(
            CultureInfo.InvariantCulture,
            $"{stats.Held.Count} partitions, {stats.Messages:N0} messages ({Units.Bytes(stats.Bytes)}), {stats.Ingest.EventsWritten:N0} events written, {stats.Ingest.RejectTotal:N0} rejects, {(elapsed > 0 ? stats.Messages / elapsed : 0):N0} messages/s"));
        using var metrics = CliMetrics.Start(meters => new Pipeline.Kafka.KafkaMetrics(meters, stats, TimeProvider.System));
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
        return await SummarizeAsync(
            string.Create(CultureInfo.InvariantCulture, $"Kafka ingest of {options.Topic} (group {options.Group}) {(result.StoppedIdle ? "caught up" : "stopped")} after {result.Elapsed.TotalSeconds:F1} s"),
            string.Create(CultureInfo.InvariantCulture, $"  kafka       {stats.Messages:N0} messages ({Units.Bytes(stats.Bytes)}), {stats.Commits:N0} offset commits, {stats.DeadLettered:N0} dead-lettered"),
            stats.Ingest,
            result.Unwritten,
            ct).ConfigureAwait(false);
    }

    public static async Task<int> RunSqsAsync(ParseResult parse, string source, IngestOptions ingest, CancellationToken ct)
    {
        foreach (var flag in new Option[] { IngestCommand.From, IngestCommand.To, IngestCommand.Start, IngestCommand.LeaseTable, IngestCommand.DynamoDbEndpoint, IngestCommand.LeaseDuration, IngestCommand.FlushAge, IngestCommand.FlushMiB, IngestCommand.Accounts, IngestCommand.Regions })
        {
            if (parse.GetResult(flag) is not null)
            {
                throw new UsageException($"{flag.Name} does not apply to sqs:// (each object is committed as it is read, and its message deleted after)");
            }
        }

        using var loggerFactory = CliLogging.Create(parse.GetValue(IngestCommand.Verbose));
        using var services = Compose(parse, loggerFactory, ingest, s => s.AddSqsIngest(Empty, options =>
        {
            options.ApplyUri(source);
            options.UntilIdle = Seconds(parse.GetValue(IngestCommand.UntilIdle), "--until-idle") ?? options.UntilIdle;
            options.WorkerId = parse.GetValue(IngestCommand.WorkerId) ?? options.WorkerId;
            options.Visibility = Seconds(parse.GetValue(IngestCommand.Visibility), "--visibility") ?? options.Visibility;
            options.Receivers = parse.GetValue(IngestCommand.Receivers) ?? options.Receivers;
            options.S3Region = parse.GetValue(IngestCommand.Region) ?? options.S3Region;
            options.S3Endpoint = Endpoint(parse) ?? options.S3Endpoint;
        }));
        var options = Resolve<IOptions<SqsSourceOptions>>(services).Value;
        var job = Resolve<SqsIngest>(services);
        var stats = job.Stats;
        using var progress = new ProgressDisplay(stats.Ingest, System.Console.Error, TimeProvider.System, line: elapsed => string.Create(
            CultureInfo.InvariantCulture,
            $"{stats.Messages:N0} messages, {stats.Objects:N0} objects ({Units.Bytes(stats.Bytes)}), {stats.Ingest.EventsWritten:N0} events written, {stats.Ingest.RejectTotal:N0} rejects, lag {Units.Duration(stats.OldestMessageAge)}"));
        using var metrics = CliMetrics.Start(meters => new SqsMetrics(meters, stats, TimeProvider.System));
        SqsResult result;
        try
        {
            result = await job.RunAsync(ct).ConfigureAwait(false);
        }
        catch (SqsIngestException e)
        {
            throw new IngestException(e.Message, e);
        }

        progress.Finish();
        return await SummarizeAsync(
            string.Create(CultureInfo.InvariantCulture, $"SQS ingest of {options.Queue} {(result.StoppedIdle ? "caught up" : "stopped")} after {result.Elapsed.TotalSeconds:F1} s"),
            string.Create(
                CultureInfo.InvariantCulture,
                $"  sqs         {stats.Messages:N0} messages received, {stats.DeletedMessages:N0} deleted; {stats.Objects:N0} objects read ({Units.Bytes(stats.Bytes)}), {stats.AlreadyDoneObjects:N0} already in the lake, {stats.SkippedObjects:N0} digest/Insights/markers skipped; {stats.TestEvents:N0} test events, {stats.IgnoredNotifications:N0} other notifications; {stats.NotNotifications:N0} not notifications (left for the queue's redrive policy)"),
            stats.Ingest,
            result.Unwritten,
            ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The summary every stream source prints at its end: what it did, its source's line, the events line and a few
    /// rejects; then each stream partition whose last batch was not written, which makes the exit code 1.
    /// </summary>
    private static async Task<int> SummarizeAsync(string title, string sourceLine, IngestStats ingest, IReadOnlyList<string> unwritten, CancellationToken ct)
    {
        var err = System.Console.Error;
        await err.WriteLineAsync(title).ConfigureAwait(false);
        await err.WriteLineAsync(sourceLine).ConfigureAwait(false);
        await err.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  events      {ingest.Records:N0} CloudTrail records; {ingest.EventsWritten:N0} events written to {ingest.FilesWritten:N0} Parquet files; {ingest.ControlMessages:N0} control messages; {ingest.RejectTotal:N0} rejects")).ConfigureAwait(false);
        foreach (var sample in ingest.RejectSamples.Take(5))
        {
            await err.WriteLineAsync("              e.g. " + Summary.Sanitize(sample)).ConfigureAwait(false);
        }

        foreach (var line in unwritten)
        {
            await err.WriteLineAsync("pipeline: error: not written at stop: " + line).ConfigureAwait(false);
        }

        if (unwritten.Count > 0)
        {
            return 1;
        }

        ct.ThrowIfCancellationRequested();
        return 0;
    }

    private static string Line(KinesisStats stats, double elapsed)
    {
        var lag = stats.MillisBehindLatest.IsEmpty ? 0 : stats.MillisBehindLatest.Values.Max();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{stats.Held.Count} shards, {stats.Messages:N0} records ({Units.Bytes(stats.Bytes)}), {stats.Ingest.EventsWritten:N0} events written, {stats.Ingest.RejectTotal:N0} rejects, {(elapsed > 0 ? stats.Messages / elapsed : 0):N0} records/s, lag {Units.Duration(TimeSpan.FromMilliseconds(lag))}");
    }

    private static readonly IConfiguration Empty = new ConfigurationBuilder().Build();

    /// <summary>
    /// The worker's composition with the CLI's flags as configuration: the lake (a folder or S3, with its S3 client),
    /// the ingest options, the process's memory budget and the source <paramref name="addSource"/> adds.
    /// </summary>
    public static ServiceProvider Compose(ParseResult parse, ILoggerFactory loggers, IngestOptions ingest, Action<IServiceCollection> addSource)
    {
        var services = new ServiceCollection()
            .AddSingleton(loggers)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddLake(
                Empty,
                lake =>
                {
                    lake.Lake = parse.GetValue(IngestCommand.Lake)!;
                    lake.Staging = parse.GetValue(IngestCommand.Staging);
                    lake.S3Region = parse.GetValue(IngestCommand.Region);
                    lake.S3Endpoint = Endpoint(parse);
                },
                options =>
                {
                    options.Parallelism = ingest.Parallelism;
                    options.MemoryBudgetMiB = ingest.MemoryBudgetMiB;
                    options.Compression = ingest.Compression;
                });
        addSource(services);
        return services.BuildServiceProvider();
    }

    /// <summary>Resolves a service; options that do not parse or validate are a usage error naming what is wrong.</summary>
    public static T Resolve<T>(ServiceProvider services)
        where T : notnull
    {
        try
        {
            return services.GetRequiredService<T>();
        }
        catch (OptionsValidationException e)
        {
            throw new UsageException(string.Join("; ", e.Failures));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The --endpoint flag (an S3-compatible server), or null.</summary>
    public static Uri? Endpoint(ParseResult parse) => parse.GetValue(IngestCommand.Endpoint) is { } ep
        ? (Uri.TryCreate(ep, UriKind.Absolute, out var u) ? u : throw new UsageException($"--endpoint '{ep}' is not a URL"))
        : null;

    private static TimeSpan? Seconds(double? value, string flag) => value switch
    {
        null => null,
        > 0 and < 86_400 => TimeSpan.FromSeconds(value.Value),
        _ => throw new UsageException($"{flag} must be between 0 and 86400 seconds"),
    };
}
