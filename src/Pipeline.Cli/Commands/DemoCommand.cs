using System.CommandLine;
using System.Globalization;
using Pipeline.Cli.Console;
using Pipeline.Demo;
using Pipeline.Ingest;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline demo</c>: writes a synthetic organization archive, ingests it and says what to open.</summary>
internal static class DemoCommand
{
    private const string Marker = ".pipeline-demo";
    private static readonly Option<string> Out = new("--out") { Description = "Folder for the archive and the lake.", DefaultValueFactory = _ => "demo-out" };
    private static readonly Option<int> Accounts = new("--accounts") { Description = "Member accounts.", DefaultValueFactory = _ => 36 };
    private static readonly Option<int> Days = new("--days") { Description = "Days of events, ending on the last complete ISO week's Sunday.", DefaultValueFactory = _ => 28 };
    private static readonly Option<int> EventsPerDay = new("--events-per-account-day") { Description = "Average events per account and day.", DefaultValueFactory = _ => 150 };

    public static Command Create()
    {
        var command = new Command("demo", "Write a realistic synthetic organization archive (legacy-TLS clients included), ingest it, and print what to open.")
        {
            Out, Accounts, Days, EventsPerDay,
        };
        command.SetAction((result, ct) => CliErrors.Run(() => RunAsync(result, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var outDir = Path.GetFullPath(parse.GetValue(Out)!);
        var accounts = parse.GetValue(Accounts);
        var days = parse.GetValue(Days);
        var perDay = parse.GetValue(EventsPerDay);
        if (accounts is < 1 or > 5000 || days is < 1 or > 3660 || perDay is < 1 or > 1_000_000)
        {
            throw new UsageException("--accounts must be 1..5000, --days 1..3660, --events-per-account-day 1..1000000");
        }

        PrepareOutput(outDir);
        var archive = Path.Combine(outDir, "archive");
        var lake = Path.Combine(outDir, "lake");
        var now = TimeProvider.System.GetUtcNow();
        var lastDay = LastCompleteWeekSunday(now);
        var stderr = System.Console.Error;
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Writing a synthetic organization: {accounts} accounts, {days} days to {lastDay:yyyy-MM-dd}, ~{perDay} events per account and day …")).ConfigureAwait(false);
        var truth = DemoArchiveWriter.Write(archive, new DemoShape(accounts, days, perDay, lastDay));
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  {truth.Files:N0} files, {Units.Bytes(truth.Bytes)}, {truth.DistinctEvents:N0} events ({truth.LegacyEvents:N0} over TLS 1.0/1.1, {truth.UnknownTlsEvents:N0} without tlsDetails)")).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(outDir, "accounts.csv"),
            "account_id,name,owner_email,team\n" + string.Concat(truth.Accounts.Select(a => $"{a.Id},{a.Name},{a.Email},{a.Name.Split('-')[0]}\n")), ct).ConfigureAwait(false);

        var request = new IngestRequest(archive, lake);
        var result = await IngestCommand.Ingest(request, new IngestOptions(), verbose: false, ct).ConfigureAwait(false);
        Summary.Print(stderr, result, lake);

        var reports = Path.Combine(outDir, "reports");
        var week = Pipeline.Reporting.Weeks.IsoWeek.Of(lastDay);
        var weeksBack = Math.Max(1, Math.Min(8, (days / 7) - 1));
        await ReportCommand.ExecuteAsync(new Pipeline.Reporting.ReportRequest(lake, week, reports, weeksBack, Path.Combine(outDir, "accounts.csv"),
            ResolveAfterWeeks: Math.Min(Pipeline.Reporting.ReportRequest.DefaultResolveAfterWeeks, weeksBack), Now: now), null, ct).ConfigureAwait(false);

        var stdout = System.Console.Out;
        await stdout.WriteLineAsync().ConfigureAwait(false);
        await stdout.WriteLineAsync($"Report:   {Path.Combine(reports, week.ToString(), "index.html")}   (open in a browser; tickets.json / tickets.csv beside it)").ConfigureAwait(false);
        await stdout.WriteLineAsync($"Archive:  {archive}").ConfigureAwait(false);
        await stdout.WriteLineAsync($"Lake:     {Path.Combine(lake, "tls_events")}   (Hive-partitioned Parquet: event_date=…/account_id=…)").ConfigureAwait(false);
        await stdout.WriteLineAsync($"Rejects:  {Path.Combine(lake, "_rejects")}   (the demo's deliberately broken inputs, each with its reason)").ConfigureAwait(false);
        await stdout.WriteLineAsync($"Owners:   {Path.Combine(outDir, "accounts.csv")}").ConfigureAwait(false);
        await stdout.WriteLineAsync("Query it, e.g. with DuckDB:").ConfigureAwait(false);
        await stdout.WriteLineAsync($"  SELECT account_id, tls_version, count(*) FROM read_parquet('{Path.Combine(lake, "tls_events")}/*/*/*.parquet', hive_partitioning=true) GROUP BY ALL ORDER BY ALL;").ConfigureAwait(false);
        return 0;
    }

    /// <summary>The demo owns its folder: it clears an earlier demo there, and refuses a folder that is something else.</summary>
    private static void PrepareOutput(string outDir)
    {
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
        {
            if (!File.Exists(Path.Combine(outDir, Marker)))
            {
                throw new UsageException($"--out {outDir} exists, is not empty and was not made by 'pipeline demo'; choose another folder");
            }

            foreach (var sub in new[] { "archive", "lake", "reports" })
            {
                var path = Path.Combine(outDir, sub);
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }
        }

        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, Marker), "made by pipeline demo\n");
    }

    /// <summary>Sunday of the last ISO week (Monday–Sunday, UTC) that has ended.</summary>
    internal static DateOnly LastCompleteWeekSunday(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var sinceMonday = ((int)today.DayOfWeek + 6) % 7;
        return today.AddDays(-sinceMonday - 1);
    }
}
