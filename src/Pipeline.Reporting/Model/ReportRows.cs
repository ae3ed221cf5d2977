namespace Pipeline.Reporting.Model;

/// <summary>A row of <c>account_weeks.sql</c>.</summary>
public sealed record AccountWeek(DateOnly WeekStart, string Account, long Calls, long LegacyCalls, long TlsCalls, long UnknownCalls);

/// <summary>A client fingerprint: who, with what, from where.</summary>
public sealed record Fingerprint(string Principal, string? UserAgent, string Source);

/// <summary>A row of <c>offenders.sql</c>.</summary>
public sealed record OffenderWeek(
    DateOnly WeekStart,
    string Account,
    Fingerprint Client,
    long LegacyCalls,
    long Calls,
    DateTime FirstSeen,
    DateTime LastSeen,
    IReadOnlyList<string> TlsVersions,
    IReadOnlyList<string> CipherSuites,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<string> EventSources,
    IReadOnlyList<string> Regions,
    IReadOnlyList<string> RecipientAccounts);

/// <summary>A row of <c>offender_events.sql</c>.</summary>
public sealed record OffenderEventName(DateOnly WeekStart, string Account, Fingerprint Client, string EventName, long Calls, string SampleEventId);
