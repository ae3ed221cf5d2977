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

    public static string IndexHtml(OrgReport org)
    {
        var h = new StringBuilder();
        var title = $"TLS 1.0/1.1 across the organization, week {org.Week}";
        Page.Open(h, title);
        var (legacy, tls, unknown) = org.Trend.Count == 0 ? (0L, 0L, 0L) : (org.Trend[^1].Legacy, org.Trend[^1].Tls, org.Trend[^1].Unknown);
        h.Append(Inv, $"<h1>{Escape.Html(title)}</h1><p>{org.Week.Monday:yyyy-MM-dd} to {org.Week.Sunday:yyyy-MM-dd} UTC: <b>{legacy:N0}</b> calls over TLS 1.0/1.1 of {tls:N0} with a known TLS version ({(tls == 0 ? 0 : (double)legacy / tls):P2}); {unknown:N0} calls where the service did not report TLS. {org.Accounts.Count(a => a.LegacyCalls > 0)} of {org.Accounts.Count} accounts have legacy clients.</p>");
        h.Append(Inv, $"<h2>Share of calls over TLS 1.0/1.1, last {org.WeeksBack + 1} weeks</h2>");
        h.Append(Page.Chart(org.Trend.Select(t => (t.Week.ToString(), t.Tls == 0 ? 0 : (double)t.Legacy / t.Tls)).ToList()));
        h.Append("<h2>Accounts by legacy calls</h2><table><tr><th>account</th><th>name</th><th>owner</th><th>legacy calls</th><th>share</th><th>unknown</th><th>clients</th><th>new</th><th>resolved</th><th>severity</th></tr>");
        foreach (var a in org.Accounts)
        {
            h.Append(Inv, $"<tr><td><a href=\"accounts/{a.Owner.AccountId}.html\">{a.Owner.AccountId}</a></td><td>{Escape.Html(a.Owner.Name)}</td><td>{Escape.Html(a.Owner.Email)}</td>")
                .Append(Inv, $"<td class=\"n\">{a.LegacyCalls:N0}</td><td class=\"n\">{a.LegacyShare:P1}</td><td class=\"n\">{a.UnknownCalls:N0}</td><td class=\"n\">{a.Active.Count()}</td>")
                .Append(Inv, $"<td class=\"n\">{a.Offenders.Count(o => o.Status == OffenderStatus.New)}</td><td class=\"n\">{a.Resolved.Count()}</td><td>{a.Severity}</td></tr>");
        }

        h.Append("</table><h2>Client families still on TLS 1.0/1.1</h2><table><tr><th>family</th><th>legacy calls</th><th>clients</th></tr>");
        foreach (var (family, calls, clients) in org.TopFamilies)
        {
            h.Append(Inv, $"<tr><td>{Escape.Html(family)}</td><td class=\"n\">{calls:N0}</td><td class=\"n\">{clients}</td></tr>");
        }

        h.Append("</table>");
        Page.Close(h);
        return h.ToString();
    }

    public static string SummaryCsv(OrgReport org)
    {
        var sb = new StringBuilder("account_id,account_name,owner_email,team,week,calls,legacy_calls,tls_calls,unknown_calls,legacy_share,active_clients,new_clients,resolved_clients,severity\n");
        foreach (var a in org.Accounts.OrderBy(a => a.Owner.AccountId, StringComparer.Ordinal))
        {
            sb.Append(Inv, $"{a.Owner.AccountId},{Escape.Csv(a.Owner.Name)},{Escape.Csv(a.Owner.Email)},{Escape.Csv(a.Owner.Team)},{a.Week},{a.Calls},{a.LegacyCalls},{a.TlsCalls},{a.UnknownCalls},{a.LegacyShare.ToString("F6", Inv)},{a.Active.Count()},{a.Offenders.Count(o => o.Status == OffenderStatus.New)},{a.Resolved.Count()},{a.Severity}\n");
        }

        return sb.ToString();
    }

    /// <summary>Clients a ticket lists (most legacy calls first); the rest are counted in it and listed on the account page.</summary>
    public const int TicketClients = 50;

    /// <summary>The clients a ticket is about: those still on TLS 1.0/1.1 and those fixed since last week.</summary>
    private static List<Offender> Reported(AccountReport a) => a.Offenders.Where(o => o.Status != OffenderStatus.Resolved || a.ResolvedSinceLastWeek.Contains(o)).ToList();

    /// <summary>One ticket per account with legacy calls this week or clients fixed since last week.</summary>
    public static List<Dictionary<string, object?>> Tickets(OrgReport org) =>
        org.Accounts.Where(a => a.NeedsTicket).OrderBy(a => a.Owner.AccountId, StringComparer.Ordinal).Select(Ticket).ToList();

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
            ["legacy_calls"] = a.LegacyCalls,
            ["tls_calls"] = a.TlsCalls,
            ["unknown_calls"] = a.UnknownCalls,
            ["legacy_share"] = Math.Round(a.LegacyShare, 6),
            ["status"] = a.LegacyCalls > 0 ? "open" : "resolved",
            ["severity"] = a.Severity,
            ["due_date"] = a.LegacyCalls > 0 ? a.DueDate.ToString("yyyy-MM-dd", Inv) : null,
            ["offenders"] = clients.Take(TicketClients).Select(o => new Dictionary<string, object?>
            {
                ["principal"] = Escape.Cut(o.Client.Principal),
                ["user_agent"] = Escape.Cut(o.Client.UserAgent),
                ["source"] = Escape.Cut(o.Client.Source),
                ["status"] = o.Status.ToString().ToLowerInvariant(),
                ["legacy_calls"] = o.LegacyCalls,
                ["tls_versions"] = Cut(o.TlsVersions),
                ["cipher_suites"] = Cut(o.CipherSuites),
                ["endpoints"] = Cut(o.Endpoints),
                ["event_sources"] = Cut(o.EventSources),
                ["regions"] = Cut(o.Regions),
                ["recipient_accounts"] = o.RecipientAccounts,
                ["top_event_names"] = o.TopEventNames.Select(n => new Dictionary<string, object?> { ["name"] = Escape.Cut(n.Name), ["calls"] = n.Calls }).ToList(),
                ["first_seen"] = o.FirstSeen.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv),
                ["last_seen"] = o.LastSeen.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv),
                ["sample_event_ids"] = Cut(o.SampleEventIds),
                ["client_family"] = o.Classification.Family,
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

    private static List<string?> Cut(IEnumerable<string> values) => values.Select(Escape.Cut).ToList();

    public static string TicketsJson(OrgReport org) => JsonSerializer.Serialize(Tickets(org), Json) + "\n";

    /// <summary>Tickets in a form Jira's CSV import takes; descriptions use {noformat} for anything from the lake.</summary>
    public static string TicketsCsv(OrgReport org)
    {
        var sb = new StringBuilder("Summary,Description,Priority,Labels,Due date,Assignee,External ID\n");
        foreach (var a in org.Accounts.Where(a => a.NeedsTicket).OrderBy(a => a.Owner.AccountId, StringComparer.Ordinal))
        {
            var d = new StringBuilder();
            d.Append(Inv, $"{a.LegacyCalls:N0} calls over TLS 1.0/1.1 in week {a.Week} ({a.LegacyShare:P1} of calls with a known TLS version); {a.UnknownCalls:N0} calls with unknown TLS.\n");
            var clients = Reported(a);
            var client = new StringBuilder();
            var listed = 0;
            foreach (var o in clients)
            {
                client.Clear();
                client.Append(Inv, $"\nh4. {o.Status.ToString().ToLowerInvariant()}: {o.LegacyCalls:N0} legacy calls\n{{noformat}}\n");
                client.Append("principal:  ").Append(Escape.Jira(o.Client.Principal)).Append('\n');
                client.Append("user agent: ").Append(Escape.Jira(o.Client.UserAgent)).Append('\n');
                client.Append("source:     ").Append(Escape.Jira(o.Client.Source)).Append('\n');
                client.Append("samples:    ").Append(Escape.Jira(string.Join(", ", o.SampleEventIds))).Append("\n{noformat}\n");
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
                d.Append(Inv, $"\n*{clients.Count - listed:N0} more clients* ({clients.Skip(listed).Sum(o => o.LegacyCalls):N0} legacy calls) are not listed here: see accounts/{a.Owner.AccountId}.html in this week's report, and accounts/{AccountPages.ClientsCsvName(a)}.\n");
            }

            var priority = a.Severity switch { "High" => "High", "Medium" => "Medium", "Low" => "Low", _ => "Lowest" };
            sb.Append(Escape.Csv(Summary(a))).Append(',').Append(Escape.CsvText(d.ToString())).Append(',').Append(priority).Append(',')
                .Append(Escape.Csv("tls-legacy")).Append(',').Append(a.LegacyCalls > 0 ? a.DueDate.ToString("yyyy-MM-dd", Inv) : string.Empty).Append(',')
                .Append(Escape.Csv(a.Owner.Email)).Append(',').Append(Escape.Csv($"TLS-{a.Owner.AccountId}")).Append('\n');
        }

        return sb.ToString();
    }

    private static string Summary(AccountReport a) => a.LegacyCalls > 0
        ? string.Create(Inv, $"[{a.Week}] {a.Active.Count()} client(s) in {Escape.Clean(a.Owner.Name ?? a.Owner.AccountId)} ({a.Owner.AccountId}) still call AWS over TLS 1.0/1.1 ({a.LegacyCalls:N0} calls)")
        : string.Create(Inv, $"[{a.Week}] {Escape.Clean(a.Owner.Name ?? a.Owner.AccountId)} ({a.Owner.AccountId}): TLS 1.0/1.1 clients resolved");
}
