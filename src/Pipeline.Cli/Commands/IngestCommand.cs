using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Cli.Console;
using Pipeline.Ingest;
using Pipeline.Parquet;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline ingest --source PATH --lake DIR</c>.</summary>
internal static class IngestCommand
{
    public static readonly Option<string> Source = new("--source")
    {
        Description = "A file or directory tree, every form read by content: an org trail's S3 archive copy ({\"Records\":[…]}), NDJSON, EventBridge events, "
            + "CloudWatch Logs payloads, Firehose objects (EventBridge events back to back; concatenated CloudWatch Logs gzip members, gzip over them), "
            + "aws cloudtrail lookup-events output, KPL aggregates; gzip (multi-member) or plain; "
            + "an S3 archive s3://BUCKET/PREFIX/AWSLogs/, or a stream: kinesis://STREAM-OR-ARN?region=R&endpoint=URL, kafka://HOST:PORT[,HOST:PORT]/TOPIC?group=G[&librdkafka.setting=V], "
            + "or the queue of a trail bucket's new-object notifications: sqs://QUEUE-NAME-OR-URL?region=R[&endpoint=URL] (objects read with --endpoint/--region).",
        Required = true,
    };
    public static readonly Option<string> Lake = new("--lake") { Description = "The lake's root folder (created if missing), or s3://BUCKET/PREFIX for a lake in S3 (file sources).", Required = true };
    public static readonly Option<string?> Staging = new("--staging") { Description = "s3:// lakes: local folder for staging batches before upload (default: under the temp folder)." };
    public static readonly Option<string?> From = new("--from") { Description = "First UTC event date to keep (YYYY-MM-DD)." };
    public static readonly Option<string?> To = new("--to") { Description = "Last UTC event date to keep (YYYY-MM-DD)." };
    public static readonly Option<int?> Parallelism = new("--parallelism") { Description = "Batches read at once (default: cores)." };
    public static readonly Option<int?> MemoryBudget = new("--memory-budget-mib") { Description = $"Memory for buffered rows (default {IngestOptions.DefaultMemoryBudgetMiB})." };
    public static readonly Option<int?> MaxDocumentMiB = new("--max-document-mib") { Description = $"Largest top-level JSON value read whole: a bare record, an envelope that is not streamed (default {IngestOptions.DefaultMaxDocumentMiB})." };
    public static readonly Option<int?> MaxLineMiB = new("--max-line-mib") { Description = $"Largest element of a streamed envelope: one record of a log file, one lookup event (default {IngestOptions.DefaultMaxLineMiB})." };
    public static readonly Option<string?> Compression = new("--compression") { Description = "snappy (default), zstd or none." };
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Log each batch." };
    public static readonly Option<string?> Start = new("--start") { Description = "Streams: where a shard without a checkpoint starts: trim-horizon (default), latest, at-timestamp:ISO-8601." };
    public static readonly Option<string?> LeaseTable = new("--lease-table") { Description = "Streams: DynamoDB table shared by the workers of a stream (default: this process reads every shard, checkpoints in the lake)." };
    public static readonly Option<string?> DynamoDbEndpoint = new("--dynamodb-endpoint") { Description = "Streams: DynamoDB endpoint override for the lease table (dynalite, LocalStack)." };
    public static readonly Option<double?> UntilIdle = new("--until-idle") { Description = "Streams: exit once every shard is caught up (a queue: empty) and idle for this many seconds (backfills, tests)." };
    public static readonly Option<double?> FlushAge = new("--flush-age") { Description = "Streams: seconds before a shard's buffered records are flushed (default 60)." };
    public static readonly Option<int?> FlushMiB = new("--flush-mib") { Description = "Streams: MiB of records that make a shard flush (default 64)." };
    public static readonly Option<double?> LeaseDuration = new("--lease-duration") { Description = "Streams: seconds without renewal after which another worker takes a lease over (default 10)." };
    public static readonly Option<string?> Endpoint = new("--endpoint") { Description = "s3:// and sqs:// sources, s3:// lakes: endpoint of an S3-compatible server (path-style addressing)." };
    public static readonly Option<string?> Region = new("--region") { Description = "s3:// sources: the bucket's region (default AWS_REGION, then us-east-1)." };
    public static readonly Option<string?> Accounts = new("--accounts") { Description = "s3:// sources: only these accounts' folders (comma-separated)." };
    public static readonly Option<string?> Regions = new("--regions") { Description = "s3:// sources: only these regions' folders (comma-separated)." };
    public static readonly Option<double?> Visibility = new("--visibility") { Description = "sqs://: seconds a received message stays hidden from other workers, extended while its objects are in flight (default 300)." };
    public static readonly Option<int?> Receivers = new("--receivers") { Description = "sqs://: receive loops in this process (default 2)." };
    public static readonly Option<string?> WorkerId = new("--worker-id") { Description = "Streams: this worker's name in the lease table (default host-pid-random); sqs://: in its staging folders (default the host name; one per process on a host)." };

