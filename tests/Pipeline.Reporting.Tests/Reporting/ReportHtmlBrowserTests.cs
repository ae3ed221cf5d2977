using System.Diagnostics;
using System.Text.RegularExpressions;
using Pipeline.Reporting;
using Pipeline.Reporting.Weeks;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.ReportFixture;

namespace Pipeline.Tests.Reporting;

/// <summary>
/// The HTML pages as a real browser reads them: headless Chromium (Debian's <c>chromium</c>, which <c>.ci/run</c>
/// installs) parses each page, and the tests read back the DOM it built and a screenshot.
/// </summary>
public sealed class ReportHtmlBrowserTests
{
    private static readonly Lazy<string?> Browser = new(() =>
        new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists));

    private static string SkipReason => "no headless browser: install Debian's chromium (apt-get install chromium; .ci/run does) to check the pages in one";

    private static string Chromium(TempDir dir, params string[] args)
    {
        var start = new ProcessStartInfo(Browser.Value!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", $"--user-data-dir={dir.Sub("chromium-profile")}" }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish in 90 s");
        }

        return stdout.Result;
    }

    [SkippableFact]
    public async Task Html_AccountPageAndIndex_ParseInChromiumAsWrittenWithHostileStringsInert()
    {
        Skip.If(Browser.Value is null, SkipReason);
        using var dir = new TempDir();
        var lake = await BuildLake(dir);
        var org = await ReportJob.RunAsync(new ReportRequest(lake, new IsoWeek(2026, 47), dir.Sub("out"), 4, Now: new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        var week = Path.Combine(dir.Sub("out"), "2026-W47");
        var a = org.Accounts.Single(x => x.Owner.AccountId == A);

        var page = Chromium(dir, "--dump-dom", new Uri(Path.Combine(week, "accounts", A + ".html")).AbsoluteUri);
        var index = Chromium(dir, "--dump-dom", new Uri(Path.Combine(week, "index.html")).AbsoluteUri);
        var shot = dir.Sub("index.png");
        Chromium(dir, "--window-size=1400,1600", $"--screenshot={shot}", new Uri(Path.Combine(week, "index.html")).AbsoluteUri);

        // The browser built the page as written: one card per open client, no element from the data.
        Assert.Contains("<h1>", page, StringComparison.Ordinal);
        Assert.Equal(a.Active.Count(), Regex.Count(page, "<section class=\"client\">"));
        Assert.DoesNotMatch("<script|<img|<iframe|<a [^>]*href=\"http", page);
        Assert.Contains("&lt;script&gt;alert('ua')&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.Contains("Ünïcödé-クライアント", page, StringComparison.Ordinal);
        // The trend: W43–W45 have no data (no point, a "no data" mark), W46 and W47 a point each.
        Assert.Equal(2, Regex.Count(page, "<circle "));
        Assert.Equal(3, Regex.Count(page, "class=\"nodata\""));
        Assert.Contains("ISO week (UTC)", page, StringComparison.Ordinal);
        // The index ranks the accounts that need action in its first table, all of them linked.
        Assert.Contains("Accounts that need action", index, StringComparison.Ordinal);
        Assert.Equal(org.Accounts.Count, Regex.Count(index, "<a href=\"accounts/[0-9]{12}\\.html\">"));
        Assert.True(new FileInfo(shot).Length > 20_000, "the screenshot is empty");
    }
}
