using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.Reporting.Weeks;

/// <summary>An ISO-8601 week, Monday to Sunday in UTC, written <c>2026-W47</c>.</summary>
public readonly partial record struct IsoWeek(int Year, int Week)
{
    public DateOnly Monday => DateOnly.FromDateTime(ISOWeek.ToDateTime(Year, Week, DayOfWeek.Monday));

    public DateOnly Sunday => Monday.AddDays(6);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-W{Week:D2}");

    public IsoWeek AddWeeks(int weeks) => Of(Monday.AddDays(7 * weeks));

    public static IsoWeek Of(DateOnly day)
    {
        var dt = day.ToDateTime(TimeOnly.MinValue);
        return new IsoWeek(ISOWeek.GetYear(dt), ISOWeek.GetWeekOfYear(dt));
    }

    /// <summary>The last week that has ended at <paramref name="now"/>.</summary>
    public static IsoWeek LastComplete(DateTimeOffset now) => Of(DateOnly.FromDateTime(now.UtcDateTime)).AddWeeks(-1);

    public static bool TryParse(string text, out IsoWeek week)
    {
        week = default;
        var m = Pattern().Match(text);
        if (!m.Success)
        {
            return false;
        }

        var year = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var number = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        // CloudTrail began in 2013: a year before 2000 is a typo, and would put the trend's earlier weeks before year 1.
        if (year is < 2000 or > 9998 || number < 1 || number > ISOWeek.GetWeeksInYear(year))
        {
            return false;
        }

        week = new IsoWeek(year, number);
        return true;
    }

    [GeneratedRegex(@"^(\d{4})-W(\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
