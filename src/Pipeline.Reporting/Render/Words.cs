using System.Globalization;
using Pipeline.Reporting.Model;
using Pipeline.Reporting.Owners;

namespace Pipeline.Reporting.Render;

/// <summary>The wording every output shares, so a page, a ticket and the README say the same thing.</summary>
public static class Words
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>When such calls fail: one message for pages, tickets and the README.</summary>
    public const string WhenTheyFail =
        "AWS raises the minimum to TLS 1.2 endpoint by endpoint: a legacy call seen succeeding went to an endpoint that does not enforce TLS 1.2 yet, and the same call fails once it does.";

    /// <summary>What pages and tickets say when no owners file was given.</summary>
    public const string OwnersHint =
        "No owner is known for this account: run the report with --owners FILE, where FILE is the output of `aws organizations list-accounts --output json` (names; add \"Email\" or a team per account) or a CSV account_id,name,owner_email,team.";

    /// <summary>The legacy protocols, as pages name them.</summary>
    public const string Legacy = "SSL 3.0/TLS 1.0/1.1";

    /// <summary><c>1 legacy call</c>, <c>2 legacy calls</c>, with the number grouped.</summary>
    public static string Count(long n, string one, string many) => string.Create(Inv, $"{n:N0} {(n == 1 ? one : many)}");

    /// <summary><c>1 call</c>, <c>2 calls</c>.</summary>
    public static string Calls(long n, string adjective = "") => Count(n, Join(adjective, "call"), Join(adjective, "calls"));

    /// <summary><c>1 client</c>, <c>2 clients</c>.</summary>
    public static string Clients(long n, string adjective = "") => Count(n, Join(adjective, "client"), Join(adjective, "clients"));

    /// <summary>The account as people read it: <c>Payments (123456789012)</c>, or <c>account 123456789012</c> without a name.</summary>
    public static string Account(AccountOwner owner) =>
        owner.Name is { Length: > 0 } name ? $"{Escape.Clean(name)} ({owner.AccountId})" : $"account {owner.AccountId}";

    /// <summary>Whether the owners file said nothing about the account.</summary>
    public static bool OwnerUnknown(AccountOwner owner) => owner.Name is null && owner.Email is null && owner.Team is null;

    /// <summary>How a client called, when that is not the usual SDK/CLI credentials.</summary>
    public static string? Kind(CallerKind kind) => kind switch
    {
        CallerKind.Console => "console session credentials",
        CallerKind.Anonymous => "anonymous (no AWS identity)",
        _ => null,
    };

    /// <summary>A facet's label with how many values it had when more than are shown: <c>User agents (top 5 of 12)</c>.</summary>
    public static string FacetLabel(string label, IReadOnlyList<Counted> top, long distinct) =>
        distinct > top.Count ? string.Create(Inv, $"{label} (top {top.Count} of {distinct:N0})") : label;

    /// <summary>Each top value with its legacy calls, one entry per value: <c>10.0.0.1 (12 calls)</c>.</summary>
    public static IReadOnlyList<string> FacetValues(IReadOnlyList<Counted> top) =>
        top.Count == 0 ? ["(none)"] : top.Select(t => $"{Escape.Cut(t.Value, Escape.MaxShown - 40)} ({Calls(t.Calls)})").ToList();

    /// <summary>The TLS versions a client used, with the protocol each names: <c>TLSv1 (TLS 1.0)</c>.</summary>
    public static string Tls(IEnumerable<string> versions) =>
        string.Join(", ", versions.Select(v => Schema.TlsVersions.Protocol(v) is var p && p != v ? $"{v} ({p})" : v));

    private static string Join(string adjective, string noun) => adjective.Length == 0 ? noun : adjective + " " + noun;
}
