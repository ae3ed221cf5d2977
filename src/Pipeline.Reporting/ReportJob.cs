using System.Text;
using Pipeline.Reporting.Model;
using Pipeline.Reporting.Owners;
using Pipeline.Reporting.Queries;
using Pipeline.Reporting.Render;
using Pipeline.Reporting.Rules;
using Pipeline.Reporting.Weeks;

namespace Pipeline.Reporting;

/// <summary>What to report.</summary>
/// <param name="Lake">The lake's root folder.</param>
/// <param name="Week">The ISO week reported.</param>
/// <param name="Out">Where <c>&lt;week&gt;/</c> is written.</param>
/// <param name="WeeksBack">Earlier weeks for statuses and trends.</param>
/// <param name="OwnersFile">Owners JSON or CSV, or null.</param>
/// <param name="RulesFile">Extra client rules, or null.</param>
/// <param name="ResolveAfterWeeks">Complete, covered weeks a client must be absent before it is resolved.</param>
/// <param name="Now">When the report runs (a week not over by then is partial); null: the system clock.</param>
public sealed record ReportRequest(string Lake, IsoWeek Week, string Out, int WeeksBack = 8, string? OwnersFile = null, string? RulesFile = null,
    int ResolveAfterWeeks = ReportRequest.DefaultResolveAfterWeeks, DateTimeOffset? Now = null)
{
    /// <summary>
    /// Four weeks: AWS warns that connections less frequent than monthly may go undetected, and a monthly job is
    /// absent for up to four weeks between runs.
    /// </summary>
    public const int DefaultResolveAfterWeeks = 4;

    /// <summary>The first day the report reads: Monday of the earliest week.</summary>
    public DateOnly From => Week.AddWeeks(-WeeksBack).Monday;

    /// <summary>The last day the report reads: Sunday of the reported week.</summary>
    public DateOnly To => Week.Sunday;
}

/// <summary>The reducer: reads the lake (never the sources) and writes the week's reports and tickets.</summary>
public static class ReportJob
{
    /// <summary>The SQL the report runs, bound to the request (for Athena users: <c>--print-sql</c>).</summary>
    public static string PrintSql(ReportRequest request)
    {
        var p = Parameters(request, Owners(request));
        var sb = new StringBuilder();
        foreach (var name in ReportSql.Names)
        {
            sb.Append("-- ").Append(name).Append(".sql\n").Append(ReportSql.Compose(name, p)).Append(";\n\n");
        }

        return sb.ToString();
    }

    /// <summary>Runs the report on embedded DuckDB over the local lake folder <see cref="ReportRequest.Lake"/>.</summary>
    public static async Task<OrgReport> RunAsync(ReportRequest request, Action<string>? progress = null, CancellationToken ct = default)
    {
        using var lake = new DuckDbLake(request.Lake);
        return await RunAsync(request, lake, progress, ct).ConfigureAwait(false);
    }

    /// <summary>Runs the report's queries on <paramref name="lake"/>'s engine, then builds and writes the week's outputs.</summary>
    public static async Task<OrgReport> RunAsync(ReportRequest request, IReportLake lake, Action<string>? progress = null, CancellationToken ct = default)
    {
        var owners = Owners(request);
        var rules = Rules(request);
        var p = Parameters(request, owners);
        var window = await lake.DescribeWindowAsync(p, ct).ConfigureAwait(false);
        progress?.Invoke($"querying {request.Lake} with {lake.Describe} for {request.Week.AddWeeks(-request.WeeksBack)} … {request.Week}{(window is null ? "" : ": " + window)}");
        var coverage = await lake.CoverageAsync(p, ct).ConfigureAwait(false);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        string Took() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:N1} s");
        var weeks = await lake.AccountWeeksAsync(p, ct).ConfigureAwait(false);
        progress?.Invoke(lake.Note is { } slower ? $"accounts done in {Took()} ({slower}); clients …" : $"accounts done in {Took()}; clients …");
        started = System.Diagnostics.Stopwatch.GetTimestamp();
        var calls = await lake.OffendersAsync(p, ct).ConfigureAwait(false);
        progress?.Invoke($"clients done in {Took()}; their user agents, sources and sessions …");
        started = System.Diagnostics.Stopwatch.GetTimestamp();
        var facets = await lake.ClientFacetsAsync(p, ct).ConfigureAwait(false);
        progress?.Invoke($"done in {Took()}");
        var org = ReportBuilder.Build(request.Week, request.WeeksBack, request.ResolveAfterWeeks, new WindowRows(weeks, calls, facets, coverage),
            request.Now ?? TimeProvider.System.GetUtcNow(), owners, rules);

        if (org.CoverageNote is { } note)
        {
            progress?.Invoke("warning: " + note);
        }

        var dir = Path.Combine(request.Out, request.Week.ToString());
        progress?.Invoke($"writing {dir}");
        Directory.CreateDirectory(Path.Combine(dir, "accounts"));
        File.WriteAllText(Path.Combine(dir, "tickets.json"), OrgOutputs.TicketsJson(org));
        File.WriteAllText(Path.Combine(dir, "tickets.csv"), OrgOutputs.TicketsCsv(org));
        File.WriteAllText(Path.Combine(dir, "summary.csv"), OrgOutputs.SummaryCsv(org));
        File.WriteAllText(Path.Combine(dir, "index.html"), OrgOutputs.IndexHtml(org));
        foreach (var account in org.Accounts)
        {
            File.WriteAllText(Path.Combine(dir, "accounts", account.Owner.AccountId + ".md"), AccountPages.Markdown(account));
            File.WriteAllText(Path.Combine(dir, "accounts", account.Owner.AccountId + ".html"), AccountPages.Html(account));
            File.WriteAllText(Path.Combine(dir, "accounts", AccountPages.ClientsCsvName(account)), AccountPages.ClientsCsv(account));
        }

        return org;
    }

    private static OwnerDirectory Owners(ReportRequest request)
    {
        try
        {
            return request.OwnersFile is null ? OwnerDirectory.Empty : OwnerDirectory.Load(request.OwnersFile);
        }
        catch (FormatException e)
        {
            throw new ReportException(e.Message, e);
        }
    }

    private static ClientRules Rules(ReportRequest request)
    {
        try
        {
            return ClientRules.Load(request.RulesFile);
        }
        catch (FormatException e)
        {
            throw new ReportException(e.Message, e);
        }
    }

    private static SqlParameters Parameters(ReportRequest request, OwnerDirectory owners) =>
        new(request.From, request.To, owners.All.Select(o => o.AccountId).ToList());
}
