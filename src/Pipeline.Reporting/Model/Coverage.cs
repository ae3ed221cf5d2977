using Pipeline.Reporting.Weeks;

namespace Pipeline.Reporting.Model;

/// <summary>Whether the lake holds an account's week in full: the evidence a resolution needs.</summary>
public enum WeekCoverage
{
    /// <summary>Records for each of the week's seven days, and the week is over.</summary>
    Covered,

    /// <summary>The week is not over yet (the current week): statuses compare an unfinished week.</summary>
    Partial,

    /// <summary>Some days of the week have no records (a trail that stopped delivering, a backfill not yet run).</summary>
    Gaps,

    /// <summary>No records at all for the week.</summary>
    NoData,
}

/// <summary>Which days of the window the lake received each account's records (<c>coverage.sql</c>), and what time it is.</summary>
public sealed class Coverage
{
    private readonly Dictionary<string, HashSet<DateOnly>> _days;
    private readonly HashSet<DateOnly> _anyAccount;
    private readonly DateOnly _today;

    public Coverage(IEnumerable<CoverageDay> days, DateTimeOffset now)
    {
        _days = days.GroupBy(d => d.Account, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(d => d.Day).ToHashSet(), StringComparer.Ordinal);
        _anyAccount = _days.Values.SelectMany(d => d).ToHashSet();
        Now = now;
        _today = DateOnly.FromDateTime(now.UtcDateTime);
    }

    /// <summary>When the report runs: a week that has not ended by then is partial.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>Whether the lake holds any records of <paramref name="account"/> in the window.</summary>
    public bool Knows(string account) => _days.ContainsKey(account);

    /// <summary>Whether the week has ended (UTC).</summary>
    public bool IsOver(IsoWeek week) => week.Sunday < _today;

    /// <summary>How much of the week the lake holds for <paramref name="account"/>.</summary>
    public WeekCoverage Of(string account, IsoWeek week)
    {
        var days = _days.GetValueOrDefault(account);
        var held = days is null ? 0 : Days(week).Count(days.Contains);
        return held == 0 ? WeekCoverage.NoData : !IsOver(week) ? WeekCoverage.Partial : held == 7 ? WeekCoverage.Covered : WeekCoverage.Gaps;
    }

    /// <summary>Whether the week is over and the lake holds each of its days for every one of <paramref name="accounts"/>.</summary>
    public bool Covers(IEnumerable<string> accounts, IsoWeek week) => accounts.All(a => Of(a, week) == WeekCoverage.Covered);

    /// <summary>The week's days, up to today, without records for <paramref name="account"/>.</summary>
    public List<DateOnly> MissingDays(string account, IsoWeek week)
    {
        var days = _days.GetValueOrDefault(account);
        return Days(week).Where(d => d <= _today && (days is null || !days.Contains(d))).ToList();
    }

    /// <summary>Whether any account has records in the week.</summary>
    public bool HasData(IsoWeek week) => Days(week).Any(_anyAccount.Contains);

    /// <summary>Days, up to today, of the week without records from any account.</summary>
    public List<DateOnly> EmptyDays(IsoWeek week) => Days(week).Where(d => d <= _today && !_anyAccount.Contains(d)).ToList();

    private static IEnumerable<DateOnly> Days(IsoWeek week) => Enumerable.Range(0, 7).Select(week.Monday.AddDays);

    /// <summary>Days written compactly: <c>2026-11-16 to 2026-11-18, 2026-11-21</c>.</summary>
    public static string Describe(IReadOnlyList<DateOnly> days)
    {
        var parts = new List<string>();
        for (var i = 0; i < days.Count;)
        {
            var j = i;
            while (j + 1 < days.Count && days[j + 1] == days[j].AddDays(1))
            {
                j++;
            }

            parts.Add(j == i ? Day(days[i]) : $"{Day(days[i])} to {Day(days[j])}");
            i = j + 1;
        }

        return string.Join(", ", parts);
    }

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
