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
public sealed record Offender(
    Fingerprint Client,
    OffenderStatus Status,
    long LegacyCalls,
    long Calls,
    DateTime FirstSeen,
    DateTime LastSeen,
    IReadOnlyList<string> TlsVersions,
    IReadOnlyList<string> CipherSuites,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<string> EventSources,
    IReadOnlyList<string> Regions,
    IReadOnlyList<string> RecipientAccounts,
    IReadOnlyList<(string Name, long Calls)> TopEventNames,
    IReadOnlyList<string> SampleEventIds,
    ClientClass Classification,
    DateOnly LastLegacyWeek);

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
