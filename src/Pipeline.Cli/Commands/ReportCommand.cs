using System.CommandLine;
using System.Globalization;
using Pipeline.Reporting;
using Pipeline.Reporting.Model;
using Pipeline.Reporting.Queries;
using Pipeline.Reporting.Weeks;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline report --lake DIR --week 2026-W47 --out DIR</c>.</summary>
internal static class ReportCommand
{
    private static readonly Option<string> Lake = new("--lake") { Description = "The lake's root folder, or s3://BUCKET/PREFIX (the window's days are downloaded first).", Required = true };
    private static readonly Option<string?> Week = new("--week") { Description = "ISO week, e.g. 2026-W47 (Monday–Sunday, UTC); default: the last complete week." };
    private static readonly Option<string> Out = new("--out") { Description = "Folder (or s3://BUCKET/PREFIX) for <week>/ with tickets, account pages and the summary.", DefaultValueFactory = _ => "reports" };
    private static readonly Option<string?> Endpoint = new("--endpoint") { Description = "s3:// lake or output: endpoint of an S3-compatible server; with --engine athena, the Athena endpoint." };
    private static readonly Option<int> WeeksBack = new("--weeks-back") { Description = "Earlier weeks for statuses and trends.", DefaultValueFactory = _ => 8 };
    private static readonly Option<int> ResolveAfter = new("--resolve-after-weeks")
    {
        Description = "Complete weeks, covered by the lake every day, a client must go without legacy calls before it is resolved (AWS: connections less frequent than monthly may go undetected).",
        DefaultValueFactory = _ => ReportRequest.DefaultResolveAfterWeeks,
    };
    private static readonly Option<string?> OwnersFile = new("--owners") { Description = "Account names and owners: `aws organizations list-accounts` JSON, or CSV account_id,name,owner_email,team." };
    private static readonly Option<string?> Rules = new("--rules") { Description = "Extra client rules (JSON like the built-in client-rules.json; tried first)." };
    private static readonly Option<string> Engine = new("--engine")
    {
        Description = "Query engine: duckdb (embedded; an s3:// lake's window is downloaded first) or athena (the queries run on Athena over the s3:// lake; nothing is downloaded).",
        DefaultValueFactory = _ => "duckdb",
    };
    private static readonly AthenaFlags AthenaSettings = new();
    private static readonly Option<bool> PrintSql = new("--print-sql") { Description = "Print the SQL with the parameters bound (runs on Athena as is) and exit." };

    public static Command Create()
    {
        var command = new Command("report", "Weekly per-account remediation reports and tickets from the lake.")
        {
            Lake, Week, Out, Endpoint, WeeksBack, ResolveAfter, OwnersFile, Rules, Engine, PrintSql,
        };
        AthenaSettings.AddTo(command);
        command.SetAction((result, ct) => CliErrors.Run(() => RunAsync(result, ct)));
        return command;
    }

    public static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var request = Request(parse);
        if (parse.GetValue(PrintSql))
        {
            System.Console.Out.Write(ReportJob.PrintSql(request));
            return 0;
        }

        if (parse.GetValue(Engine) == "athena")
        {
            return await RunOnAthenaAsync(parse, request, ct).ConfigureAwait(false);
        }

        if (request.Lake.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            var local = Path.Combine(Path.GetTempPath(), "pipeline-report-lake-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                await DownloadAsync(parse, request, local, ct).ConfigureAwait(false);
                return await RunAsync(parse, request with { Lake = local }, ct).ConfigureAwait(false);
            }
            finally
            {
                if (Directory.Exists(local))
                {
                    Directory.Delete(local, recursive: true);
                }
            }
        }

        if (!Directory.Exists(request.Lake))
        {
            throw new UsageException($"lake does not exist: {request.Lake}");
        }

