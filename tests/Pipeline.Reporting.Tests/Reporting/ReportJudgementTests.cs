using System.Globalization;
using System.Text.Json;
using Pipeline.Ingest;
using Pipeline.Reporting;
using Pipeline.Reporting.Model;
using Pipeline.Reporting.Weeks;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.ReportFixture;

namespace Pipeline.Tests.Reporting;

/// <summary>
/// The report's judgement on lakes of many weeks, built by the real ingest: nothing resolved without evidence, one
/// client per workload, every TLS value classified, console and anonymous calls apart.
/// Weeks 2026-W36 (Monday 2026-08-31) to 2026-W47; the report runs on 2026-12-01 unless a test says otherwise.
/// </summary>
public sealed class ReportJudgementTests
{
    private const string Java7 = "aws-sdk-java/1.11.119 Linux/3.10.0 java/1.7.0_80";
    private static readonly DateTimeOffset AfterW47 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static IsoWeek W(int week) => new(2026, week);

    /// <summary>Records of a made-up organization, and the lake the real ingest makes of them.</summary>
    private sealed class Org
    {
        private readonly List<string> _lines = [];
        private int _n;

        /// <summary>One current (TLS 1.2) record per day from <paramref name="account"/>'s trail: the days the lake covers.</summary>
        public Org Trail(string account, IsoWeek from, IsoWeek to, params DateOnly[] except)
        {
            for (var d = from.Monday; d <= to.Sunday; d = d.AddDays(1))
            {
                if (!except.Contains(d))
                {
                    Call(account, d.ToDateTime(new TimeOnly(3, 0)), User(account, "heartbeat"), "aws-cli/2.15.30 Python/3.11.8", "TLSv1.2");
                }
            }

            return this;
        }

        public Org Call(string recipient, DateTime time, Dictionary<string, object?> identity, string? ua, string? tls, string ip = "10.0.0.1", bool console = false)
        {
            var record = new Dictionary<string, object?>
            {
                ["eventVersion"] = "1.09",
                ["userIdentity"] = identity,
                ["eventTime"] = time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["eventSource"] = "s3.amazonaws.com",
                ["eventName"] = "GetObject",
                ["awsRegion"] = "eu-west-1",
                ["sourceIPAddress"] = ip,
                ["userAgent"] = ua,
                ["eventID"] = $"e-{_n++:D6}",
                ["recipientAccountId"] = recipient,
                ["tlsDetails"] = tls is null ? null : new Dictionary<string, object?> { ["tlsVersion"] = tls, ["cipherSuite"] = "ECDHE-RSA-AES128-SHA", ["clientProvidedHostHeader"] = "s3.eu-west-1.amazonaws.com" },
            };
            if (console)
            {
                record["sessionCredentialFromConsole"] = "true";
            }

            _lines.Add(JsonSerializer.Serialize(record));
            return this;
        }

        /// <summary>A legacy call in the given week (Wednesday noon plus <paramref name="minute"/>).</summary>
        public Org Legacy(string account, IsoWeek week, Dictionary<string, object?> identity, string ua = Java7, int minute = 0, string ip = "10.0.0.1") =>
            Call(account, week.Monday.AddDays(2).ToDateTime(new TimeOnly(12, 0)).AddMinutes(minute), identity, ua, "TLSv1", ip);

        public async Task<string> Lake(TempDir dir)
        {
            Directory.CreateDirectory(dir.Sub("archive"));
            await File.WriteAllLinesAsync(dir.Sub("archive/records.ndjson"), _lines);
            var lake = dir.Sub("lake");
            await new ArchiveIngest(new IngestOptions(), TimeProvider.System).RunAsync(new IngestRequest(dir.Sub("archive"), lake), CancellationToken.None);
            return lake;
        }
    }

    private static Dictionary<string, object?> User(string account, string name) => new()
    {
        ["type"] = "IAMUser", ["arn"] = $"arn:aws:iam::{account}:user/{name}", ["accountId"] = account, ["accessKeyId"] = "AKIA" + name.ToUpperInvariant(),
    };

