using Pipeline.Reporting.Model;
using Pipeline.Reporting.Owners;
using Pipeline.Reporting.Rules;
using Pipeline.Reporting.Weeks;

namespace Pipeline.Reporting;

/// <summary>Turns the query rows of a window into per-account reports with statuses against earlier weeks.</summary>
public static class ReportBuilder
{
    public static OrgReport Build(IsoWeek week, int weeksBack, IReadOnlyList<AccountWeek> weeks, IReadOnlyList<OffenderCalls> calls,
        OwnerDirectory owners, ClientRules rules)
    {
        var offenders = OffenderRollup.PerClient(calls);
        var monday = week.Monday;
        var trendWeeks = Enumerable.Range(0, weeksBack + 1).Select(i => week.AddWeeks(i - weeksBack)).ToList();
        var byAccount = weeks.GroupBy(w => w.Account).ToDictionary(g => g.Key, g => g.ToDictionary(w => w.WeekStart));
        var namesByClient = calls.GroupBy(e => (e.WeekStart, e.Account, e.Client)).ToDictionary(g => g.Key, g => g.ToList());
        var offendersByAccount = offenders.GroupBy(o => o.Account).ToDictionary(g => g.Key, g => g.ToList());

        var accounts = new List<AccountReport>();
        var accountIds = byAccount.Keys.Concat(offenders.Select(o => o.Account)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var account in accountIds)
        {
            var figures = byAccount.GetValueOrDefault(account) ?? [];
            var thisWeek = figures.GetValueOrDefault(monday);
            var clients = new List<Offender>();
            foreach (var history in offendersByAccount.GetValueOrDefault(account, []).GroupBy(o => o.Client))
            {
                var current = history.FirstOrDefault(h => h.WeekStart == monday);
                var earlier = history.Where(h => h.WeekStart < monday).OrderByDescending(h => h.WeekStart).FirstOrDefault();
                var row = current ?? earlier;
                if (row is null)
                {
                    continue;
                }

                var status = current is null ? OffenderStatus.Resolved : earlier is null ? OffenderStatus.New : OffenderStatus.Ongoing;
                var names = namesByClient.GetValueOrDefault((row.WeekStart, account, history.Key)) ?? [];
                clients.Add(new Offender(
                    row, status, history.Min(h => h.FirstSeen),
                    names.OrderByDescending(n => n.LegacyCalls).ThenBy(n => n.EventName, StringComparer.Ordinal).Take(5).Select(n => (n.EventName, n.LegacyCalls)).ToList(),
                    names.OrderByDescending(n => n.LegacyCalls).ThenBy(n => n.EventName, StringComparer.Ordinal).Select(n => n.SampleEventId).Distinct().Take(3).ToList(),
                    rules.Classify(history.Key.UserAgent)));
            }

            var ordered = clients
                .OrderBy(c => c.Status == OffenderStatus.Resolved ? 1 : 0)
                .ThenByDescending(c => c.LegacyCalls)
                .ThenBy(c => c.Client.Principal, StringComparer.Ordinal)
                .ThenBy(c => c.Client.UserAgent, StringComparer.Ordinal)
                .ThenBy(c => c.Client.Source, StringComparer.Ordinal)
                .ToList();
            var trend = trendWeeks.Select(w => figures.TryGetValue(w.Monday, out var f) ? (w, f.LegacyCalls, f.TlsCalls) : (w, 0L, 0L)).ToList();
            accounts.Add(new AccountReport(owners[account], week, thisWeek?.Calls ?? 0, thisWeek?.LegacyCalls ?? 0, thisWeek?.TlsCalls ?? 0,
                thisWeek?.UnknownCalls ?? 0, trend, ordered));
        }

        var orgTrend = trendWeeks.Select(w =>
        {
            var rows = weeks.Where(x => x.WeekStart == w.Monday).ToList();
            return (w, rows.Sum(r => r.LegacyCalls), rows.Sum(r => r.TlsCalls), rows.Sum(r => r.UnknownCalls));
        }).ToList();
        var families = accounts.SelectMany(a => a.Active)
            .GroupBy(o => o.Classification.Family)
            .Select(g => (g.Key, g.Sum(o => o.LegacyCalls), g.Count()))
            .OrderByDescending(f => f.Item2).ThenBy(f => f.Key, StringComparer.Ordinal)
            .ToList();
        var ranked = accounts.OrderByDescending(a => a.LegacyCalls).ThenBy(a => a.Owner.AccountId, StringComparer.Ordinal).ToList();
        return new OrgReport(week, weeksBack, ranked, orgTrend, families);
    }
}
