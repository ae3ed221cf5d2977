using System.Globalization;
using System.Text;
using Pipeline.Reporting.Model;

namespace Pipeline.Reporting.Render;

/// <summary>The full per-account report, as Markdown and as a self-contained HTML page.</summary>
public static class AccountPages
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Clients an account page describes in full; the rest are counted there and listed in its clients CSV.</summary>
    public const int PageClients = 500;

    /// <summary>
    /// Longest ticket description: Jira's text fields hold 32,767 characters; the rest of the clients are counted
    /// and the description points to the account page.
    /// </summary>
    public const int MaxDescription = 30_000;

    public static string Title(AccountReport a) =>
        $"TLS 1.0/1.1 calls in {(a.Owner.Name is { } n ? Escape.Clean(n) + " " : string.Empty)}({a.Owner.AccountId}), week {a.Week}";

    /// <summary>The account page as Markdown (<paramref name="brief"/>: the ticket description, at most <see cref="MaxDescription"/> characters).</summary>
    public static string Markdown(AccountReport a, bool brief = false)
    {
        var maxChars = brief ? MaxDescription : int.MaxValue;
        var md = new StringBuilder();
        if (!brief)
        {
            md.Append("# ").Append(Escape.MdText(Title(a))).Append("\n\n");
        }

        md.Append(Inv, $"Week {a.Week} ({a.Week.Monday:yyyy-MM-dd} to {a.Week.Sunday:yyyy-MM-dd}, UTC). ");
        md.Append(Inv, $"**{a.LegacyCalls:N0}** calls over TLS 1.0/1.1 out of {a.TlsCalls:N0} calls with a known TLS version ({a.LegacyShare:P1}); ");
        md.Append(Inv, $"{a.UnknownCalls:N0} calls where the service did not report TLS (unknown, not counted as fine). ");
        md.Append(Inv, $"Severity **{a.Severity}**{(a.LegacyCalls > 0 ? $", due {a.DueDate:yyyy-MM-dd}" : string.Empty)}.\n\n");
        md.Append("AWS endpoints accept only TLS 1.2 and later: these clients' calls fail until they are fixed.\n\n");

        var active = a.Active.ToList();
        md.Append(Inv, $"## Clients still on TLS 1.0/1.1 ({active.Count})\n\n");
        if (active.Count == 0)
        {
            md.Append("None this week.\n\n");
        }

        // The tail line and the resolved section's heading fit in what is held back.
        var budget = maxChars - 600;
        var n = 0;
        var client = new StringBuilder();
        foreach (var o in active)
        {
            client.Clear();
            client.Append(Inv, $"### {n + 1}. {o.Classification.Family} — {o.Status.ToString().ToLowerInvariant()}, {o.LegacyCalls:N0} legacy {(o.LegacyCalls == 1 ? "call" : "calls")}\n\n");
            AppendClient(client, a, o);
            if (n == PageClients || md.Length + client.Length > budget)
            {
                break;
            }

            md.Append(client);
            n++;
        }

        if (n < active.Count)
        {
            md.Append(Inv, $"**{active.Count - n:N0} more {(active.Count - n == 1 ? "client" : "clients")}** ({active.Skip(n).Sum(o => o.LegacyCalls):N0} legacy calls) are not described here: ")
                .Append(brief ? $"see the account page `accounts/{a.Owner.AccountId}.html` of this week's report, and " : "see ")
                .Append(Inv, $"`accounts/{ClientsCsvName(a)}`, which lists every client.\n\n");
        }

        var resolved = a.Resolved.ToList();
        if (resolved.Count > 0)
        {
            md.Append(Inv, $"## Resolved: seen in earlier weeks, not this week ({resolved.Count})\n\n");
            var listed = 0;
            foreach (var o in resolved)
            {
                var line = string.Create(Inv, $"- {Escape.MdCode(o.Client.Principal)} with {Escape.MdCode(o.Client.UserAgent)} from {Escape.MdCode(o.Client.Source)}, last legacy call {o.LastSeen:yyyy-MM-dd HH:mm}Z\n");
                if (listed == PageClients || md.Length + line.Length > budget)
                {
                    break;
                }

                md.Append(line);
                listed++;
            }

            if (listed < resolved.Count)
            {
                md.Append(Inv, $"- … and {resolved.Count - listed:N0} more, listed in `accounts/{ClientsCsvName(a)}`\n");
            }

            md.Append('\n');
        }

        if (!brief)
        {
            md.Append("## Trend\n\n| week | legacy calls | calls with known TLS | legacy share |\n|---|---:|---:|---:|\n");
            foreach (var (week, legacy, tls) in a.Trend)
            {
                md.Append(Inv, $"| {week} | {legacy:N0} | {tls:N0} | {(tls == 0 ? 0 : (double)legacy / tls):P1} |\n");
            }
        }

        return md.ToString();
    }

    private static void AppendClient(StringBuilder md, AccountReport a, Offender o)
    {
        md.Append("- Principal: ").Append(Escape.MdCode(o.Client.Principal)).Append('\n');
        md.Append("- User agent: ").Append(Escape.MdCode(o.Client.UserAgent)).Append('\n');
        md.Append("- Source: ").Append(Escape.MdCode(o.Client.Source)).Append('\n');
        md.Append("- Client: ").Append(Escape.MdCode(string.Join(", ", new[] { o.Classification.Sdk, o.Classification.Runtime, o.Classification.Os }.Where(x => x is not null)))).Append('\n');
        md.Append("- TLS seen: ").Append(Escape.MdCode(string.Join(", ", o.TlsVersions))).Append("; cipher suites: ").Append(Escape.MdCode(string.Join(", ", o.CipherSuites))).Append('\n');
        md.Append("- Endpoints: ").Append(Escape.MdCode(string.Join(", ", o.Endpoints))).Append("; regions: ").Append(Escape.MdCode(string.Join(", ", o.Regions))).Append('\n');
        md.Append("- Top calls: ").Append(Escape.MdCode(string.Join(", ", o.TopEventNames.Select(t => $"{t.Name} ({t.Calls})")))).Append('\n');
        md.Append(Inv, $"- Legacy calls this week: {o.LegacyCalls:N0}; seen from {o.FirstSeen:yyyy-MM-dd HH:mm}Z to {o.LastSeen:yyyy-MM-dd HH:mm}Z\n");
        var foreign = o.RecipientAccounts.Where(r => r != a.Owner.AccountId).ToList();
        if (foreign.Count > 0)
        {
            md.Append("- Cross-account: called into ").Append(Escape.MdCode(string.Join(", ", foreign))).Append('\n');
        }

        md.Append("- Sample event IDs (CloudTrail lookup): ").Append(Escape.MdCode(string.Join(", ", o.SampleEventIds))).Append('\n');
        md.Append("- What to do:\n");
        foreach (var advice in o.Classification.Advice)
        {
            md.Append("  - ").Append(advice).Append('\n');
        }

        md.Append('\n');
    }

    public static string Html(AccountReport a)
    {
        var h = new StringBuilder();
        Page.Open(h, Title(a));
        h.Append("<p><a href=\"../index.html\">&larr; organization summary</a></p>");
        h.Append(Inv, $"<h1>{Escape.Html(Title(a))}</h1>");
        h.Append(Inv, $"<p>Week {a.Week} ({a.Week.Monday:yyyy-MM-dd} to {a.Week.Sunday:yyyy-MM-dd}, UTC). <b>{a.LegacyCalls:N0}</b> calls over TLS 1.0/1.1 of {a.TlsCalls:N0} with a known TLS version ({a.LegacyShare:P1}); {a.UnknownCalls:N0} unknown (service did not report TLS). Severity <b>{a.Severity}</b>{(a.LegacyCalls > 0 ? $", due {a.DueDate:yyyy-MM-dd}" : string.Empty)}.</p>");
        if (a.Owner.Email is { } email)
        {
            h.Append(Inv, $"<p>Owner: {Escape.Html(email)}{(a.Owner.Team is { } t ? " (" + Escape.Html(t) + ")" : string.Empty)}</p>");
        }

        var active = a.Active.ToList();
        h.Append(Inv, $"<h2>Clients still on TLS 1.0/1.1 ({active.Count})</h2>");
        if (active.Count == 0)
        {
            h.Append("<p>None this week.</p>");
        }

        foreach (var o in active.Take(PageClients))
        {
            h.Append(Inv, $"<section class=\"client\"><h3>{Escape.Html(o.Classification.Family)} <span class=\"tag {o.Status.ToString().ToLowerInvariant()}\">{o.Status.ToString().ToLowerInvariant()}</span> {o.LegacyCalls:N0} legacy {(o.LegacyCalls == 1 ? "call" : "calls")}</h3><table>");
            Row(h, "Principal", o.Client.Principal);
            Row(h, "User agent", o.Client.UserAgent);
            Row(h, "Source", o.Client.Source);
            Row(h, "Client", string.Join(", ", new[] { o.Classification.Sdk, o.Classification.Runtime, o.Classification.Os }.Where(x => x is not null)));
            Row(h, "TLS / ciphers", string.Join(", ", o.TlsVersions) + " / " + string.Join(", ", o.CipherSuites));
            Row(h, "Endpoints", string.Join(", ", o.Endpoints));
            Row(h, "Regions", string.Join(", ", o.Regions));
            Row(h, "Top calls", string.Join(", ", o.TopEventNames.Select(t => $"{t.Name} ({t.Calls})")));
            Row(h, "Seen", string.Create(Inv, $"{o.LegacyCalls:N0} legacy calls this week, first {o.FirstSeen:yyyy-MM-dd HH:mm}Z, last {o.LastSeen:yyyy-MM-dd HH:mm}Z"));
            var foreign = o.RecipientAccounts.Where(r => r != a.Owner.AccountId).ToList();
            if (foreign.Count > 0)
            {
                Row(h, "Cross-account into", string.Join(", ", foreign));
            }

            Row(h, "Sample event IDs", string.Join(", ", o.SampleEventIds));
            h.Append("</table><h4>What to do</h4><ul>");
            foreach (var advice in o.Classification.Advice)
            {
                h.Append("<li>").Append(Escape.Html(advice)).Append("</li>");
            }

            h.Append("</ul></section>");
        }

        if (active.Count > PageClients)
        {
            h.Append(Inv, $"<p><b>{active.Count - PageClients:N0} more clients</b> ({active.Skip(PageClients).Sum(o => o.LegacyCalls):N0} legacy calls) are not described here: <a href=\"{ClientsCsvName(a)}\">{ClientsCsvName(a)}</a> lists every client.</p>");
        }

        var resolved = a.Resolved.ToList();
        if (resolved.Count > 0)
        {
            h.Append(Inv, $"<h2>Resolved ({resolved.Count})</h2><ul>");
            if (resolved.Count > PageClients)
            {
                h.Append(Inv, $"<li>{resolved.Count - PageClients:N0} more in <a href=\"{ClientsCsvName(a)}\">{ClientsCsvName(a)}</a></li>");
            }

            foreach (var o in resolved.Take(PageClients))
            {
                h.Append(Inv, $"<li><code>{Escape.Html(o.Client.Principal)}</code> with <code>{Escape.Html(o.Client.UserAgent)}</code> from <code>{Escape.Html(o.Client.Source)}</code>, last legacy call {o.LastSeen:yyyy-MM-dd HH:mm}Z</li>");
            }

            h.Append("</ul>");
        }

        h.Append("<h2>Trend</h2>").Append(Page.Chart(a.Trend.Select(t => (t.Week.ToString(), t.Tls == 0 ? 0 : (double)t.Legacy / t.Tls)).ToList()));
        Page.Close(h);
        return h.ToString();
    }

    /// <summary>The file beside the account page that lists every client, however many.</summary>
    public static string ClientsCsvName(AccountReport a) => a.Owner.AccountId + "-clients.csv";

    /// <summary>Every client of the account (active first, most legacy calls first), one row each.</summary>
    public static string ClientsCsv(AccountReport a)
    {
        var sb = new StringBuilder("status,legacy_calls,principal,user_agent,source,client_family,tls_versions,cipher_suites,endpoints,regions,top_event_names,first_seen,last_seen,sample_event_ids\n");
        foreach (var o in a.Offenders)
        {
            sb.Append(o.Status.ToString().ToLowerInvariant()).Append(',').Append(o.LegacyCalls.ToString(Inv)).Append(',')
                .Append(Escape.Csv(o.Client.Principal)).Append(',').Append(Escape.Csv(o.Client.UserAgent)).Append(',').Append(Escape.Csv(o.Client.Source)).Append(',')
                .Append(Escape.Csv(o.Classification.Family)).Append(',').Append(Escape.Csv(string.Join(' ', o.TlsVersions))).Append(',')
                .Append(Escape.Csv(string.Join(' ', o.CipherSuites))).Append(',').Append(Escape.Csv(string.Join(' ', o.Endpoints))).Append(',')
                .Append(Escape.Csv(string.Join(' ', o.Regions))).Append(',').Append(Escape.Csv(string.Join(' ', o.TopEventNames.Select(t => $"{t.Name}:{t.Calls}")))).Append(',')
                .Append(o.FirstSeen.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv)).Append(',').Append(o.LastSeen.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv)).Append(',')
                .Append(Escape.Csv(string.Join(' ', o.SampleEventIds))).Append('\n');
        }

        return sb.ToString();
    }

    private static void Row(StringBuilder h, string label, string? value) =>
        h.Append("<tr><th>").Append(label).Append("</th><td><code>").Append(Escape.Html(value)).Append("</code></td></tr>");
}