        return await RunAsync(parse, request, ct).ConfigureAwait(false);
    }

    /// <summary>Copies the window's days of an S3 lake into <paramref name="local"/>; the report then reads that copy.</summary>
    private static async Task DownloadAsync(ParseResult parse, ReportRequest request, string local, CancellationToken ct)
    {
        Uri? endpoint = parse.GetValue(Endpoint) is { } ep ? new Uri(ep) : null;
        using var s3 = Pipeline.S3.S3Clients.Create(null, endpoint);
        System.Console.Error.WriteLine($"report: listing {request.Lake} from {request.From:yyyy-MM-dd} to {request.To:yyyy-MM-dd} …");
        Pipeline.S3.LakeDownload got;
        try
        {
            got = await Pipeline.S3.S3LakeDownload.WindowAsync(s3, request.Lake, request.From, request.To, local, ct, listed: total => System.Console.Error.WriteLine(
                string.Create(CultureInfo.InvariantCulture, $"report: fetching {total.Objects:N0} objects, {total.Bytes / 1048576.0:N1} MiB …"))).ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }

        if (got.Objects == 0)
        {
            throw new UsageException($"no tls_events data in lake {request.Lake} from {request.From:yyyy-MM-dd} to {request.To:yyyy-MM-dd} (run `pipeline ingest` first, or check --week)");
        }

    }

    /// <summary>The report on Athena: the same queries run there, the rows rendered here.</summary>
    private static async Task<int> RunOnAthenaAsync(ParseResult parse, ReportRequest request, CancellationToken ct)
    {
        if (!request.Lake.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--engine athena reads a lake in S3: --lake s3://BUCKET/PREFIX, not {request.Lake}");
        }

        var options = AthenaSettings.Options(parse);
        using var client = AthenaSettings.Client(parse, parse.GetValue(Endpoint));
        var progress = (string line) => System.Console.Error.WriteLine("report: " + line);
        using var lake = new Pipeline.Athena.AthenaLake(new Pipeline.Athena.AthenaQueries(client, options, TimeProvider.System, progress), options);
        return await RunAsync(parse, request, lake, ct).ConfigureAwait(false);
    }

    private static Task<int> RunAsync(ParseResult parse, ReportRequest request, CancellationToken ct) => RunAsync(parse, request, null, ct);

    private static async Task<int> RunAsync(ParseResult parse, ReportRequest request, IReportLake? engine, CancellationToken ct)
    {
        if (request.Out.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            // Written locally, then uploaded: each object is whole when it appears.
            var destination = request.Out.TrimEnd('/');
            var local = Path.Combine(Path.GetTempPath(), "pipeline-report-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                var org0 = await ExecuteAsync(request with { Out = local }, engine, ct).ConfigureAwait(false);
                Uri? endpoint = engine is null ? (parse.GetValue(Endpoint) is { } ep ? new Uri(ep) : null) : AthenaSettings.S3(parse);
                using var s3 = Pipeline.S3.S3Clients.Create(null, endpoint);
                var count = await Pipeline.S3.S3Upload.DirectoryAsync(s3, local, destination, ct).ConfigureAwait(false);
                System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"uploaded {count} files to {destination}/{request.Week}/"));
                System.Console.Out.WriteLine($"{destination}/{request.Week}/index.html");
                return org0 is null ? 1 : 0;
            }
            finally
            {
                if (Directory.Exists(local))
                {
                    Directory.Delete(local, recursive: true);
                }
            }
        }

        var org = await ExecuteAsync(request, engine, ct).ConfigureAwait(false);
        System.Console.Out.WriteLine(Path.GetFullPath(Path.Combine(request.Out, request.Week.ToString(), "index.html")));
        return org is null ? 1 : 0;
    }

    /// <summary>Runs a report with progress on stderr (on DuckDB over the local lake unless an engine is given); shared with the demo.</summary>
    public static async Task<OrgReport> ExecuteAsync(ReportRequest request, IReportLake? engine, CancellationToken ct)
    {
        void Progress(string line) => System.Console.Error.WriteLine("report: " + line);
        try
        {
            var org = engine is null
                ? await ReportJob.RunAsync(request, Progress, ct).ConfigureAwait(false)
                : await ReportJob.RunAsync(request, engine, Progress, ct).ConfigureAwait(false);
            if (engine is Pipeline.Athena.AthenaLake athena)
            {
                Progress(athena.Summary);
            }

            var tickets = org.Accounts.Count(a => a.NeedsTicket);
            System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Report {request.Week}: {org.Accounts.Count} accounts, {org.Accounts.Count(a => a.IsOpen)} needing action ({org.Accounts.Sum(a => a.LegacyCalls):N0} legacy calls this week, {org.Accounts.Sum(a => a.Active.Count())} open clients), {tickets} tickets"));
            return org;
        }
        catch (ReportException e)
        {
            throw new UsageException(e.Message);
        }
        catch (Pipeline.Athena.Client.AthenaQueryException e)
        {
            throw new UsageException(e.Message);
        }
        catch (Pipeline.Athena.Client.AthenaException e)
        {
            throw new UsageException(AthenaFlags.Describe(e));
        }
    }

    /// <summary>A local --out must be a folder (or not exist yet): checked before any query runs.</summary>
    private static void CheckOut(string output, IsoWeek week)
    {
        if (output.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        for (var dir = Path.GetFullPath(output); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
            {
                throw new UsageException(dir == Path.GetFullPath(output)
                    ? $"--out {output} is a file: give a folder ({week}/ is written inside it)"
                    : $"--out {output} cannot be made: {dir} is a file");
            }

            if (Directory.Exists(dir))
            {
                return;
            }
        }
    }

    private static ReportRequest Request(ParseResult parse)
    {
        var now = TimeProvider.System.GetUtcNow();
        var engine = parse.GetValue(Engine);
        if (engine is not ("duckdb" or "athena"))
        {
            throw new UsageException($"--engine {engine} is not an engine: duckdb (embedded) or athena");
        }

        if (engine == "duckdb")
        {
            if (AthenaSettings.FirstGiven(parse) is { } athenaOnly)
            {
                throw new UsageException($"{athenaOnly.Name} is for --engine athena");
            }
        }

        IsoWeek week;
        if (parse.GetValue(Week) is { } text)
        {
            if (!IsoWeek.TryParse(text, out week))
            {
                throw new UsageException($"--week '{text}' is not an ISO week from 2000-W01 to 9998-W52 (e.g. 2026-W47)");
            }
        }
        else
        {
            week = IsoWeek.LastComplete(now);
        }

        var back = parse.GetValue(WeeksBack);
        if (back is < 1 or > 104)
        {
            throw new UsageException("--weeks-back must be 1..104");
        }

        var resolveAfter = parse.GetValue(ResolveAfter);
        if (parse.GetResult(ResolveAfter) is null or { Implicit: true } && resolveAfter > back)
        {
            // A short window: resolution within it, said out loud.
            System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"report: note: clients are resolved after {back} quiet {(back == 1 ? "week" : "weeks")}, the --weeks-back window (the default is {resolveAfter}: pass --weeks-back {resolveAfter} or more)"));
            resolveAfter = back;
        }

        if (resolveAfter < 1 || resolveAfter > back)
        {
            throw new UsageException($"--resolve-after-weeks must be 1..{back} (the --weeks-back window): a client is resolved only after that many quiet weeks inside the window");
        }

        CheckOut(parse.GetValue(Out)!, week);
        return new ReportRequest(parse.GetValue(Lake)!, week, parse.GetValue(Out)!, back, parse.GetValue(OwnersFile), parse.GetValue(Rules), resolveAfter, now);
    }
}
