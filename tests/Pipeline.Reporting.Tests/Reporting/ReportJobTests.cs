using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Reporting;
using Pipeline.Reporting.Model;
using Pipeline.Reporting.Weeks;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.ReportFixture;

namespace Pipeline.Tests.Reporting;

public sealed class ReportJobTests
{
    private static readonly IsoWeek Week47 = new(2026, 47);

    private static async Task<(TempDir Dir, OrgReport Org, string Out)> Report(string? ownersText = null, string ownersName = "owners.csv")
    {
        var dir = new TempDir();
        var lake = await BuildLake(dir);
        string? owners = null;
        if (ownersText is not null)
        {
            owners = dir.Sub(ownersName);
            await File.WriteAllTextAsync(owners, ownersText);
        }

        var org = await ReportJob.RunAsync(new ReportRequest(lake, Week47, dir.Sub("out"), 4, owners));
        return (dir, org, Path.Combine(dir.Sub("out"), "2026-W47"));
    }

    private const string OwnersCsv = "account_id,name,owner_email,team\n111111111111,alpha,alpha@example.com,payments\n333333333333,\"=cmd|' /C calc'!A0\",gamma@example.com,data\n";

    [Fact]
    public async Task Run_FixtureLake_CountsEachEventOnceAndAttributesToTheOwningAccount()
    {
        var (dir, org, _) = await Report(OwnersCsv);
        using var _ = dir;

        var a = org.Accounts.Single(x => x.Owner.AccountId == A);
        Assert.Equal(8, a.LegacyCalls); // x1 x2 x3 (delivered twice) y1 (Sunday 23:59:59) h1 h2 h3 d1 (outsider's call); not z1 (Monday)
        Assert.Equal(13, a.TlsCalls);
        Assert.Equal(2, a.UnknownCalls);
        Assert.Equal(15, a.Calls);
        var b = org.Accounts.Single(x => x.Owner.AccountId == B);
        Assert.Equal(1, b.LegacyCalls); // b1: B's client calling into A belongs to B
        Assert.Equal([A], Assert.Single(b.Active).RecipientAccounts);
        Assert.DoesNotContain(org.Accounts, x => x.Owner.AccountId == D);
        Assert.Contains(a.Active, o => o.Client.Principal == $"arn:aws:iam::{D}:user/outsider");
    }

    [Fact]
    public async Task Run_WeekOverWeek_MarksNewOngoingAndResolved()
    {
        var (dir, org, _) = await Report(OwnersCsv);
        using var _ = dir;

        var a = org.Accounts.Single(x => x.Owner.AccountId == A);
        Assert.Equal(OffenderStatus.Ongoing, a.Offenders.Single(o => o.Client.Principal.EndsWith(":user/x", StringComparison.Ordinal)).Status);
        Assert.Equal(OffenderStatus.New, a.Offenders.Single(o => o.Client.Principal.EndsWith(":user/y", StringComparison.Ordinal)).Status);
        var x = a.Offenders.Single(o => o.Client.Principal.EndsWith(":user/x", StringComparison.Ordinal));
        Assert.Equal(3, x.LegacyCalls);
        Assert.Equal(["PutObject", "GetObject"], x.TopEventNames.Select(t => t.Name));
        Assert.Equal(["x1", "x3"], x.SampleEventIds);
        Assert.Equal("Java 6/7 + AWS SDK for Java 1.11 or older", x.Classification.Family);

        // C's client called last week only; one quiet week (and C's week has gaps) is no evidence: still open.
        var c = org.Accounts.Single(x => x.Owner.AccountId == C);
        Assert.Equal(0, c.LegacyCalls);
        var quiet = Assert.Single(c.Offenders);
        Assert.Equal(OffenderStatus.NotSeen, quiet.Status);
        Assert.Equal(WeekCoverage.Gaps, c.Coverage);
        Assert.True(c.NeedsTicket);
        Assert.True(c.IsOpen);
    }

