using Pipeline.Reporting.Owners;
using Pipeline.Reporting.Rules;
using Pipeline.Reporting.Weeks;

namespace Pipeline.Reporting.Model;

/// <summary>Where a client stands against earlier weeks.</summary>
public enum OffenderStatus
{
    /// <summary>Legacy calls this week, none in the earlier weeks of the window.</summary>
    New,

    /// <summary>Legacy calls this week and in an earlier week.</summary>
    Ongoing,

    /// <summary>
    /// No legacy calls this week, but not yet absent for the required number of complete, covered weeks: still open,
    /// "not seen since". Infrequent jobs (monthly, quarterly) and weeks the lake lacks land here, never in resolved.
    /// </summary>
    NotSeen,

    /// <summary>Absent for at least the required number of complete weeks the lake covers for all the accounts it called.</summary>
    Resolved,
}

/// <summary>One client (a workload) that called AWS over SSL 3.0 or TLS 1.0/1.1, as reported for an account.</summary>
/// <param name="Latest">Its row for the report week, or for the last week it made legacy calls.</param>
/// <param name="Status">Where it stands against earlier weeks.</param>
/// <param name="FirstSeen">Its first legacy call in the window.</param>
/// <param name="TopEventNames">Its most frequent legacy calls.</param>
/// <param name="SampleEventIds">Event IDs to look up in CloudTrail.</param>
/// <param name="Classification">What its most frequent user agent says, and what to do.</param>
/// <param name="Facets">Its user agents, sources and sessions in <see cref="Latest"/>'s week.</param>
/// <param name="QuietWeeks">Complete, covered weeks since its last legacy call (0 while it calls).</param>
/// <param name="ResolvedThisWeek">Resolved by this week's report: it was open in last week's.</param>
/// <param name="ReturnedAfterWeeks">When it calls again after a quiet spell long enough to have been resolved, how many weeks.</param>
public sealed record Offender(
    OffenderWeek Latest,
    OffenderStatus Status,
    DateTime FirstSeen,
    IReadOnlyList<(string Name, long Calls)> TopEventNames,
    IReadOnlyList<string> SampleEventIds,
    ClientClass Classification,
    ClientFacets Facets,
    int QuietWeeks = 0,
    bool ResolvedThisWeek = false,
    int? ReturnedAfterWeeks = null)
{
    public Fingerprint Client => Latest.Client;

    public long LegacyCalls => Latest.LegacyCalls;

    public DateTime LastSeen => Latest.LastSeen;

    /// <summary>The most frequent user agent of its legacy calls (null when none was sent).</summary>
    public string? UserAgent => Facets.UserAgents.Count == 0 ? null : ClientFacets.UserAgent(Facets.UserAgents[0].Value);

    /// <summary>The most frequent source (VPC endpoint or IP address).</summary>
    public string Source => Facets.Sources.Count == 0 ? "(no source)" : Facets.Sources[0].Value;

    public IReadOnlyList<string> TlsVersions => Latest.Seen.TlsVersions;

    public IReadOnlyList<string> CipherSuites => Latest.Seen.CipherSuites;

    public IReadOnlyList<string> Endpoints => Latest.Seen.Endpoints;

    public IReadOnlyList<string> EventSources => Latest.Seen.EventSources;

    public IReadOnlyList<string> Regions => Latest.Seen.Regions;

    public IReadOnlyList<string> RecipientAccounts => Latest.Seen.RecipientAccounts;

    public DateOnly LastLegacyWeek => Latest.WeekStart;

    public bool IsOpen => Status != OffenderStatus.Resolved;

    public string StatusText => Status switch
    {
        OffenderStatus.NotSeen => "not seen since " + LastSeen.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        _ => Status.ToString().ToLowerInvariant(),
    };

    /// <summary>The status as one word, for CSV and JSON.</summary>
    public string StatusCode => Status switch
    {
        OffenderStatus.NotSeen => "not_seen",
        _ => Status.ToString().ToLowerInvariant(),
    };
}

/// <summary>A week of an account's trend: figures, or no data (left empty on the chart, never plotted as 0 %).</summary>
public sealed record TrendPoint(IsoWeek Week, long Legacy, long Tls, bool HasData)
{
    public double? Share => !HasData ? null : Tls == 0 ? 0 : (double)Legacy / Tls;
}

