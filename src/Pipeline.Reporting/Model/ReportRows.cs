namespace Pipeline.Reporting.Model;

/// <summary>A row of <c>account_weeks.sql</c>.</summary>
/// <param name="WeekStart">Monday of the week.</param>
/// <param name="Account">The owning account.</param>
/// <param name="Calls">All calls (each event ID once).</param>
/// <param name="LegacyCalls">Calls over SSL 3.0 or TLS 1.0/1.1.</param>
/// <param name="TlsCalls">Calls with a recognised TLS version (legacy or current).</param>
/// <param name="UnknownCalls">Calls without a TLS version (the service did not report it).</param>
/// <param name="UnrecognisedCalls">Calls with a TLS value none of the known spellings match; never counted as current.</param>
/// <param name="ConsoleLegacyCalls">Legacy calls made with console session credentials.</param>
/// <param name="AnonymousLegacyCalls">Legacy calls made without an AWS identity.</param>
/// <param name="UnrecognisedValues">Those values (cut at 64 characters).</param>
public sealed record AccountWeek(
    DateOnly WeekStart,
    string Account,
    long Calls,
    long LegacyCalls,
    long TlsCalls,
    long UnknownCalls,
    long UnrecognisedCalls = 0,
    long ConsoleLegacyCalls = 0,
    long AnonymousLegacyCalls = 0,
    IReadOnlyList<string>? UnrecognisedValues = null);

/// <summary>How a client called: with SDK/CLI credentials, with console session credentials, or with no identity.</summary>
public enum CallerKind
{
    /// <summary>Credentials of a user, role, service or access key: the usual case.</summary>
    Sdk,

    /// <summary>Console session credentials (<c>sessionCredentialFromConsole</c>): a browser, or a proxy in front of it.</summary>
    Console,

    /// <summary>No identity (e.g. public S3 objects): AWS cannot notify anyone about these calls.</summary>
    Anonymous,
}

/// <summary>A client: the workload identity (role, user, service, access key) and how it called.</summary>
public sealed record Fingerprint(CallerKind Kind, string Principal)
{
    public static CallerKind ParseKind(string kind) => kind switch
    {
        "console" => CallerKind.Console,
        "anonymous" => CallerKind.Anonymous,
        _ => CallerKind.Sdk,
    };
}

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

/// <summary>A row of <c>client_facets.sql</c>: one of a client's most frequent user agents, sources or sessions in a week.</summary>
/// <param name="WeekStart">Monday of the week.</param>
/// <param name="Account">The owning account.</param>
/// <param name="Client">The client.</param>
/// <param name="Facet"><c>user_agent</c>, <c>source</c> or <c>session</c>.</param>
/// <param name="Value">The user agent, source or session name.</param>
/// <param name="Calls">Legacy records with this value.</param>
/// <param name="DistinctValues">How many distinct values of this facet the client had that week.</param>
public sealed record FacetRow(DateOnly WeekStart, string Account, Fingerprint Client, string Facet, string Value, long Calls, long DistinctValues);

/// <summary>A value and its legacy calls.</summary>
public sealed record Counted(string Value, long Calls);

/// <summary>A client's most frequent user agents, sources and sessions in a week, with how many of each it had.</summary>
public sealed record ClientFacets(
    IReadOnlyList<Counted> UserAgents,
    long UserAgentCount,
    IReadOnlyList<Counted> Sources,
    long SourceCount,
    IReadOnlyList<Counted> Sessions,
    long SessionCount)
{
    public static ClientFacets None { get; } = new([], 0, [], 0, [], 0);

    /// <summary>What <c>client_facets.sql</c> writes for calls without a user agent.</summary>
    public const string NoUserAgent = "(none)";

    /// <summary>A user agent value as the rules and pages take it: null for <see cref="NoUserAgent"/>.</summary>
    public static string? UserAgent(string value) => value == NoUserAgent ? null : value;

    /// <summary>The facets of each client and week in <paramref name="rows"/>.</summary>
    public static Dictionary<(DateOnly WeekStart, string Account, Fingerprint Client), ClientFacets> Of(IEnumerable<FacetRow> rows) =>
        rows.GroupBy(r => (r.WeekStart, r.Account, r.Client)).ToDictionary(g => g.Key, g =>
        {
            List<Counted> Top(string facet) => g.Where(r => r.Facet == facet).OrderByDescending(r => r.Calls).ThenBy(r => r.Value, StringComparer.Ordinal).Select(r => new Counted(r.Value, r.Calls)).ToList();
            long Count(string facet) => g.Where(r => r.Facet == facet).Select(r => r.DistinctValues).DefaultIfEmpty(0).Max();
            return new ClientFacets(Top("user_agent"), Count("user_agent"), Top("source"), Count("source"), Top("session"), Count("session"));
        });
}

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

/// <summary>A row of <c>coverage.sql</c>: the lake received records for an account on a day.</summary>
public sealed record CoverageDay(string Account, DateOnly Day);
