using Pipeline.Reporting.Model;
using Pipeline.Reporting.Owners;
using Pipeline.Reporting.Rules;
using Pipeline.Reporting.Weeks;

namespace Pipeline.Reporting;

/// <summary>What the report's queries returned for a window.</summary>
public sealed record WindowRows(
    IReadOnlyList<AccountWeek> Weeks,
    IReadOnlyList<OffenderCalls> Calls,
    IReadOnlyList<FacetRow> Facets,
    IReadOnlyList<CoverageDay> Coverage);

/// <summary>
/// Turns the query rows of a window into per-account reports. A client is resolved only on evidence: absent for
/// <c>resolveAfterWeeks</c> complete weeks that the lake covers, every day, for its account and every account it called.
/// </summary>
public static class ReportBuilder
{
    public static OrgReport Build(IsoWeek week, int weeksBack, int resolveAfterWeeks, WindowRows rows, DateTimeOffset now, OwnerDirectory owners, ClientRules rules)
    {
        var coverage = new Coverage(rows.Coverage, now);
        var offenders = OffenderRollup.PerClient(rows.Calls);
        var facets = ClientFacets.Of(rows.Facets);
        var monday = week.Monday;
        var trendWeeks = Enumerable.Range(0, weeksBack + 1).Select(i => week.AddWeeks(i - weeksBack)).ToList();
        var byAccount = rows.Weeks.GroupBy(w => w.Account).ToDictionary(g => g.Key, g => g.ToDictionary(w => w.WeekStart));
        var namesByClient = rows.Calls.GroupBy(e => (e.WeekStart, e.Account, e.Client)).ToDictionary(g => g.Key, g => g.ToList());
        var offendersByAccount = offenders.GroupBy(o => o.Account).ToDictionary(g => g.Key, g => g.ToList());

        var accounts = new List<AccountReport>();
        var accountIds = byAccount.Keys.Concat(offenders.Select(o => o.Account)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var account in accountIds)
        {
            var figures = byAccount.GetValueOrDefault(account) ?? [];
            var clients = new List<Offender>();
            foreach (var history in offendersByAccount.GetValueOrDefault(account, []).GroupBy(o => o.Client))
            {
                var seen = history.Where(h => h.WeekStart <= monday).OrderBy(h => h.WeekStart).ToList();
                if (seen.Count == 0)
                {
                    continue;
                }

                var row = seen[^1];
                var lastWeek = IsoWeek.Of(row.WeekStart);
                // The weeks that count as evidence of absence: over, and covered for the owner and every account called
                // whose records the lake holds (an account outside the organization's trail cannot be evidence).
                var evidence = row.Seen.RecipientAccounts.Append(account).Distinct(StringComparer.Ordinal).Where(coverage.Knows).DefaultIfEmpty(account).ToList();
                int Quiet(IsoWeek upTo) => Weeks(lastWeek, upTo).Count(w => coverage.Covers(evidence, w));
                OffenderStatus status;
                var quiet = 0;
                var resolvedNow = false;
                int? returned = null;
                if (row.WeekStart == monday)
                {
                    status = seen.Count == 1 ? OffenderStatus.New : OffenderStatus.Ongoing;
                    if (seen.Count > 1)
                    {
                        // Back after a spell that resolved it: it calls less often than the rule assumes.
                        var before = IsoWeek.Of(seen[^2].WeekStart);
                        var gap = Weeks(before, week.AddWeeks(-1)).Count(w => coverage.Covers(evidence, w));
                        returned = gap >= resolveAfterWeeks ? gap : null;
                    }
                }
                else
                {
                    quiet = Quiet(week);
                    status = quiet >= resolveAfterWeeks ? OffenderStatus.Resolved : OffenderStatus.NotSeen;
                    resolvedNow = status == OffenderStatus.Resolved && Quiet(week.AddWeeks(-1)) < resolveAfterWeeks;
                }

                var names = namesByClient.GetValueOrDefault((row.WeekStart, account, history.Key)) ?? [];
                var clientFacets = facets.GetValueOrDefault((row.WeekStart, account, history.Key)) ?? ClientFacets.None;
                clients.Add(new Offender(
                    row, status, seen.Min(h => h.FirstSeen),
                    names.OrderByDescending(n => n.LegacyCalls).ThenBy(n => n.EventName, StringComparer.Ordinal).Take(5).Select(n => (n.EventName, n.LegacyCalls)).ToList(),
                    names.OrderByDescending(n => n.LegacyCalls).ThenBy(n => n.EventName, StringComparer.Ordinal).Select(n => n.SampleEventId).Distinct().Take(3).ToList(),
                    rules.Classify(history.Key.Kind, clientFacets.UserAgents.Select(u => u.Value).ToList()),
                    clientFacets, quiet, resolvedNow, returned));
            }

            var ordered = clients
                .OrderBy(c => c.Status switch { OffenderStatus.Resolved => 2, OffenderStatus.NotSeen => 1, _ => 0 })
                .ThenByDescending(c => c.LegacyCalls)
                .ThenBy(c => c.Client.Principal, StringComparer.Ordinal)
                .ThenBy(c => c.Client.Kind)
                .ToList();
            var trend = trendWeeks.Select(w => figures.TryGetValue(w.Monday, out var f)
                ? new TrendPoint(w, f.LegacyCalls, f.TlsCalls, true)
                : new TrendPoint(w, 0, 0, coverage.Of(account, w) != WeekCoverage.NoData)).ToList();
            // Console and anonymous legacy calls: each call belongs to one client, so the clients' figures add up exactly.
            var calling = clients.Where(c => c.LastLegacyWeek == monday).ToList();
            var thisWeek = (figures.GetValueOrDefault(monday) ?? new AccountWeek(monday, account, 0, 0, 0, 0)) with
            {
                ConsoleLegacyCalls = calling.Where(c => c.Client.Kind == CallerKind.Console).Sum(c => c.LegacyCalls),
                AnonymousLegacyCalls = calling.Where(c => c.Client.Kind == CallerKind.Anonymous).Sum(c => c.LegacyCalls),
            };
            accounts.Add(new AccountReport(owners[account], week, thisWeek, coverage.Of(account, week), coverage.MissingDays(account, week),
                resolveAfterWeeks, trend, ordered));
        }

        var orgTrend = trendWeeks.Select(w =>
        {
            var inWeek = rows.Weeks.Where(x => x.WeekStart == w.Monday).ToList();
            return (w, inWeek.Sum(r => r.LegacyCalls), inWeek.Sum(r => r.TlsCalls), inWeek.Sum(r => r.UnknownCalls + r.UnrecognisedCalls), coverage.HasData(w));
        }).ToList();
        var families = accounts.SelectMany(a => a.Active)
            .GroupBy(o => o.Classification.Family)
            .Select(g => (g.Key, g.Sum(o => o.LegacyCalls), g.Count()))
            .OrderByDescending(f => f.Item2).ThenBy(f => f.Key, StringComparer.Ordinal)
            .ToList();
        // Accounts that need action first (most open legacy calls first), then those with nothing open.
        var ranked = accounts
            .OrderBy(a => a.IsOpen ? 0 : 1)
            .ThenByDescending(a => a.OpenLegacyCalls)
            .ThenByDescending(a => a.LegacyCalls)
            .ThenBy(a => a.Owner.AccountId, StringComparer.Ordinal)
            .ToList();
        return new OrgReport(week, weeksBack, resolveAfterWeeks, coverage.HasData(week), !coverage.IsOver(week), coverage.EmptyDays(week), ranked, orgTrend, families);
    }

    /// <summary>The weeks after <paramref name="after"/> up to and including <paramref name="upTo"/>.</summary>
    private static IEnumerable<IsoWeek> Weeks(IsoWeek after, IsoWeek upTo)
    {
        for (var w = after.AddWeeks(1); w.Monday <= upTo.Monday; w = w.AddWeeks(1))
        {
            yield return w;
        }
    }
}
