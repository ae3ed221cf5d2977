namespace Pipeline.Reporting.Model;

/// <summary>A row of <c>account_weeks.sql</c>.</summary>
public sealed record AccountWeek(DateOnly WeekStart, string Account, long Calls, long LegacyCalls, long TlsCalls, long UnknownCalls);

/// <summary>A client fingerprint: who, with what, from where.</summary>
public sealed record Fingerprint(string Principal, string? UserAgent, string Source);

/// <summary>What a client's legacy calls went through: TLS, ciphers, endpoints, services, regions, recipient accounts.</summary>
public sealed record ClientSeen(
    IReadOnlyList<string> TlsVersions,
    IReadOnlyList<string> CipherSuites,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<string> EventSources,
    IReadOnlyList<string> Regions,
    IReadOnlyList<string> RecipientAccounts)
{
    /// <summary>Each list's distinct values over <paramref name="seen"/>, in ordinal order.</summary>
    public static ClientSeen Union(IReadOnlyCollection<ClientSeen> seen) => new(
        Union(seen, s => s.TlsVersions), Union(seen, s => s.CipherSuites), Union(seen, s => s.Endpoints),
        Union(seen, s => s.EventSources), Union(seen, s => s.Regions), Union(seen, s => s.RecipientAccounts));

    private static List<string> Union(IEnumerable<ClientSeen> seen, Func<ClientSeen, IReadOnlyList<string>> values) =>
        seen.SelectMany(values).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}

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
    ClientSeen Seen);

/// <summary>One client's legacy calls in one week: <see cref="OffenderCalls"/> rolled up over event names.</summary>
public sealed record OffenderWeek(
    DateOnly WeekStart,
    string Account,
    Fingerprint Client,
    long LegacyCalls,
    DateTime FirstSeen,
    DateTime LastSeen,
    ClientSeen Seen);

/// <summary>Rolls <see cref="OffenderCalls"/> rows up per client and week.</summary>
public static class OffenderRollup
{
    public static List<OffenderWeek> PerClient(IEnumerable<OffenderCalls> rows) =>
        rows.GroupBy(r => (r.WeekStart, r.Account, r.Client)).Select(g => new OffenderWeek(
            g.Key.WeekStart, g.Key.Account, g.Key.Client, g.Sum(r => r.LegacyCalls), g.Min(r => r.FirstSeen), g.Max(r => r.LastSeen),
            ClientSeen.Union(g.Select(r => r.Seen).ToList()))).ToList();
}
