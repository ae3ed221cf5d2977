using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.VisualBasic.FileIO;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Cli;

/// <summary>
/// The report on the worst offenders, run as a user would (ingest, then report): it stays within DuckDB's memory
/// limit and its outputs stay within the sizes tools take.
/// </summary>
public sealed class ReportLimitsCliTests
{
    private const string JavaSevenAgent = "aws-sdk-java/1.11.0 Linux/3.10 Java_HotSpot(TM)_64-Bit_Server_VM/24.80-b11 java/1.7.0_80 vendor/Oracle_Corporation";

    private static string Uuid(int i) => $"{i:x8}-7d4c-4f6e-9a1b-5c3e2d1f0a9b";

    private static string Time(int i) => new DateTime(2026, 11, 16, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i % 604_800).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Call(int i, string userAgent, string user = "u") =>
        Record(Uuid(i), Time(i)).Replace("aws-cli/1.16.96 Python/2.7.5", userAgent, StringComparison.Ordinal).Replace(":user/u\"", $":user/{user}\"", StringComparison.Ordinal);

    private static void WriteGzip(string path, IEnumerable<string> lines)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new StreamWriter(gzip, new UTF8Encoding(false));
        foreach (var line in lines)
        {
            writer.Write(line);
            writer.Write('\n');
        }
    }

    private static (CliProcess.Result Report, string Week) IngestAndReport(TempDir dir)
    {
        var ingest = CliProcess.Run("ingest", "--source", dir.Sub("in"), "--lake", dir.Sub("lake"));
        Assert.True(ingest.ExitCode == 0, ingest.Stderr);
        var report = CliProcess.Run("report", "--lake", dir.Sub("lake"), "--week", "2026-W47", "--out", dir.Sub("out"));
        return (report, dir.Sub("out/2026-W47"));
    }

    private static JsonElement OnlyTicket(string week)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(week, "tickets.json")));
        return Assert.Single(doc.RootElement.EnumerateArray().ToList()).Clone();
    }

    private static List<string[]> Csv(string path)
    {
        using var parser = new TextFieldParser(path) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        var rows = new List<string[]>();
        while (!parser.EndOfData)
        {
            rows.Add(parser.ReadFields()!);
        }

        return rows;
    }

    [Fact]
    public void Report_OneClientWith400kCallsOfOneEventName_CountsEveryCallOnce()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("in"));
        // 400k TLSv1 calls of one Java 7 client, one event name, in one week; 1,000 of them delivered twice.
        WriteGzip(dir.Sub("in/calls.ndjson.gz"), Enumerable.Range(0, 400_000).Concat(Enumerable.Range(0, 1_000)).Select(i => Call(i, JavaSevenAgent)));

        var (report, week) = IngestAndReport(dir);

        Assert.True(report.ExitCode == 0, report.Stderr);
        var ticket = OnlyTicket(week);
        Assert.Equal(400_000, ticket.GetProperty("legacy_calls").GetInt64());
        var client = Assert.Single(ticket.GetProperty("offenders").EnumerateArray().ToList());
        Assert.Equal(400_000, client.GetProperty("legacy_calls").GetInt64());
        Assert.Equal(JavaSevenAgent, client.GetProperty("user_agent").GetString());
        Assert.Equal("GetObject", client.GetProperty("top_event_names")[0].GetProperty("name").GetString());
        Assert.Equal(Uuid(0), client.GetProperty("sample_event_ids")[0].GetString());
    }

    [Fact]
    public void Report_ThousandsOfClientsWithLongUserAgents_TicketsStayBoundedAndCountTheRest()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("in"));
        // 3,000 clients (IAM users) with 2 KB user agents; client c makes 1 + c % 3 calls, so the top 50 are the 3-call ones.
        const int clients = 3_000;
        var padding = new string('y', 2_000);
        var calls = Enumerable.Range(0, clients).SelectMany(c => Enumerable.Range(0, 1 + (c % 3)).Select(k => Call((c * 3) + k, $"aws-sdk-java/1.11.{c} {padding}", $"user-{c}"))).ToList();
        WriteGzip(dir.Sub("in/calls.ndjson.gz"), calls);

        var (report, week) = IngestAndReport(dir);

        Assert.True(report.ExitCode == 0, report.Stderr);
        var ticket = OnlyTicket(week);
        Assert.Equal(calls.Count, ticket.GetProperty("legacy_calls").GetInt64());
        var listed = ticket.GetProperty("offenders").EnumerateArray().ToList();
        Assert.Equal(50, listed.Count);
        Assert.All(listed, o => Assert.Equal(3, o.GetProperty("legacy_calls").GetInt64()));
        Assert.All(listed, o => Assert.Equal(401, o.GetProperty("user_agent").GetString()!.Length)); // 400 characters and "…"
        var rest = ticket.GetProperty("offenders_not_listed");
        Assert.Equal(clients - 50, rest.GetProperty("clients").GetInt32());
        Assert.Equal(calls.Count - (50 * 3), rest.GetProperty("legacy_calls").GetInt64());
        Assert.Equal("accounts/123456789012.html", ticket.GetProperty("account_page").GetString());

        var description = ticket.GetProperty("description").GetString()!;
        Assert.InRange(description.Length, 20_000, 30_000);
        Assert.Contains("more clients", description, StringComparison.Ordinal);
        Assert.Contains("accounts/123456789012.html", description, StringComparison.Ordinal);
        var jira = Csv(Path.Combine(week, "tickets.csv"));
        Assert.Equal(2, jira.Count);
        Assert.InRange(jira[1][1].Length, 20_000, 30_000);
        Assert.Contains("more clients", jira[1][1], StringComparison.Ordinal);

        // Every client is in the account's clients CSV, the page describes 500 and counts the rest.
        var all = Csv(Path.Combine(week, "accounts", "123456789012-clients.csv"));
        Assert.Equal(clients + 1, all.Count);
        Assert.Equal(calls.Count, all.Skip(1).Sum(r => long.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture)));
        var page = File.ReadAllText(Path.Combine(week, "accounts", "123456789012.html"));
        Assert.Equal(500, page.Split("<section class=\"client\">").Length - 1);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{clients - 500:N0} more clients"), page, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_UserAgentsOfOneMegabyte_AreCutWhereverTheyAreShown()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("in"));
        var agent = "aws-sdk-java/1.7.0 " + new string('z', 1 << 20);
        WriteGzip(dir.Sub("in/calls.ndjson.gz"), Enumerable.Range(0, 40).Select(i => Call(i, agent)));

        var (report, week) = IngestAndReport(dir);

        Assert.True(report.ExitCode == 0, report.Stderr);
        var client = Assert.Single(OnlyTicket(week).GetProperty("offenders").EnumerateArray().ToList());
        Assert.Equal(40, client.GetProperty("legacy_calls").GetInt64());
        Assert.Equal(agent[..400] + "…", client.GetProperty("user_agent").GetString());
        Assert.All(Directory.GetFiles(week, "*", System.IO.SearchOption.AllDirectories), f => Assert.True(new FileInfo(f).Length < 64 * 1024, f));
    }
}