    public static Command Create()
    {
        var command = new Command("ingest", "Read CloudTrail from files into the tls_events Parquet lake; exits when the input is done.")
        {
            Source, Lake, Staging, From, To, Parallelism, MemoryBudget, MaxDocumentMiB, MaxLineMiB, Compression, Verbose,
            Start, LeaseTable, DynamoDbEndpoint, UntilIdle, FlushAge, FlushMiB, LeaseDuration, WorkerId, Endpoint, Region, Accounts, Regions, Visibility, Receivers,
        };
        command.SetAction((result, ct) => CliErrors.Run(() => RunAsync(result, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        // A run that fails leaves no lake folder behind that it made (a first run with bad credentials, say).
        var lake = parse.GetValue(Lake)!;
        var made = !lake.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(lake);
        try
        {
            return await RunOnceAsync(parse, ct).ConfigureAwait(false);
        }
        catch (Exception) when (made)
        {
            RemoveIfOnlyOurs(lake);
            throw;
        }
    }

    /// <summary>Removes a lake folder that holds nothing but this run's lock and empty folders.</summary>
    private static void RemoveIfOnlyOurs(string lake)
    {
        try
        {
            if (Directory.Exists(lake) && Directory.EnumerateFiles(lake, "*", SearchOption.AllDirectories).All(f => Path.GetFileName(f) == "ingest.lock"))
            {
                Directory.Delete(lake, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left as it is: the error the user sees is the run's, not this.
        }
    }

    private static async Task<int> RunOnceAsync(ParseResult parse, CancellationToken ct)
    {
        var options = new IngestOptions();
        if (parse.GetValue(Parallelism) is { } p)
        {
            options.Parallelism = InRange(p, 1, 256, "--parallelism");
        }

        if (parse.GetValue(MemoryBudget) is { } m)
        {
            options.MemoryBudgetMiB = InRange(m, 16, 1024 * 1024, "--memory-budget-mib");
        }

        if (parse.GetValue(MaxDocumentMiB) is { } doc)
        {
            options.MaxDocumentMiB = InRange(doc, 1, 2047, "--max-document-mib");
        }

        if (parse.GetValue(MaxLineMiB) is { } line)
        {
            options.MaxLineMiB = InRange(line, 1, 2047, "--max-line-mib");
        }

        if (parse.GetValue(Compression) is { } c)
        {
            options.Compression = c.ToLowerInvariant() switch
            {
                "snappy" => ParquetCodec.Snappy,
                "zstd" => ParquetCodec.Zstd,
                "none" => ParquetCodec.None,
                _ => throw new UsageException($"--compression '{Summary.Sanitize(c)}' is not a codec: snappy, zstd or none"),
            };
        }

        Validate(options);
        var source = parse.GetValue(Source)!;
        if (source.StartsWith("kinesis://", StringComparison.OrdinalIgnoreCase))
        {
            return await StreamCommand.RunKinesisAsync(parse, source, options, ct).ConfigureAwait(false);
        }

        if (source.StartsWith("kafka://", StringComparison.OrdinalIgnoreCase))
        {
            return await StreamCommand.RunKafkaAsync(parse, source, options, ct).ConfigureAwait(false);
        }

        if (source.StartsWith("sqs://", StringComparison.OrdinalIgnoreCase))
        {
            return await StreamCommand.RunSqsAsync(parse, source, options, ct).ConfigureAwait(false);
        }

        foreach (var flag in new Option[] { Visibility, Receivers, UntilIdle, FlushAge, FlushMiB, Start, LeaseTable, DynamoDbEndpoint, LeaseDuration, WorkerId })
        {
            if (parse.GetResult(flag) is not null)
            {
                throw new UsageException($"{flag.Name} applies to stream sources (kinesis://, kafka://, sqs://), not to {Summary.Sanitize(source)}");
            }
        }

        // Before the lake (a folder and its lock) is made: a run that cannot start leaves nothing behind.
        if (!source.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) && !File.Exists(source) && !Directory.Exists(source))
        {
            throw new UsageException($"--source {Summary.Sanitize(source)} does not exist (a file, a folder, s3://, kinesis://, kafka:// or sqs://)");
        }

        var request = new IngestRequest(parse.GetValue(Source)!, parse.GetValue(Lake)!, ParseDate(parse.GetValue(From), "--from"), ParseDate(parse.GetValue(To), "--to"));

        // The lake as the worker composes it (a folder, or S3 with its own client); the S3 source reads with a client of its own.
        using var loggers = CliLogging.Create(parse.GetValue(Verbose));
        using var services = StreamCommand.Compose(parse, loggers, options, _ => { });
        var target = StreamCommand.Resolve<Pipeline.Lake.ILakeSink>(services);
        using var s3 = source.StartsWith("s3://", StringComparison.OrdinalIgnoreCase)
            ? Pipeline.S3.S3Clients.Create(parse.GetValue(Region), StreamCommand.Endpoint(parse))
            : null;
        Pipeline.Sources.IArchiveStore? store;
        try
        {
            store = s3 is null ? null : new Pipeline.S3.S3ArchiveStore(s3, Pipeline.S3.S3ArchiveLocation.Parse(source, List(parse.GetValue(Accounts)), List(parse.GetValue(Regions))));
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }

        var result = await Ingest(request, options, parse.GetValue(Verbose), ct, store, target, services.GetRequiredService<Pipeline.Buffers.MemoryBudget>()).ConfigureAwait(false);
        Summary.Print(System.Console.Error, result, request.Lake);
        if (!result.Complete)
        {
            var first = result.Unreadable[0];
            await System.Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"pipeline: error: {result.Unreadable.Count} input(s) could not be read and were not checkpointed; run again once they are readable (first: {Summary.Sanitize(first.Input)}: {Summary.Sanitize(first.Reason)})")).ConfigureAwait(false);
            return 1;
        }

        return 0;
    }

    /// <summary>Runs an ingest with progress on stderr; shared by <c>ingest</c> and <c>demo</c>.</summary>
    public static async Task<IngestResult> Ingest(
        IngestRequest request, IngestOptions options, bool verbose, CancellationToken ct, Pipeline.Sources.IArchiveStore? store = null, Pipeline.Lake.ILakeSink? target = null,
        Pipeline.Buffers.MemoryBudget? budget = null)
    {
        using var loggerFactory = CliLogging.Create(verbose);
        var job = new ArchiveIngest(options, TimeProvider.System, loggerFactory.CreateLogger<ArchiveIngest>(), budget);
        using var progress = new ProgressDisplay(job.Stats, System.Console.Error, TimeProvider.System);
        using var metrics = CliMetrics.Start(job.Stats);
        var result = await job.RunAsync(request, ct, store, target).ConfigureAwait(false);
        progress.Finish();
        return result;
    }

    private static HashSet<string>? List(string? text) =>
        text is null ? null : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static int InRange(int value, int min, int max, string flag) =>
        value >= min && value <= max
            ? value
            : throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{flag} must be {min}..{max} (got {value})"));

    public static void Validate(IngestOptions options)
    {
        var outcome = new IngestOptionsValidator().Validate(null, options);
        if (outcome.Failed)
        {
            throw new UsageException(outcome.FailureMessage);
        }
    }

    public static DateOnly? ParseDate(string? text, string flag)
    {
        if (text is null)
        {
            return null;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new UsageException($"{flag} '{text}' is not a date (YYYY-MM-DD)");
    }
}