    [Fact]
    public async Task Run_Outputs_TicketsJsonHasOneStableTicketPerAccountToTell()
    {
        var (dir, _, outDir) = await Report(OwnersCsv);
        using var _ = dir;

        using var tickets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "tickets.json")));
        var byKey = tickets.RootElement.EnumerateArray().ToDictionary(t => t.GetProperty("key").GetString()!);
        Assert.Equal(["TLS-111111111111", "TLS-222222222222", "TLS-333333333333"], byKey.Keys.Order());
        var a = byKey["TLS-111111111111"];
        Assert.Equal("alpha", a.GetProperty("account_name").GetString());
        Assert.Equal("alpha@example.com", a.GetProperty("owner").GetString());
        Assert.Equal("open", a.GetProperty("status").GetString());
        Assert.Equal(8, a.GetProperty("legacy_calls").GetInt64());
        Assert.Equal(2, a.GetProperty("unknown_calls").GetInt64());
        // Low severity: 60 days from the Sunday of the week its earliest open client was first seen (x0, 2026-W46), so
        // the date holds from week to week.
        Assert.Equal("2027-01-14", a.GetProperty("due_date").GetString());
        Assert.All(a.GetProperty("offenders").EnumerateArray(), o => Assert.NotEmpty(o.GetProperty("remediation").EnumerateArray()));
        // C's client went quiet a week ago: not enough evidence to resolve it, so its ticket stays open.
        Assert.Equal("open", byKey["TLS-333333333333"].GetProperty("status").GetString());
        Assert.Equal("not_seen", Assert.Single(byKey["TLS-333333333333"].GetProperty("offenders").EnumerateArray()).GetProperty("status").GetString());
        foreach (var name in new[] { "tickets.csv", "summary.csv", "index.html", "accounts/111111111111.md", "accounts/111111111111.html", "accounts/333333333333.html" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, name)), name);
        }
    }

    // The schema has an $id, which JsonSchema.Net registers once per process.
    private static readonly Lazy<Json.Schema.JsonSchema> TicketSchema = new(() => Json.Schema.JsonSchema.FromFile(Path.Combine(Paths.RepoRoot, "schemas", "ticket.schema.json")));

    [Theory]
    [InlineData(OwnersCsv)]
    [InlineData(null)]
    public async Task Run_TicketsJson_ValidAgainstTheTicketSchema(string? owners)
    {
        var (dir, _, outDir) = await Report(owners);
        using var _ = dir;
        var schema = TicketSchema.Value;

        using var tickets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "tickets.json")));
        var result = schema.Evaluate(tickets.RootElement, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });

        Assert.True(result.IsValid, string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}")));
        Assert.NotEmpty(tickets.RootElement.EnumerateArray());
    }

    [Fact]
    public void TicketSchema_TicketMissingAField_Invalid()
    {
        var schema = TicketSchema.Value;
        using var bad = JsonDocument.Parse("[{\"key\":\"TLS-111111111111\",\"account_id\":\"111111111111\"}]");

        Assert.False(schema.Evaluate(bad.RootElement).IsValid);
    }

    [Fact]
    public async Task Run_HostileStrings_AreInertInEveryOutput()
    {
        var (dir, _, outDir) = await Report(OwnersCsv);
        using var _ = dir;

        foreach (var html in Directory.GetFiles(outDir, "*.html", SearchOption.AllDirectories))
        {
            var text = await File.ReadAllTextAsync(html);
            Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<img", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\u202E", text, StringComparison.Ordinal);
            Assert.DoesNotContain("src=\"http", text, StringComparison.Ordinal);
        }

        var page = System.Net.WebUtility.HtmlDecode(await File.ReadAllTextAsync(Path.Combine(outDir, "accounts", A + ".html")));
        Assert.Contains("<script>alert('ua')</script>", page, StringComparison.Ordinal);
        Assert.Contains("Ünïcödé-クライアント", page, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('A', 1000), page, StringComparison.Ordinal);

        foreach (var md in Directory.GetFiles(outDir, "*.md", SearchOption.AllDirectories).Append(Path.Combine(outDir, "tickets.json")))
        {
            var text = md.EndsWith(".json", StringComparison.Ordinal)
                ? string.Concat(JsonDocument.Parse(await File.ReadAllTextAsync(md)).RootElement.EnumerateArray().Select(t => t.GetProperty("description").GetString()))
                : await File.ReadAllTextAsync(md);
            foreach (var line in text.Split('\n'))
            {
                // Anything from the data sits inside a code span: an odd number of backticks precedes it on its line.
                foreach (Match m in Regex.Matches(line, "evil\\.example|<script|line two"))
                {
                    Assert.True(line[..m.Index].Count(c => c == '`') % 2 == 1, $"{Path.GetFileName(md)}: live text: {line}");
                }
            }
        }

        foreach (var csv in new[] { "summary.csv", "tickets.csv" })
        {
            var text = await File.ReadAllTextAsync(Path.Combine(outDir, csv));
            Assert.DoesNotMatch("(^|,)\"?[=+\\-@]", text.Split('\n').First(l => l.Contains("calc", StringComparison.Ordinal) || l.Contains("TLS-333", StringComparison.Ordinal)));
        }

        Assert.Contains("\"'=cmd", await File.ReadAllTextAsync(Path.Combine(outDir, "summary.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OwnersFromOrganizationsJson_NamesTheAccounts()
    {
        const string json = """{"Accounts":[{"Id":"111111111111","Arn":"arn:aws:organizations::1:account/o-x/111111111111","Email":"alpha@example.com","Name":"alpha","Status":"ACTIVE","JoinedMethod":"CREATED"},{"Id":"444444444444","Email":"delta@example.com","Name":"delta"}]}""";
        var (dir, org, outDir) = await Report(json, "accounts.json");
        using var _ = dir;

        Assert.Equal("alpha", org.Accounts.Single(x => x.Owner.AccountId == A).Owner.Name);
        Assert.Null(org.Accounts.Single(x => x.Owner.AccountId == B).Owner.Name);
        Assert.Contains("alpha@example.com", await File.ReadAllTextAsync(Path.Combine(outDir, "tickets.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CallerInOwnersFileButNotInLake_OwnsItsCrossAccountCalls()
    {
        // D made a call into A; once the owners file says D is in the organization, the call is D's.
        var (dir, org, _) = await Report($"account_id,name,owner_email,team\n{D},dee,d@example.com,x\n");
        using var _ = dir;

        var d = org.Accounts.Single(x => x.Owner.AccountId == D);
        Assert.Equal(1, d.LegacyCalls);
        Assert.Equal(7, org.Accounts.Single(x => x.Owner.AccountId == A).LegacyCalls);
    }

    [Fact]
    public async Task Run_WeekWithoutEvents_WarnsAndReportsNoCalls()
    {
        using var dir = new TempDir();
        var lake = await BuildLake(dir);
        var progress = new List<string>();

        var org = await ReportJob.RunAsync(new ReportRequest(lake, new IsoWeek(2026, 40), dir.Sub("out"), 2), progress.Add);

        Assert.Contains(progress, l => l.StartsWith("warning: No data for 2026-W40: the lake has no records from 2026-09-28 to 2026-10-04.", StringComparison.Ordinal));
        Assert.All(org.Accounts, a => Assert.Equal(0, a.Calls));
        Assert.True(File.Exists(Path.Combine(dir.Sub("out"), "2026-W40", "index.html")));
    }

    [Fact]
    public void PrintSql_BindsTheWindowAndOwners()
    {
        using var dir = new TempDir();
        var sql = ReportJob.PrintSql(new ReportRequest(dir.Path, Week47, dir.Path, 2));

        Assert.DoesNotContain("${", sql, StringComparison.Ordinal);
        Assert.Contains("BETWEEN '2026-11-02' AND '2026-11-22'", sql, StringComparison.Ordinal);
        Assert.Equal(["coverage", "account_weeks", "offenders", "client_facets"], Regex.Matches(sql, "^-- (.*)\\.sql$", RegexOptions.Multiline).Select(m => m.Groups[1].Value));
    }
}
