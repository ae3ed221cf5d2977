using System.CommandLine;
using System.Globalization;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.Parquet;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline compact --lake DIR --date DATE</c>: a day's partitions into few large files, duplicates dropped.</summary>
internal static class CompactCommand
{
    private static readonly Option<string> Lake = new("--lake") { Description = "The lake's root folder.", Required = true };
    private static readonly Option<string> Date = new("--date") { Description = "The UTC event date to compact (YYYY-MM-DD).", Required = true };
    private static readonly Option<int?> TargetMiB = new("--target-mib") { Description = "Target file size in MiB (default 128): a partition gets one file per this much data, at least one." };
    private static readonly Option<ParquetCodec?> Compression = new("--compression") { Description = "snappy (default), zstd or none." };
    private static readonly Option<string?> Endpoint = new("--endpoint") { Description = "s3:// lakes: endpoint of an S3-compatible server." };

    public static Command Create()
    {
        var command = new Command("compact", "Rewrite one day's partitions into few large files, dropping duplicate event IDs; safe while ingest runs.")
        {
            Lake, Date, TargetMiB, Compression, Endpoint,
        };
        command.SetAction((result, ct) => CliErrors.Run(() => RunAsync(result, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var lake = parse.GetValue(Lake)!;
        var date = IngestCommand.ParseDate(parse.GetValue(Date), "--date")!.Value;
        var target = parse.GetValue(TargetMiB) ?? 128;
        if (target is < 1 or > 64 * 1024)
        {
            throw new UsageException("--target-mib must be between 1 and 65536");
        }

        var settings = new ParquetSettings(parse.GetValue(Compression) ?? ParquetCodec.Snappy);
        CompactionResult result;
        if (lake.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            Uri? endpoint = parse.GetValue(Endpoint) is { } ep ? (Uri.TryCreate(ep, UriKind.Absolute, out var u) ? u : throw new UsageException($"--endpoint '{ep}' is not a URL")) : null;
            using var s3 = Pipeline.S3.S3Clients.Create(null, endpoint);
            result = await Pipeline.S3.S3Compaction.CompactAsync(s3, lake, date, settings, (long)target * 1024 * 1024, IngestOptions.DefaultMaxRowsPerFile * 5, ct).ConfigureAwait(false);
        }
        else if (!Directory.Exists(Path.Combine(lake, "tls_events")))
        {
            throw new UsageException($"no lake at {lake} (no tls_events/ folder)");
        }
        else
        {
            result = LakeCompaction.Compact(lake, date, settings, (long)target * 1024 * 1024, IngestOptions.DefaultMaxRowsPerFile * 5);
        }

        var inv = CultureInfo.InvariantCulture;
        System.Console.Error.WriteLine(string.Create(inv, $"Compacted {date:yyyy-MM-dd}: {result.Partitions} partitions ({result.PartitionsRewritten} rewritten), {result.FilesBefore} files -> {result.FilesAfter}, {result.RowsBefore:N0} rows -> {result.RowsAfter:N0} ({result.DuplicatesDropped:N0} duplicate event IDs dropped)"));
        return 0;
    }
}