    private static Dictionary<string, object?> Role(string account, string role, string session, string? issuerPath = null) => new()
    {
        ["type"] = "AssumedRole",
        ["arn"] = $"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        ["accountId"] = account,
        ["accessKeyId"] = "ASIA" + session.ToUpperInvariant(),
        ["sessionContext"] = new Dictionary<string, object?>
        {
            ["sessionIssuer"] = new Dictionary<string, object?> { ["type"] = "Role", ["arn"] = $"arn:aws:iam::{account}:role/{issuerPath}{role}", ["accountId"] = account, ["userName"] = role },
        },
    };

    private static Dictionary<string, object?> Anonymous() => new() { ["type"] = "AWSAccount", ["principalId"] = "", ["accountId"] = "ANONYMOUS_PRINCIPAL" };

    private static OrgReport Run(string lake, TempDir dir, IsoWeek week, DateTimeOffset? now = null, int weeksBack = 8, int resolveAfter = 4) =>
        // DuckDB runs synchronously: the task is complete when it returns.
        ReportJob.RunAsync(new ReportRequest(lake, week, dir.Sub("out"), weeksBack, ResolveAfterWeeks: resolveAfter, Now: now ?? AfterW47)).GetAwaiter().GetResult();

    private static Offender Client(OrgReport org, string account, string principalEnd) =>
        org.Accounts.Single(a => a.Owner.AccountId == account).Offenders.Single(o => o.Client.Principal.EndsWith(principalEnd, StringComparison.Ordinal));

    [Fact]
    public async Task Run_ClientQuietForTheRule_IsNotSeenUntilThenAndResolvedThatWeekOnly()
    {
        using var dir = new TempDir();
        var lake = await new Org().Trail(A, W(38), W(47)).Legacy(A, W(40), User(A, "batch")).Lake(dir);

        var afterThree = Run(lake, dir, W(43));
        var afterFour = Run(lake, dir, W(44));
        var afterFive = Run(lake, dir, W(45));

        var three = Client(afterThree, A, ":user/batch");
        Assert.Equal(OffenderStatus.NotSeen, three.Status);
        Assert.Equal(3, three.QuietWeeks);
        Assert.True(afterThree.Accounts.Single().IsOpen);
        Assert.Equal("not seen since 2026-09-30", three.StatusText);
        var four = Client(afterFour, A, ":user/batch");
        Assert.Equal(OffenderStatus.Resolved, four.Status);
        Assert.True(four.ResolvedThisWeek);
        Assert.Equal("Info", afterFour.Accounts.Single().Severity);
        Assert.True(afterFour.Accounts.Single().NeedsTicket); // the ticket that says it was fixed
        var five = Client(afterFive, A, ":user/batch");
        Assert.Equal(OffenderStatus.Resolved, five.Status);
        Assert.False(five.ResolvedThisWeek);
        Assert.False(afterFive.Accounts.Single().NeedsTicket);
    }

