using Pipeline.Reporting.Owners;
using Pipeline.Reporting.Rules;
using Pipeline.Reporting.Weeks;

namespace Pipeline.Reporting.Model;

/// <summary>Where an offender stands against earlier weeks.</summary>
public enum OffenderStatus
{
    /// <summary>Legacy calls this week, none in the earlier weeks of the window.</summary>
    New,

    /// <summary>Legacy calls this week and in an earlier week.</summary>
    Ongoing,

    /// <summary>Legacy calls in an earlier week, none this week.</summary>
    Resolved,
}

/// <summary>One client that called AWS over TLS 1.0/1.1, as reported for an account.</summary>
/// <param name="Latest">Its row for the report week, or for the last week it made legacy calls (resolved).</param>
/// <param name="Status">Where it stands against earlier weeks.</param>
/// <param name="FirstSeen">Its first legacy call in the window.</param>
/// <param name="TopEventNames">Its most frequent legacy calls.</param>
/// <param name="SampleEventIds">Event IDs to look up in CloudTrail.</param>
/// <param name="Classification">What its user agent says, and what to do.</param>
public sealed record Offender(
    OffenderWeek Latest,
    OffenderStatus Status,
    DateTime FirstSeen,
    IReadOnlyList<(string Name, long Calls)> TopEventNames,
    IReadOnlyList<string> SampleEventIds,
    ClientClass Classification)
{
    public Fingerprint Client => Latest.Client;

    public long LegacyCalls => Latest.LegacyCalls;

    public DateTime LastSeen => Latest.LastSeen;

    public IReadOnlyList<string> TlsVersions => Latest.Seen.TlsVersions;

    public IReadOnlyList<string> CipherSuites => Latest.Seen.CipherSuites;

    public IReadOnlyList<string> Endpoints => Latest.Seen.Endpoints;

    public IReadOnlyList<string> EventSources => Latest.Seen.EventSources;

    public IReadOnlyList<string> Regions => Latest.Seen.Regions;

    public IReadOnlyList<string> RecipientAccounts => Latest.Seen.RecipientAccounts;

    public DateOnly LastLegacyWeek => Latest.WeekStart;
}

/// <summary>An account's week: figures, trend and clients.</summary>
public sealed record AccountReport(
    AccountOwner Owner,
    IsoWeek Week,
    long Calls,
    long LegacyCalls,
    long TlsCalls,
    long UnknownCalls,
    IReadOnlyList<(IsoWeek Week, long Legacy, long Tls)> Trend,
    IReadOnlyList<Offender> Offenders)
{
    /// <summary>Legacy calls as a share of the calls whose TLS version is known.</summary>
    public double LegacyShare => TlsCalls == 0 ? 0 : (double)LegacyCalls / TlsCalls;

    public IEnumerable<Offender> Active => Offenders.Where(o => o.Status != OffenderStatus.Resolved);

    public IEnumerable<Offender> Resolved => Offenders.Where(o => o.Status == OffenderStatus.Resolved);

    /// <summary>Offenders that called last week and no longer do: what a ticket reports as fixed.</summary>
    public IEnumerable<Offender> ResolvedSinceLastWeek => Resolved.Where(o => o.LastLegacyWeek == Week.AddWeeks(-1).Monday);

    public bool NeedsTicket => LegacyCalls > 0 || ResolvedSinceLastWeek.Any();

    public string Severity => LegacyCalls switch
    {
        0 => "Info",
        >= 1000 => "High",
        >= 50 => "Medium",
        _ => "Low",
    };

    /// <summary>When the fix is due: sooner for more legacy traffic.</summary>
    public DateOnly DueDate => Week.Sunday.AddDays(Severity switch { "High" => 14, "Medium" => 30, "Low" => 60, _ => 0 });
}

/// <summary>The whole organization's week.</summary>
public sealed record OrgReport(
    IsoWeek Week,
    int WeeksBack,
    IReadOnlyList<AccountReport> Accounts,
    IReadOnlyList<(IsoWeek Week, long Legacy, long Tls, long Unknown)> Trend,
    IReadOnlyList<(string Family, long LegacyCalls, int Clients)> TopFamilies);
