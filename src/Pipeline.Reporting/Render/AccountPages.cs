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

    public static string Title(AccountReport a) => $"{Words.Legacy} calls in {Words.Account(a.Owner)}, week {a.Week}";

    /// <summary>The week's figures in one paragraph; <paramref name="value"/> renders the one kind of value from the data in it.</summary>
    private static string Figures(AccountReport a, Func<string, string> value)
    {
        var sb = new StringBuilder();
        sb.Append(Inv, $"Week {a.Week} ({a.Week.Monday:yyyy-MM-dd} to {a.Week.Sunday:yyyy-MM-dd}, UTC): ");
        sb.Append(Inv, $"{Words.Calls(a.LegacyCalls, "legacy")} over {Words.Legacy} out of {Words.Calls(a.TlsCalls)} with a known TLS version ({a.LegacyShare:P1}); ");
        sb.Append(Inv, $"{Words.Calls(a.UnknownCalls)} where the service did not report TLS");
        if (a.UnrecognisedCalls > 0)
        {
            var values = a.Figures.UnrecognisedValues ?? [];
            sb.Append(Inv, $" and {Words.Calls(a.UnrecognisedCalls)} with an unrecognised TLS value ({string.Join(", ", values.Take(5).Select(value))})");
        }

        sb.Append(" — unknown, not counted as fine.");
        if (a.Figures.ConsoleLegacyCalls > 0 || a.Figures.AnonymousLegacyCalls > 0)
        {
            sb.Append(Inv, $" Of the legacy calls, {Words.Calls(a.Figures.ConsoleLegacyCalls)} used console session credentials and {Words.Calls(a.Figures.AnonymousLegacyCalls)} had no AWS identity (anonymous).");
        }

        sb.Append(Inv, $" Severity {a.Severity}{(a.DueDate is { } due ? $", due {due:yyyy-MM-dd}" : string.Empty)}.");
        return sb.ToString();
    }

    /// <summary>The account page as Markdown (<paramref name="brief"/>: the ticket description, at most <see cref="MaxDescription"/> characters).</summary>
    public static string Markdown(AccountReport a, bool brief = false)
    {
        var maxChars = brief ? MaxDescription : int.MaxValue;
        var md = new StringBuilder();
        if (!brief)
        {
            md.Append("# ").Append(Escape.MdText(Title(a))).Append("\n\n");
        }

        if (a.CoverageNote is { } note)
        {
            md.Append("**").Append(Escape.MdText(note)).Append("**\n\n");
        }

        md.Append(Figures(a, v => Escape.MdCode(v))).Append("\n\n");
        md.Append(Words.WhenTheyFail).Append("\n\n");
        if (Words.OwnerUnknown(a.Owner))
        {
            md.Append(Escape.MdText(Words.OwnersHint)).Append("\n\n");
        }

        var active = a.Active.ToList();
        md.Append(Inv, $"## Clients still open ({active.Count})\n\n");
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
            client.Append(Inv, $"### {n + 1}. {Escape.MdText(o.Classification.Family)} — {o.StatusText}, {Words.Calls(o.LegacyCalls, "legacy")}{(o.Status == OffenderStatus.NotSeen ? " in its last week" : string.Empty)}\n\n");
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
            var rest = active.Count - n;
            md.Append(Inv, $"**{Words.Clients(rest, "more")}** ({Words.Calls(active.Skip(n).Sum(o => o.LegacyCalls), "legacy")}) {(rest == 1 ? "is" : "are")} not described here: ")
                .Append(brief ? $"see the account page `accounts/{a.Owner.AccountId}.html` of this week's report, and " : "see ")
                .Append(Inv, $"`accounts/{ClientsCsvName(a)}`, which lists every client.\n\n");
        }

        var resolved = a.Resolved.ToList();
        if (resolved.Count > 0)
        {
            md.Append(Inv, $"## Resolved: no legacy calls for {a.ResolveAfterWeeks} or more complete, covered weeks ({resolved.Count})\n\n");
            var listed = 0;
            foreach (var o in resolved)
            {
                var line = string.Create(Inv, $"- {Escape.MdCode(o.Client.Principal)}{KindNote(o)} with {Escape.MdCode(o.UserAgent)}, last legacy call {o.LastSeen:yyyy-MM-dd HH:mm}Z{(o.ResolvedThisWeek ? " (resolved this week)" : string.Empty)}\n");
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
            foreach (var t in a.Trend)
            {
                md.Append(t.Share is { } share
                    ? string.Create(Inv, $"| {t.Week} | {t.Legacy:N0} | {t.Tls:N0} | {share:P1} |\n")
                    : string.Create(Inv, $"| {t.Week} | no data | no data | — |\n"));
            }
        }

        return md.ToString();
    }

    private static string KindNote(Offender o) => Words.Kind(o.Client.Kind) is { } k ? $" ({k})" : string.Empty;

    /// <summary>
    /// The facts of a client card, label and values, in order. Values are still raw (each output escapes them) and
    /// one per value, so each is cut on its own and one long user agent cannot hide the next.
    /// </summary>
    private static List<(string Label, IReadOnlyList<string> Values)> Facts(AccountReport a, Offender o)
    {
        var f = o.Facets;
        var facts = new List<(string, IReadOnlyList<string>)> { ("Identity", [o.Client.Principal]) };
        if (Words.Kind(o.Client.Kind) is { } kind)
        {
            facts.Add(("Called with", [kind]));
        }

        if (f.SessionCount > 0)
        {
            facts.Add(("Sessions", [string.Create(Inv, $"{Words.Count(f.SessionCount, "session", "sessions")}, e.g. {string.Join(", ", f.Sessions.Take(3).Select(s => s.Value))}")]));
        }

        facts.Add((Words.FacetLabel("User agents", f.UserAgents, f.UserAgentCount), Words.FacetValues(f.UserAgents)));
        facts.Add((Words.FacetLabel("Sources", f.Sources, f.SourceCount), Words.FacetValues(f.Sources)));
        facts.Add(("Client", [o.Classification.Describe() is { Length: > 0 } d ? d : "(not recognised from the user agent)"]));
        facts.Add(("TLS / ciphers", [Words.Tls(o.TlsVersions) + " / " + string.Join(", ", o.CipherSuites)]));
        facts.Add(("Endpoints (hosts)", [string.Join(", ", o.Endpoints)]));
        facts.Add(("Regions", [string.Join(", ", o.Regions)]));
        facts.Add(("Top calls", [string.Join(", ", o.TopEventNames.Select(t => string.Create(Inv, $"{t.Name} ({t.Calls:N0})")))]));
        facts.Add(("Seen", [o.Status == OffenderStatus.NotSeen
            ? string.Create(Inv, $"not since {o.LastSeen:yyyy-MM-dd HH:mm}Z ({Words.Count(o.QuietWeeks, "covered week", "covered weeks")} without legacy calls; resolved after {a.ResolveAfterWeeks}); first {o.FirstSeen:yyyy-MM-dd HH:mm}Z")
            : string.Create(Inv, $"{Words.Calls(o.LegacyCalls, "legacy")} this week; first {o.FirstSeen:yyyy-MM-dd HH:mm}Z, last {o.LastSeen:yyyy-MM-dd HH:mm}Z")]));
        if (o.ReturnedAfterWeeks is { } back)
        {
            facts.Add(("Returned", [string.Create(Inv, $"called again after {back} quiet weeks: it runs less often than every {a.ResolveAfterWeeks} weeks (raise --resolve-after-weeks)")]));
        }

        var foreign = o.RecipientAccounts.Where(r => r != a.Owner.AccountId).ToList();
        if (foreign.Count > 0)
        {
            facts.Add(("Cross-account into", [string.Join(", ", foreign)]));
        }

        facts.Add(("Sample event IDs", [string.Join(", ", o.SampleEventIds)]));
        return facts;
    }

    private static void AppendClient(StringBuilder md, AccountReport a, Offender o)
    {
        foreach (var (label, values) in Facts(a, o))
        {
            md.Append("- ").Append(label).Append(':');
            if (values.Count == 1)
            {
                md.Append(' ').Append(Escape.MdCode(values[0])).Append('\n');
                continue;
            }

            md.Append('\n');
            foreach (var value in values)
            {
                md.Append("  - ").Append(Escape.MdCode(value)).Append('\n');
            }
        }

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
        if (a.CoverageNote is { } note)
        {
            h.Append("<p class=\"warn\">").Append(Escape.Html(note)).Append("</p>");
        }

        h.Append("<p>").Append(Escape.Html(Figures(a, v => "\"" + v + "\""))).Append("</p>");
        h.Append("<p>").Append(Escape.Html(Words.WhenTheyFail)).Append("</p>");
        if (a.Owner.Email is { } email)
        {
            h.Append(Inv, $"<p>Owner: {Escape.Html(email)}{(a.Owner.Team is { } t ? " (" + Escape.Html(t) + ")" : string.Empty)}</p>");
        }
        else if (Words.OwnerUnknown(a.Owner))
        {
            h.Append("<p class=\"hint\">").Append(Escape.Html(Words.OwnersHint)).Append("</p>");
        }

        var active = a.Active.ToList();
        h.Append(Inv, $"<h2>Clients still open ({active.Count})</h2>");
        if (active.Count == 0)
        {
            h.Append("<p>None this week.</p>");
        }

        foreach (var o in active.Take(PageClients))
        {
            h.Append(Inv, $"<section class=\"client\"><h3>{Escape.Html(o.Classification.Family)} <span class=\"tag {o.StatusCode}\">{Escape.Html(o.StatusText)}</span> {Words.Calls(o.LegacyCalls, "legacy")}</h3><table>");
            foreach (var (label, values) in Facts(a, o))
            {
                Row(h, label, values);
            }

            h.Append("</table><h4>What to do</h4><ul>");
            foreach (var advice in o.Classification.Advice)
            {
                h.Append("<li>").Append(Escape.Html(advice)).Append("</li>");
            }

            h.Append("</ul></section>");
        }

        if (active.Count > PageClients)
        {
            h.Append(Inv, $"<p><b>{Words.Clients(active.Count - PageClients, "more")}</b> ({Words.Calls(active.Skip(PageClients).Sum(o => o.LegacyCalls), "legacy")}) not described here: <a href=\"{ClientsCsvName(a)}\">{ClientsCsvName(a)}</a> lists every client.</p>");
        }

        var resolved = a.Resolved.ToList();
        if (resolved.Count > 0)
        {
            h.Append(Inv, $"<h2>Resolved ({resolved.Count})</h2><p>No legacy calls for {a.ResolveAfterWeeks} or more complete weeks the lake covers.</p><ul>");
            if (resolved.Count > PageClients)
            {
                h.Append(Inv, $"<li>{resolved.Count - PageClients:N0} more in <a href=\"{ClientsCsvName(a)}\">{ClientsCsvName(a)}</a></li>");
            }

            foreach (var o in resolved.Take(PageClients))
            {
                h.Append(Inv, $"<li><code>{Escape.Html(o.Client.Principal)}</code>{Escape.Html(KindNote(o))} with <code>{Escape.Html(o.UserAgent)}</code>, last legacy call {o.LastSeen:yyyy-MM-dd HH:mm}Z{(o.ResolvedThisWeek ? " <span class=\"tag resolved\">resolved this week</span>" : string.Empty)}</li>");
            }

            h.Append("</ul>");
        }

        h.Append("<h2>Trend</h2>").Append(Page.Chart(a.Trend.Select(t => (t.Week.ToString(), t.Share)).ToList()));
        Page.Close(h);
        return h.ToString();
    }

    /// <summary>The file beside the account page that lists every client, however many.</summary>
    public static string ClientsCsvName(AccountReport a) => a.Owner.AccountId + "-clients.csv";

    /// <summary>Every client of the account (open first, most legacy calls first), one row each.</summary>
    public static string ClientsCsv(AccountReport a)
    {
        var sb = new StringBuilder("status,legacy_calls,caller_kind,principal,sessions,user_agent,user_agents,source,sources,client_family,tls_versions,cipher_suites,endpoints,regions,top_event_names,first_seen,last_seen,sample_event_ids\n");
        foreach (var o in a.Offenders)
        {
            sb.Append(o.StatusCode).Append(',').Append(o.LegacyCalls.ToString(Inv)).Append(',').Append(o.Client.Kind.ToString().ToLowerInvariant()).Append(',')
                .Append(Escape.Csv(o.Client.Principal)).Append(',').Append(o.Facets.SessionCount.ToString(Inv)).Append(',')
                .Append(Escape.Csv(o.UserAgent)).Append(',').Append(o.Facets.UserAgentCount.ToString(Inv)).Append(',')
                .Append(Escape.Csv(o.Source)).Append(',').Append(o.Facets.SourceCount.ToString(Inv)).Append(',')
                .Append(Escape.Csv(o.Classification.Family)).Append(',').Append(Escape.Csv(string.Join(' ', o.TlsVersions))).Append(',')
                .Append(Escape.Csv(string.Join(' ', o.CipherSuites))).Append(',').Append(Escape.Csv(string.Join(' ', o.Endpoints))).Append(',')
                .Append(Escape.Csv(string.Join(' ', o.Regions))).Append(',').Append(Escape.Csv(string.Join(' ', o.TopEventNames.Select(t => $"{t.Name}:{t.Calls}")))).Append(',')
                .Append(o.FirstSeen.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv)).Append(',').Append(o.LastSeen.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv)).Append(',')
                .Append(Escape.Csv(string.Join(' ', o.SampleEventIds))).Append('\n');
        }

        return sb.ToString();
    }

    private static void Row(StringBuilder h, string label, IReadOnlyList<string> values)
    {
        h.Append("<tr><th>").Append(Escape.Html(label)).Append("</th><td>");
        for (var i = 0; i < values.Count; i++)
        {
            h.Append(i == 0 ? string.Empty : "<br>").Append("<code>").Append(Escape.Html(values[i])).Append("</code>");
        }

        h.Append("</td></tr>");
    }
}