    [Fact]
    public async Task Run_AccountTrailStopped_ResolvesNothingThereAndSaysNoData()
    {
        // A's trail stops after W43; B's goes on. Both had a client last seen in W40.
        using var dir = new TempDir();
        var lake = await new Org().Trail(A, W(38), W(43)).Trail(B, W(38), W(47))
            .Legacy(A, W(40), User(A, "quiet")).Legacy(B, W(40), User(B, "quiet")).Lake(dir);

        var org = Run(lake, dir, W(47));

        var a = org.Accounts.Single(x => x.Owner.AccountId == A);
        Assert.Equal(WeekCoverage.NoData, a.Coverage);
        Assert.Equal(OffenderStatus.NotSeen, Client(org, A, ":user/quiet").Status); // W41–W43 only: 3 covered weeks
        Assert.StartsWith("No data for 111111111111 in 2026-W47", a.CoverageNote, StringComparison.Ordinal);
        Assert.Equal(OffenderStatus.Resolved, Client(org, B, ":user/quiet").Status);
        var tickets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Sub("out"), "2026-W47", "tickets.json"))).RootElement;
        var ticketA = tickets.EnumerateArray().Single(t => t.GetProperty("account_id").GetString() == A);
        Assert.Equal("open", ticketA.GetProperty("status").GetString());
        Assert.Equal("no_data", ticketA.GetProperty("coverage").GetString());
        Assert.Contains("No data for 111111111111", ticketA.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("no data", await File.ReadAllTextAsync(Path.Combine(dir.Sub("out"), "2026-W47", "index.html")), StringComparison.Ordinal);
        // The trend leaves A's weeks without data empty instead of plotting 0 %.
        Assert.Equal([true, true, true, true, true, false, false, false, false], a.Trend.Select(t => t.HasData)); // W39–W43, then none
        Assert.All(a.Trend.Where(t => !t.HasData), t => Assert.Null(t.Share));
    }

    [Fact]
    public async Task Run_DayMissingFromAWeek_ThatWeekIsNoEvidence()
    {
        // A's lake lacks Sunday of W42: W41, W43, W44 count, W42 does not, so four quiet weeks end only with W45.
        using var dir = new TempDir();
        var lake = await new Org().Trail(A, W(38), W(47), W(42).Sunday).Legacy(A, W(40), User(A, "batch")).Lake(dir);

        var w44 = Run(lake, dir, W(44));
        var w45 = Run(lake, dir, W(45));
        var w42 = Run(lake, dir, W(42));

        Assert.Equal(OffenderStatus.NotSeen, Client(w44, A, ":user/batch").Status);
        Assert.Equal(OffenderStatus.Resolved, Client(w45, A, ":user/batch").Status);
        var a42 = w42.Accounts.Single();
        Assert.Equal(WeekCoverage.Gaps, a42.Coverage);
        Assert.Equal([W(42).Sunday], a42.MissingDays);
        Assert.Contains("2026-10-18", a42.CoverageNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MonthlyClient_NeverResolvedNorNewAgain()
    {
        using var dir = new TempDir();
        var lake = await new Org().Trail(A, W(36), W(47))
            .Legacy(A, W(36), User(A, "monthly")).Legacy(A, W(40), User(A, "monthly")).Legacy(A, W(44), User(A, "monthly")).Lake(dir);

        var statuses = Enumerable.Range(37, 11).Select(w => Client(Run(lake, dir, W(w), weeksBack: 11), A, ":user/monthly").Status).ToList();

        Assert.Equal(
            [OffenderStatus.NotSeen, OffenderStatus.NotSeen, OffenderStatus.NotSeen, OffenderStatus.Ongoing, OffenderStatus.NotSeen, OffenderStatus.NotSeen,
             OffenderStatus.NotSeen, OffenderStatus.Ongoing, OffenderStatus.NotSeen, OffenderStatus.NotSeen, OffenderStatus.NotSeen],
            statuses);
    }

    [Fact]
    public async Task Run_ClientBackAfterLongerThanTheRule_IsOngoingAndSaysItReturned()
    {
        using var dir = new TempDir();
        var lake = await new Org().Trail(A, W(36), W(47)).Legacy(A, W(38), User(A, "quarterly")).Legacy(A, W(45), User(A, "quarterly")).Lake(dir);

        var org = Run(lake, dir, W(45));

        var client = Client(org, A, ":user/quarterly");
        Assert.Equal(OffenderStatus.Ongoing, client.Status);
        Assert.Equal(6, client.ReturnedAfterWeeks);
        Assert.Contains("raise --resolve-after-weeks", await File.ReadAllTextAsync(Path.Combine(dir.Sub("out"), "2026-W45", "accounts", A + ".md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WeekWithNoDataAtAll_ResolvesNothingAndWritesOpenTickets()
    {
        // The lake ends with W47; the report asks for W49 (the case that once wrote every ticket as resolved).
        using var dir = new TempDir();
        var lake = await new Org().Trail(A, W(44), W(47)).Trail(B, W(44), W(47))
            .Legacy(A, W(46), User(A, "x")).Legacy(B, W(47), User(B, "y")).Lake(dir);

        var org = Run(lake, dir, W(49), now: new DateTimeOffset(2026, 12, 15, 0, 0, 0, TimeSpan.Zero), weeksBack: 5);

        Assert.False(org.HasData);
        Assert.StartsWith("No data for 2026-W49", org.CoverageNote, StringComparison.Ordinal);
        Assert.All(org.Accounts.SelectMany(a => a.Offenders), o => Assert.Equal(OffenderStatus.NotSeen, o.Status));
        var tickets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Sub("out"), "2026-W49", "tickets.json"))).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, tickets.Count);
        Assert.All(tickets, t => Assert.Equal("open", t.GetProperty("status").GetString()));
        Assert.False(org.Trend[^1].HasData);
        Assert.False(org.Trend[^2].HasData);
        var index = await File.ReadAllTextAsync(Path.Combine(dir.Sub("out"), "2026-W49", "index.html"));
        Assert.Contains("No data for 2026-W49", index, StringComparison.Ordinal);
        Assert.Equal(2, index.Split("class=\"nodata\"").Length - 1); // W48 and W49 marked, not drawn at 0 %
    }

    [Fact]
    public async Task Run_CurrentWeek_IsPartialAndResolvesNothing()
    {
        using var dir = new TempDir();
        var lake = await new Org().Trail(A, W(38), W(47)).Legacy(A, W(42), User(A, "batch")).Lake(dir);

        // Thursday of W47: four full quiet weeks would need W43–W46 plus a finished W47 — W43–W46 are already four.
        var thursday = new DateTimeOffset(2026, 11, 19, 12, 0, 0, TimeSpan.Zero);
        var org = Run(lake, dir, W(47), now: thursday, resolveAfter: 5);

        Assert.True(org.IsPartial);
        var a = org.Accounts.Single();
        Assert.Equal(WeekCoverage.Partial, a.Coverage);
        Assert.Equal(OffenderStatus.NotSeen, Client(org, A, ":user/batch").Status); // W43–W46 covered, W47 not over
        Assert.Contains("not over", a.CoverageNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RoleOnManyInstances_IsOneClientWithItsSessionsAndSources()
    {
        using var dir = new TempDir();
        var org = new Org().Trail(A, W(46), W(47));
        for (var i = 0; i < 40; i++)
        {
            org.Legacy(A, W(47), Role(A, "batch-worker", $"i-0abc{i:D4}"), minute: i, ip: $"10.1.0.{i + 1}");
        }

        // A record without a session issuer still names the role in its assumed-role ARN: the same client.
        var bare = Role(A, "batch-worker", "i-0abc9999");
        bare.Remove("sessionContext");
        org.Legacy(A, W(47), bare, minute: 50, ip: "10.1.0.1");
        // Two people through one Identity Center permission set are two clients.
        org.Legacy(A, W(47), Role(A, "AWSReservedSSO_Admin_0123abcd", "alice@example.com", "aws-reserved/sso.amazonaws.com/eu-west-1/"), "aws-cli/1.16.96 Python/2.7.5");
        org.Legacy(A, W(47), Role(A, "AWSReservedSSO_Admin_0123abcd", "bob@example.com", "aws-reserved/sso.amazonaws.com/eu-west-1/"), "aws-cli/1.16.96 Python/2.7.5");
        var report = Run(await org.Lake(dir), dir, W(47), weeksBack: 1, resolveAfter: 1);

        var a = report.Accounts.Single();
        Assert.Equal(3, a.Active.Count());
        var batch = Client(report, A, ":role/batch-worker");
        Assert.Equal($"arn:aws:iam::{A}:role/batch-worker", batch.Client.Principal);
        Assert.Equal(41, batch.LegacyCalls);
        Assert.Equal(41, batch.Facets.SessionCount);
        Assert.Equal(40, batch.Facets.SourceCount);
        Assert.Equal(5, batch.Facets.Sessions.Count);
        Assert.StartsWith("i-0abc", batch.Facets.Sessions[0].Value, StringComparison.Ordinal);
        Assert.Equal(Java7, batch.UserAgent);
        Assert.Equal(OffenderStatus.New, batch.Status);
        Assert.Single(a.Active, o => o.Client.Principal.EndsWith("/alice@example.com", StringComparison.Ordinal));
        Assert.Single(a.Active, o => o.Client.Principal.EndsWith("/bob@example.com", StringComparison.Ordinal));
        var page = await File.ReadAllTextAsync(Path.Combine(dir.Sub("out"), "2026-W47", "accounts", A + ".md"));
        Assert.Contains("41 sessions, e.g. i-0abc", page, StringComparison.Ordinal);
        Assert.Contains("Sources (top 5 of 40)", page, StringComparison.Ordinal);
        var ticket = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Sub("out"), "2026-W47", "tickets.json"))).RootElement[0];
        var offender = ticket.GetProperty("offenders").EnumerateArray().First(o => o.GetProperty("principal").GetString()!.EndsWith(":role/batch-worker", StringComparison.Ordinal));
        Assert.Equal(41, offender.GetProperty("session_count").GetInt32());
        Assert.Equal(3, offender.GetProperty("sample_sessions").GetArrayLength());
    }

    [Fact]
    public async Task Run_EveryTlsSpelling_LegacyCurrentOrUnrecognisedNeverFine()
    {
        using var dir = new TempDir();
        var org = new Org();
        var t = W(47).Monday.ToDateTime(new TimeOnly(10, 0));
        string?[] legacy = ["SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1", "1.0", "1.1"];
        string?[] current = ["TLSv1.2", "TLSv1.3", "1.2", "1.3"];
        string?[] odd = ["tlsVersion", "TLSv1.05", "TLSv1.4"];
        foreach (var (tls, i) in legacy.Concat(current).Concat(odd).Append(null).Select((v, i) => (v, i)))
        {
            org.Call(A, t.AddMinutes(i), User(A, "app"), Java7, tls);
        }

        var report = Run(await org.Lake(dir), dir, W(47), weeksBack: 1, resolveAfter: 1);

        var a = report.Accounts.Single();
        Assert.Equal(6, a.LegacyCalls);
        Assert.Equal(10, a.TlsCalls);
        Assert.Equal(3, a.UnrecognisedCalls);
        Assert.Equal(1, a.UnknownCalls);
        Assert.Equal(["TLSv1.05", "TLSv1.4", "tlsVersion"], a.Figures.UnrecognisedValues!.Order(StringComparer.Ordinal));
        var client = Assert.Single(a.Active);
        Assert.Equal(["1.0", "1.1", "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1"], client.TlsVersions);
        var page = await File.ReadAllTextAsync(Path.Combine(dir.Sub("out"), "2026-W47", "accounts", A + ".md"));
        Assert.Contains("3 calls with an unrecognised TLS value", page, StringComparison.Ordinal);
        Assert.Contains("SSLv3 (SSL 3.0)", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ConsoleAndAnonymousCalls_AreTheirOwnClientsWithTheirAdvice()
    {
        using var dir = new TempDir();
        var t = W(47).Monday.ToDateTime(new TimeOnly(10, 0));
        var report = Run(await new Org()
            .Call(A, t, Role(A, "Admin", "carol"), "Mozilla/5.0 (Windows NT 6.1; Win64; x64)", "TLSv1", console: true)
            .Call(A, t.AddMinutes(1), Role(A, "Admin", "carol"), Java7, "TLSv1")
            .Call(A, t.AddMinutes(2), Anonymous(), "curl/7.29.0", "TLSv1.1", ip: "198.51.100.7")
            .Lake(dir), dir, W(47), weeksBack: 1, resolveAfter: 1);

        var a = report.Accounts.Single();
        Assert.Equal(3, a.LegacyCalls);
        Assert.Equal(1, a.Figures.ConsoleLegacyCalls);
        Assert.Equal(1, a.Figures.AnonymousLegacyCalls);
        var kinds = a.Active.ToDictionary(o => o.Client.Kind);
        Assert.Equal(3, kinds.Count);
        Assert.Equal("Console session", kinds[CallerKind.Console].Classification.Family);
        Assert.Equal($"arn:aws:iam::{A}:role/Admin", kinds[CallerKind.Console].Client.Principal);
        Assert.Equal("Anonymous (no AWS identity)", kinds[CallerKind.Anonymous].Classification.Family);
        Assert.Equal("198.51.100.7", kinds[CallerKind.Anonymous].Source);
        Assert.Equal("Java 6/7 + AWS SDK for Java 1.11 or older", kinds[CallerKind.Sdk].Classification.Family);
        var ticket = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Sub("out"), "2026-W47", "tickets.json"))).RootElement[0];
        Assert.Equal(["anonymous", "console", "sdk"], ticket.GetProperty("offenders").EnumerateArray().Select(o => o.GetProperty("caller_kind").GetString()).Order(StringComparer.Ordinal));
    }
}
