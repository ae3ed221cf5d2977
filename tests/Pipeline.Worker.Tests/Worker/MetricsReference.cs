using System.Text.RegularExpressions;

namespace Pipeline.Worker.Tests.Worker;

/// <summary>
/// The metrics table of docs/operations.md against the code's instruments and the worker's real /metrics: every
/// metric the docs name is one the code defines (under the Prometheus name the exporter gives it), every instrument
/// is documented, and every family a running worker exposes is in the table.
/// </summary>
internal static partial class MetricsReference
{
    [GeneratedRegex(@"^\| `(pipeline_[a-z_]+)", RegexOptions.Multiline)]
    private static partial Regex DocRow();

    [GeneratedRegex(@"Create(Observable)?(Counter|Gauge|UpDownCounter|Histogram)(<\w+>)?\(\s*""(pipeline\.[a-z_.]+)""(?<rest>[\s\S]{0,400}?)\);")]
    private static partial Regex Instrument();

    [GeneratedRegex(@"\(""(pipeline\.[a-z_.]+)"", ""(\{[a-z]+\})"", ""[^""]*""\)")]
    private static partial Regex HeldGauge();

    [GeneratedRegex(@"""(s|ms|By|1|\{[a-z]+\})""")]
    private static partial Regex Unit();

    [GeneratedRegex(@"^# TYPE (pipeline_[a-z_]+) ", RegexOptions.Multiline)]
    private static partial Regex ScrapeFamily();

    public static HashSet<string> Documented() =>
        DocRow().Matches(File.ReadAllText(Path.Combine(Paths.RepoRoot, "docs", "operations.md"))).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The Prometheus names of the instruments defined in src/, as OpenTelemetry's exporter writes them.</summary>
    public static SortedSet<string> FromCode()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Paths.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var code = File.ReadAllText(file);
            foreach (Match m in Instrument().Matches(code))
            {
                var unit = Unit().Match(m.Groups["rest"].Value) is { Success: true } u ? u.Groups[1].Value : "";
                names.Add(Prometheus(m.Groups[4].Value, unit, counter: m.Groups[2].Value == "Counter"));
            }

            foreach (Match m in HeldGauge().Matches(code))
            {
                names.Add(Prometheus(m.Groups[1].Value, m.Groups[2].Value, counter: false));
            }
        }

        return names;
    }

    /// <summary>The exporter's naming: dots to underscores, the unit's word appended (annotations like {record} dropped), counters end in _total.</summary>
    public static string Prometheus(string name, string unit, bool counter)
    {
        var prometheus = name.Replace('.', '_');
        var word = unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            _ => "",
        };
        if (word.Length > 0 && !prometheus.EndsWith("_" + word, StringComparison.Ordinal))
        {
            prometheus += "_" + word;
        }

        return counter ? prometheus + "_total" : prometheus;
    }

    /// <summary>Every pipeline_* family a running worker exposes is in the docs' table.</summary>
    public static void AssertScrapeDocumented(string scrape)
    {
        var families = ScrapeFamily().Matches(scrape).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(families);
        Assert.Empty(families.Except(Documented()).Order(StringComparer.Ordinal));
    }
}
