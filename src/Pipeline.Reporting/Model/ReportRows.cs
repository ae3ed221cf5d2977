namespace Pipeline.Reporting.Model;

/// <summary>A row of <c>account_weeks.sql</c>.</summary>
public sealed record AccountWeek(DateOnly WeekStart, string Account, long Calls, long LegacyCalls, long TlsCalls, long UnknownCalls);

/// <summary>A client fingerprint: who, with what, from where.</summary>
public sealed record Fingerprint(string Principal, string? UserAgent, string Source);

/// <summary>A row of <c>offenders.sql</c>: one client's legacy calls of one event name in one week.</summary>
public sealed record OffenderCalls(
    DateOnly WeekStart,
    string Account,
    Fingerprint Client,
    string EventName,
    long LegacyCalls,
    string SampleEventId,
    DateTime FirstSeen,
    DateTime LastSeen,
    IReadOnlyList<string> TlsVersions,
    IReadOnlyList<string> CipherSuites,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<string> EventSources,
    IReadOnlyList<string> Regions,
    IReadOnlyList<string> RecipientAccounts);

/// <summary>One client's legacy calls in one week: <see cref="OffenderCalls"/> rolled up over event names.</summary>
public sealed record OffenderWeek(
    DateOnly WeekStart,
    string Account,
    Fingerprint Client,
    long LegacyCalls,
    DateTime FirstSeen,
    DateTime LastSeen,
    IReadOnlyList<string> TlsVersions,
    IReadOnlyList<string> CipherSuites,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<string> EventSources,
    IReadOnlyList<string> Regions,
    IReadOnlyList<string> RecipientAccounts);

/// <summary>Rolls <see cref="OffenderCalls"/> rows up per client and week.</summary>
public static class OffenderRollup
{
    public static List<OffenderWeek> PerClient(IEnumerable<OffenderCalls> rows) =>
        rows.GroupBy(r => (r.WeekStart, r.Account, r.Client)).Select(g => new OffenderWeek(
            g.Key.WeekStart, g.Key.Account, g.Key.Client, g.Sum(r => r.LegacyCalls), g.Min(r => r.FirstSeen), g.Max(r => r.LastSeen),
            Union(g, r => r.TlsVersions), Union(g, r => r.CipherSuites), Union(g, r => r.Endpoints), Union(g, r => r.EventSources),
            Union(g, r => r.Regions), Union(g, r => r.RecipientAccounts))).ToList();

    private static List<string> Union(IEnumerable<OffenderCalls> rows, Func<OffenderCalls, IReadOnlyList<string>> values) =>
        rows.SelectMany(values).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}