/// <summary>An account's week: figures, evidence, trend and clients.</summary>
public sealed record AccountReport(
    AccountOwner Owner,
    IsoWeek Week,
    AccountWeek Figures,
    WeekCoverage Coverage,
    IReadOnlyList<DateOnly> MissingDays,
    int ResolveAfterWeeks,
    IReadOnlyList<TrendPoint> Trend,
    IReadOnlyList<Offender> Offenders)
{
    public long Calls => Figures.Calls;

    public long LegacyCalls => Figures.LegacyCalls;

    public long TlsCalls => Figures.TlsCalls;

    public long UnknownCalls => Figures.UnknownCalls;

    public long UnrecognisedCalls => Figures.UnrecognisedCalls;

    /// <summary>Legacy calls as a share of the calls whose TLS version is known.</summary>
    public double LegacyShare => TlsCalls == 0 ? 0 : (double)LegacyCalls / TlsCalls;

    /// <summary>Clients still open: calling this week, or not absent long enough to be resolved.</summary>
    public IEnumerable<Offender> Active => Offenders.Where(o => o.IsOpen);

    public IEnumerable<Offender> Resolved => Offenders.Where(o => !o.IsOpen);

    /// <summary>Clients this week's report resolves: what a ticket reports as fixed.</summary>
    public IEnumerable<Offender> ResolvedSinceLastWeek => Resolved.Where(o => o.ResolvedThisWeek);

    public bool NeedsTicket => Active.Any() || ResolvedSinceLastWeek.Any();

    public bool IsOpen => Active.Any();

    /// <summary>Legacy calls of the open clients, each in its latest week: what the severity is judged on.</summary>
    public long OpenLegacyCalls => Active.Sum(o => o.LegacyCalls);

    /// <summary>
    /// High: 1,000 or more open legacy calls; Medium: 50 or more; Low: fewer, or clients not seen lately but not yet
    /// resolved; Info: nothing open (the ticket reports what was fixed and can be closed).
    /// </summary>
    public string Severity => !IsOpen ? "Info" : OpenLegacyCalls switch
    {
        >= 1000 => "High",
        >= 50 => "Medium",
        _ => "Low",
    };

    /// <summary>
    /// When the fix is due: from the week the earliest open client was first seen (so the date holds from week to
    /// week), sooner for more legacy traffic; null when nothing is open.
    /// </summary>
    public DateOnly? DueDate => !IsOpen ? null
        : IsoWeek.Of(DateOnly.FromDateTime(Active.Min(o => o.FirstSeen))).Sunday.AddDays(Severity switch { "High" => 14, "Medium" => 30, _ => 60 });

    /// <summary>One sentence on what the lake holds for this account's week, or null when it is covered.</summary>
    public string? CoverageNote => Coverage switch
    {
        WeekCoverage.NoData => $"No data for {Owner.AccountId} in {Week}: the lake has no records of this account for the week, so nothing is resolved and clients seen before stay open.",
        WeekCoverage.Gaps => $"No data for {Owner.AccountId} on {Model.Coverage.Describe(MissingDays)}: the week is not covered, so nothing is resolved by it.",
        WeekCoverage.Partial => $"{Week} is not over (partial week): the figures cover the days so far, and nothing is resolved by it.",
        _ => null,
    };
}

/// <summary>The whole organization's week.</summary>
public sealed record OrgReport(
    IsoWeek Week,
    int WeeksBack,
    int ResolveAfterWeeks,
    bool HasData,
    bool IsPartial,
    IReadOnlyList<DateOnly> EmptyDays,
    IReadOnlyList<AccountReport> Accounts,
    IReadOnlyList<(IsoWeek Week, long Legacy, long Tls, long Unknown, bool HasData)> Trend,
    IReadOnlyList<(string Family, long LegacyCalls, int Clients)> TopFamilies)
{
    /// <summary>One sentence on what the lake holds for the week across the organization, or null when it holds every day.</summary>
    public string? CoverageNote =>
        !HasData ? $"No data for {Week}: the lake has no records from {Week.Monday:yyyy-MM-dd} to {Week.Sunday:yyyy-MM-dd}. Nothing is resolved; clients seen before stay open. Check that ingest is running."
        : IsPartial ? $"{Week} is not over (partial week): figures cover the days so far, and nothing is resolved by it."
        : EmptyDays.Count > 0 ? $"No data from any account on {Coverage.Describe(EmptyDays)}: nothing is resolved by this week."
        : null;
}
