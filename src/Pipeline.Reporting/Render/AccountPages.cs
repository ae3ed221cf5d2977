using System.Globalization;
using System.Text;
using Pipeline.Reporting.Model;

namespace Pipeline.Reporting.Render;

/// <summary>The full per-account report, as Markdown and as a self-contained HTML page.</summary>
public static class AccountPages
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Title(AccountReport a) =>
        $"TLS 1.0/1.1 calls in {(a.Owner.Name is { } n ? Escape.Clean(n) + " " : string.Empty)}({a.Owner.AccountId}), week {a.Week}";

    public static string Markdown(AccountReport a, bool brief = false)
    {
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

        var n = 0;
        foreach (var o in active)
        {
            md.Append(Inv, $"### {++n}. {o.Classification.Family} — {o.Status.ToString().ToLowerInvariant()}, {o.LegacyCalls:N0} legacy {(o.LegacyCalls == 1 ? "call" : "calls")}\n\n");
            AppendClient(md, a, o, brief);
        }

        var resolved = a.Resolved.ToList();
        if (resolved.Count > 0)
        {
            md.Append(Inv, $"## Resolved: seen in earlier weeks, not this week ({resolved.Count})\n\n");
            foreach (var o in resolved)
            {
                md.Append(Inv, $"- {Escape.MdCode(o.Client.Principal)} with {Escape.MdCode(o.Client.UserAgent)} from {Escape.MdCode(o.Client.Source)}, last legacy call {o.LastSeen:yyyy-MM-dd HH:mm}Z\n");
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

    private static void AppendClient(StringBuilder md, AccountReport a, Offender o, bool brief)
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

        foreach (var o in active)
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

        var resolved = a.Resolved.ToList();
        if (resolved.Count > 0)
        {
            h.Append(Inv, $"<h2>Resolved ({resolved.Count})</h2><ul>");
            foreach (var o in resolved)
            {
                h.Append(Inv, $"<li><code>{Escape.Html(o.Client.Principal)}</code> with <code>{Escape.Html(o.Client.UserAgent)}</code> from <code>{Escape.Html(o.Client.Source)}</code>, last legacy call {o.LastSeen:yyyy-MM-dd HH:mm}Z</li>");
            }

            h.Append("</ul>");
        }

        h.Append("<h2>Trend</h2>").Append(Page.Chart(a.Trend.Select(t => (t.Week.ToString(), t.Tls == 0 ? 0 : (double)t.Legacy / t.Tls)).ToList()));
        Page.Close(h);
        return h.ToString();
    }

    private static void Row(StringBuilder h, string label, string? value) =>
        h.Append("<tr><th>").Append(label).Append("</th><td><code>").Append(Escape.Html(value)).Append("</code></td></tr>");
}
