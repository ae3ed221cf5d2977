using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Reporting.Model;

namespace Pipeline.Reporting.Render;

/// <summary>The organization-wide outputs: index.html, summary.csv, tickets.json and tickets.csv.</summary>
public static class OrgOutputs
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private static string CoverageText(AccountReport a) => a.Coverage switch
    {
        WeekCoverage.Covered => "covered",
        WeekCoverage.Partial => "partial week",
        WeekCoverage.Gaps => "no data on " + Coverage.Describe(a.MissingDays),
        _ => "no data",
    };

    private static string CoverageCode(WeekCoverage c) => c switch
    {
        WeekCoverage.Covered => "covered",
        WeekCoverage.Partial => "partial",
        WeekCoverage.Gaps => "gaps",
        _ => "no_data",
    };

    public static string IndexHtml(OrgReport org)
    {
        var h = new StringBuilder();
        var title = $"{Words.Legacy} across the organization, week {org.Week}";
        Page.Open(h, title);
        var (legacy, tls, unknown) = org.Trend.Count == 0 ? (0L, 0L, 0L) : (org.Trend[^1].Legacy, org.Trend[^1].Tls, org.Trend[^1].Unknown);
        var open = org.Accounts.Where(a => a.IsOpen).ToList();
        h.Append(Inv, $"<h1>{Escape.Html(title)}</h1>");
        if (org.CoverageNote is { } note)
        {
            h.Append("<p class=\"warn\">").Append(Escape.Html(note)).Append("</p>");
        }

        h.Append(Inv, $"<p>{org.Week.Monday:yyyy-MM-dd} to {org.Week.Sunday:yyyy-MM-dd} UTC: <b>{Words.Calls(legacy, "legacy")}</b> over {Words.Legacy} of {Words.Calls(tls)} with a known TLS version ({(tls == 0 ? 0 : (double)legacy / tls):P2}); {Words.Calls(unknown)} where the service did not report TLS or reported a value not recognised (unknown, not counted as fine). ")
            .Append(Inv, $"{open.Count} of {org.Accounts.Count} accounts need action. A client is resolved after {org.ResolveAfterWeeks} complete weeks without legacy calls that the lake covers every day.</p>");
        h.Append("<p>").Append(Escape.Html(Words.WhenTheyFail)).Append("</p>");
        if (org.Accounts.All(a => Words.OwnerUnknown(a.Owner)) && org.Accounts.Count > 0)
        {
            h.Append("<p class=\"hint\">").Append(Escape.Html(Words.OwnersHint)).Append("</p>");
        }

        h.Append(Inv, $"<h2>Share of calls over {Words.Legacy}, last {org.WeeksBack + 1} weeks</h2>");
        h.Append(Page.Chart(org.Trend.Select(t => (t.Week.ToString(), t.HasData ? (double?)(t.Tls == 0 ? 0 : (double)t.Legacy / t.Tls) : null)).ToList()));
        h.Append(Inv, $"<h2>Accounts that need action ({open.Count})</h2>");
        if (open.Count == 0)
        {
            h.Append("<p>None this week.</p>");
        }
        else
        {
            AccountTable(h, open);
        }

        var rest = org.Accounts.Where(a => !a.IsOpen).ToList();
        if (rest.Count > 0)
        {
            h.Append(Inv, $"<details><summary>{rest.Count} {(rest.Count == 1 ? "account" : "accounts")} with nothing open</summary>");
            AccountTable(h, rest);
            h.Append("</details>");
        }

        h.Append($"<h2>Client families still on {Words.Legacy}</h2><table><tr><th>family</th><th>legacy calls</th><th>clients</th></tr>");
        foreach (var (family, calls, clients) in org.TopFamilies)
        {
            h.Append(Inv, $"<tr><td>{Escape.Html(family)}</td><td class=\"n\">{calls:N0}</td><td class=\"n\">{clients}</td></tr>");
        }

        h.Append("</table><h2>Severities</h2><p>High: 1,000 or more legacy calls by open clients (due 14 days after the week the earliest was first seen); Medium: 50 or more (30 days); Low: fewer, or clients not seen lately but not yet resolved (60 days); Info: nothing open, the ticket reports what was fixed and can be closed.</p>");
        Page.Close(h);
        return h.ToString();
    }

    private static void AccountTable(StringBuilder h, IEnumerable<AccountReport> accounts)
    {
        h.Append("<table><tr><th>account</th><th>name</th><th>owner</th><th>severity</th><th>due</th><th>legacy calls</th><th>share</th><th>unknown</th><th>open clients</th><th>new</th><th>not seen lately</th><th>resolved this week</th><th>data this week</th></tr>");
        foreach (var a in accounts)
        {
            h.Append(Inv, $"<tr><td><a href=\"accounts/{a.Owner.AccountId}.html\">{a.Owner.AccountId}</a></td><td>{Escape.Html(a.Owner.Name)}</td><td>{Escape.Html(a.Owner.Email ?? a.Owner.Team)}</td>")
                .Append(Inv, $"<td>{a.Severity}</td><td>{(a.DueDate is { } due ? due.ToString("yyyy-MM-dd", Inv) : string.Empty)}</td>")
                .Append(Inv, $"<td class=\"n\">{a.LegacyCalls:N0}</td><td class=\"n\">{a.LegacyShare:P1}</td><td class=\"n\">{a.UnknownCalls + a.UnrecognisedCalls:N0}</td><td class=\"n\">{a.Active.Count()}</td>")
                .Append(Inv, $"<td class=\"n\">{a.Offenders.Count(o => o.Status == OffenderStatus.New)}</td><td class=\"n\">{a.Offenders.Count(o => o.Status == OffenderStatus.NotSeen)}</td><td class=\"n\">{a.ResolvedSinceLastWeek.Count()}</td>")
                .Append(Inv, $"<td>{Escape.Html(CoverageText(a))}</td></tr>");
        }

        h.Append("</table>");
    }

    public static string SummaryCsv(OrgReport org)
    {
        var sb = new StringBuilder("account_id,account_name,owner_email,team,week,coverage,calls,legacy_calls,tls_calls,unknown_calls,unrecognised_calls,legacy_share,open_clients,new_clients,not_seen_clients,resolved_clients,resolved_this_week,severity,due_date\n");
        foreach (var a in org.Accounts.OrderBy(a => a.Owner.AccountId, StringComparer.Ordinal))
        {
            sb.Append(Inv, $"{a.Owner.AccountId},{Escape.Csv(a.Owner.Name)},{Escape.Csv(a.Owner.Email)},{Escape.Csv(a.Owner.Team)},{a.Week},{CoverageCode(a.Coverage)},{a.Calls},{a.LegacyCalls},{a.TlsCalls},{a.UnknownCalls},{a.UnrecognisedCalls},{a.LegacyShare.ToString("F6", Inv)},")
                .Append(Inv, $"{a.Active.Count()},{a.Offenders.Count(o => o.Status == OffenderStatus.New)},{a.Offenders.Count(o => o.Status == OffenderStatus.NotSeen)},{a.Resolved.Count()},{a.ResolvedSinceLastWeek.Count()},{a.Severity},{a.DueDate?.ToString("yyyy-MM-dd", Inv)}\n");
        }

        return sb.ToString();
    }

    /// <summary>Clients a ticket lists (most legacy calls first); the rest are counted in it and listed on the account page.</summary>
    public const int TicketClients = 50;

    /// <summary>The clients a ticket is about: those still open and those resolved by this week's report.</summary>
    private static List<Offender> Reported(AccountReport a) => a.Offenders.Where(o => o.IsOpen || o.ResolvedThisWeek).ToList();

    /// <summary>One ticket per account with open clients or clients resolved this week; open while any client is open.</summary>
    public static List<Dictionary<string, object?>> Tickets(OrgReport org) =>
        org.Accounts.Where(a => a.NeedsTicket).OrderBy(a => a.Owner.AccountId, StringComparer.Ordinal).Select(Ticket).ToList();

    private static List<Dictionary<string, object?>> Counted(IReadOnlyList<Counted> values) =>
        values.Select(v => new Dictionary<string, object?> { ["value"] = Escape.Cut(v.Value), ["calls"] = v.Calls }).ToList();

    private static Dictionary<string, object?> Ticket(AccountReport a)
    {
        var clients = Reported(a);
        return new Dictionary<string, object?>
        {
            ["key"] = $"TLS-{a.Owner.AccountId}",
            ["account_id"] = a.Owner.AccountId,
            ["account_name"] = a.Owner.Name,
            ["owner"] = a.Owner.Email,
            ["team"] = a.Owner.Team,
            ["week"] = a.Week.ToString(),
            ["coverage"] = CoverageCode(a.Coverage),
            ["coverage_note"] = a.CoverageNote,
            ["legacy_calls"] = a.LegacyCalls,
            ["tls_calls"] = a.TlsCalls,
            ["unknown_calls"] = a.UnknownCalls,
            ["unrecognised_calls"] = a.UnrecognisedCalls,
            ["legacy_share"] = Math.Round(a.LegacyShare, 6),
            ["status"] = a.IsOpen ? "open" : "resolved",
            ["severity"] = a.Severity,
            ["due_date"] = a.DueDate?.ToString("yyyy-MM-dd", Inv),
            ["offenders"] = clients.Take(TicketClients).Select(o => new Dictionary<string, object?>
            {
                ["principal"] = Escape.Cut(o.Client.Principal),
                ["caller_kind"] = o.Client.Kind.ToString().ToLowerInvariant(),
                ["user_agent"] = Escape.Cut(o.UserAgent),
                ["source"] = Escape.Cut(o.Source),
                ["status"] = o.StatusCode,
                ["legacy_calls"] = o.LegacyCalls,
                ["session_count"] = o.Facets.SessionCount,
                ["sample_sessions"] = o.Facets.Sessions.Take(3).Select(s => Escape.Cut(s.Value)).ToList(),
                ["user_agents"] = Counted(o.Facets.UserAgents),
                ["user_agent_count"] = o.Facets.UserAgentCount,
                ["sources"] = Counted(o.Facets.Sources),
                ["source_count"] = o.Facets.SourceCount,
                ["tls_versions"] = Cut(o.TlsVersions),
                ["cipher_suites"] = Cut(o.CipherSuites),
                ["endpoints"] = Cut(o.Endpoints),
                ["event_sources"] = Cut(o.EventSources),
                ["regions"] = Cut(o.Regions),
                ["recipient_accounts"] = o.RecipientAccounts,
                ["top_event_names"] = o.TopEventNames.Select(n => new Dictionary<string, object?> { ["name"] = Escape.Cut(n.Name), ["calls"] = n.Calls }).ToList(),
                ["first_seen"] = o.FirstSeen.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv),
                ["last_seen"] = o.LastSeen.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv),
                ["quiet_weeks"] = o.QuietWeeks,
                ["sample_event_ids"] = Cut(o.SampleEventIds),
                ["client_family"] = o.Classification.Family,
                ["client"] = Escape.Cut(o.Classification.Describe()),
                ["remediation"] = o.Classification.Advice,
            }).ToList(),
            ["offenders_not_listed"] = new Dictionary<string, object>
            {
                ["clients"] = Math.Max(0, clients.Count - TicketClients),
                ["legacy_calls"] = clients.Skip(TicketClients).Sum(o => o.LegacyCalls),
            },
            ["account_page"] = $"accounts/{a.Owner.AccountId}.html",
            ["summary"] = Summary(a),
            ["description"] = AccountPages.Markdown(a, brief: true),
        };
    }

    private static List<string?> Cut(IEnumerable<string> values) => values.Select(v => Escape.Cut(v)).ToList();

    public static string TicketsJson(OrgReport org) => JsonSerializer.Serialize(Tickets(org), Json) + "\n";

    /// <summary>Tickets in a form Jira's CSV import takes; descriptions use {noformat} for anything from the lake.</summary>
    public static string TicketsCsv(OrgReport org)
    {
        var sb = new StringBuilder("Summary,Description,Priority,Severity,Status,Labels,Due date,Assignee,External ID\n");
        foreach (var a in org.Accounts.Where(a => a.NeedsTicket).OrderBy(a => a.Owner.AccountId, StringComparer.Ordinal))
        {
            var d = new StringBuilder();
            if (a.CoverageNote is { } note)
            {
                d.Append('*').Append(Escape.Jira(note)).Append("*\n");
            }

            d.Append(Inv, $"{Words.Calls(a.LegacyCalls, "legacy")} over {Words.Legacy} in week {a.Week} ({a.LegacyShare:P1} of calls with a known TLS version); {Words.Calls(a.UnknownCalls + a.UnrecognisedCalls)} with unknown or unrecognised TLS.\n");
            d.Append(Words.WhenTheyFail).Append('\n');
            if (Words.OwnerUnknown(a.Owner))
            {
                d.Append(Escape.Jira(Words.OwnersHint)).Append('\n');
            }

            var clients = Reported(a);
            var client = new StringBuilder();
            var listed = 0;
            foreach (var o in clients)
            {
                client.Clear();
                client.Append(Inv, $"\nh4. {o.StatusText}: {Words.Calls(o.LegacyCalls, "legacy")}\n{{noformat}}\n");
                client.Append("identity:    ").Append(Escape.Jira(o.Client.Principal)).Append('\n');
                if (Words.Kind(o.Client.Kind) is { } kind)
                {
                    client.Append("called with: ").Append(kind).Append('\n');
                }

                if (o.Facets.SessionCount > 0)
                {
                    client.Append("sessions:    ").Append(Escape.Jira(string.Create(Inv, $"{o.Facets.SessionCount:N0}, e.g. {string.Join(", ", o.Facets.Sessions.Take(3).Select(s => s.Value))}"))).Append('\n');
                }

                foreach (var (label, top, distinct) in new[] { ("user agent:  ", o.Facets.UserAgents, o.Facets.UserAgentCount), ("source:      ", o.Facets.Sources, o.Facets.SourceCount) })
                {
                    foreach (var value in Words.FacetValues(top))
                    {
                        client.Append(label).Append(Escape.Jira(value)).Append('\n');
                    }

                    if (distinct > top.Count)
                    {
                        client.Append(label).Append(Inv, $"… {distinct - top.Count:N0} more\n");
                    }
                }
                client.Append("samples:     ").Append(Escape.Jira(string.Join(", ", o.SampleEventIds))).Append("\n{noformat}\n");
                foreach (var advice in o.Classification.Advice)
                {
                    client.Append("* ").Append(Escape.Jira(advice).Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
                }

                // Held back: the line that counts the clients left out.
                if (d.Length + client.Length > AccountPages.MaxDescription - 300)
                {
                    break;
                }

                d.Append(client);
                listed++;
            }

            if (listed < clients.Count)
            {
                d.Append(Inv, $"\n*{Words.Clients(clients.Count - listed, "more")}* ({Words.Calls(clients.Skip(listed).Sum(o => o.LegacyCalls), "legacy")}) not listed here: see accounts/{a.Owner.AccountId}.html in this week's report, and accounts/{AccountPages.ClientsCsvName(a)}.\n");
            }

            var priority = a.Severity switch { "High" => "High", "Medium" => "Medium", "Low" => "Low", _ => "Lowest" };
            sb.Append(Escape.Csv(Summary(a))).Append(',').Append(Escape.CsvText(d.ToString())).Append(',').Append(priority).Append(',')
                .Append(a.Severity).Append(',').Append(a.IsOpen ? "Open" : "Resolved").Append(',')
                .Append(Escape.Csv("tls-legacy")).Append(',').Append(a.DueDate?.ToString("yyyy-MM-dd", Inv) ?? string.Empty).Append(',')
                .Append(Escape.Csv(a.Owner.Email)).Append(',').Append(Escape.Csv($"TLS-{a.Owner.AccountId}")).Append('\n');
        }

        return sb.ToString();
    }

    private static string Summary(AccountReport a)
    {
        var open = a.Active.Count();
        if (open == 0)
        {
            return $"[{a.Week}] {Words.Account(a.Owner)}: {Words.Legacy} clients resolved";
        }

        var calling = a.Active.Count(o => o.Status != OffenderStatus.NotSeen);
        return calling > 0
            ? string.Create(Inv, $"[{a.Week}] {Words.Clients(open)} in {Words.Account(a.Owner)} still call AWS over {Words.Legacy} ({Words.Calls(a.LegacyCalls)} this week)")
            : string.Create(Inv, $"[{a.Week}] {Words.Clients(open)} in {Words.Account(a.Owner)} called AWS over {Words.Legacy}, not seen since; open until {a.ResolveAfterWeeks} covered weeks pass");
    }
}
