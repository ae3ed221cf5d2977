using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Cli.Console;
using Pipeline.Ingest;
using Pipeline.Parquet;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline ingest --source PATH --lake DIR</c>.</summary>
internal static class IngestCommand
{
    public static readonly Option<string> Source = new("--source") { Description = "A file or directory tree: an org trail's S3 archive copy, NDJSON, EventBridge or CloudWatch Logs captures (gzip or plain).", Required = true };
    public static readonly Option<string> Lake = new("--lake") { Description = "The lake's root folder (created if missing).", Required = true };
    public static readonly Option<string?> From = new("--from") { Description = "First UTC event date to keep (YYYY-MM-DD)." };
    public static readonly Option<string?> To = new("--to") { Description = "Last UTC event date to keep (YYYY-MM-DD)." };
    public static readonly Option<int?> Parallelism = new("--parallelism") { Description = "Batches read at once (default: cores)." };
    public static readonly Option<int?> MemoryBudget = new("--memory-budget-mib") { Description = $"Memory for buffered rows (default {IngestOptions.DefaultMemoryBudgetMiB})." };
    public static readonly Option<ParquetCodec?> Compression = new("--compression") { Description = "snappy (default), zstd or none." };
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Log each batch." };

    public static Command Create()
    {
        var command = new Command("ingest", "Read CloudTrail from files into the tls_events Parquet lake; exits when the input is done.")
        {
            Source, Lake, From, To, Parallelism, MemoryBudget, Compression, Verbose,
        };
        command.SetAction((result, ct) => CliErrors.Run(() => RunAsync(result, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var options = new IngestOptions();
        if (parse.GetValue(Parallelism) is { } p)
        {
            options.Parallelism = p;
        }

        if (parse.GetValue(MemoryBudget) is { } m)
        {
            options.MemoryBudgetMiB = m;
        }

        if (parse.GetValue(Compression) is { } c)
        {
            options.Compression = c;
        }

        Validate(options);
        var request = new IngestRequest(parse.GetValue(Source)!, parse.GetValue(Lake)!, ParseDate(parse.GetValue(From), "--from"), ParseDate(parse.GetValue(To), "--to"));
        var result = await Ingest(request, options, parse.GetValue(Verbose), ct).ConfigureAwait(false);
        Summary.Print(System.Console.Error, result, request.Lake);
        return 0;
    }

    /// <summary>Runs an ingest with progress on stderr; shared by <c>ingest</c> and <c>demo</c>.</summary>
    public static async Task<IngestResult> Ingest(IngestRequest request, IngestOptions options, bool verbose, CancellationToken ct)
    {
        using var loggerFactory = CliLogging.Create(verbose);
        var job = new ArchiveIngest(options, TimeProvider.System, loggerFactory.CreateLogger<ArchiveIngest>());
        using var progress = new ProgressDisplay(job.Stats, System.Console.Error, TimeProvider.System);
        var result = await job.RunAsync(request, ct).ConfigureAwait(false);
        progress.Finish();
        return result;
    }

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
