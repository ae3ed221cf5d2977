using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Pipeline.Decoding;

namespace Pipeline.Demo;

/// <summary>What a generated archive holds, for the demo's printout and for tests that know the truth.</summary>
public sealed class DemoTruth
{
    /// <summary>Distinct valid events (each eventID once) that a correct ingest keeps.</summary>
    public long DistinctEvents { get; set; }

    /// <summary>Rows a correct ingest writes: distinct events plus CloudTrail's duplicate deliveries.</summary>
    public long ExpectedRows { get; set; }

    /// <summary>Events with TLSv1 or TLSv1.1.</summary>
    public long LegacyEvents { get; set; }

    /// <summary>Events without tlsDetails.</summary>
    public long UnknownTlsEvents { get; set; }

    /// <summary>Records or inputs a correct ingest rejects.</summary>
    public long ExpectedRejects { get; set; }

    public long Files { get; set; }

    public long Bytes { get; set; }

    /// <summary>The organization's accounts with names and owners, as <c>aws organizations list-accounts</c> prints them.</summary>
    public List<(string Id, string Name, string Email)> Accounts { get; } = [];
}

/// <summary>
/// Writes a realistic synthetic organization: dozens of accounts, several regions, many services, a few percent
/// of clients on old Java/.NET Framework/Python/CLI stacks that negotiate TLS 1.0/1.1, and the awkward cases real
/// archives have. Deterministic for a given <see cref="DemoShape"/>.
/// </summary>
public static class DemoArchiveWriter
{
    public const string OrgId = "o-a1b2c3d4e5";

    // Real trails deliver about every 5 minutes; the demo batches 6 hours per file to keep the file count small.
    // The last window of a day is delivered after midnight, so those files hold the previous day's events.
    private const int DeliveryHours = 6;

    public static DemoTruth Write(string directory, DemoShape shape)
    {
        var truth = new DemoTruth();
        var rng = new Random(shape.Seed);
        var firstDay = shape.LastDay.AddDays(-(shape.Days - 1));
        var accounts = Enumerable.Range(0, shape.Accounts).Select(DemoCatalog.AccountId).ToArray();
        for (var a = 0; a < accounts.Length; a++)
        {
            var team = DemoCatalog.Teams[a % DemoCatalog.Teams.Length];
            var env = (a / DemoCatalog.Teams.Length) switch { 0 => "prod", 1 => "staging", _ => "dev" + (a / DemoCatalog.Teams.Length) };
            truth.Accounts.Add((accounts[a], $"{team}-{env}", $"{team}-owners@example.com"));
        }

        var clients = accounts.Select((acct, i) => MakeClients(rng, acct, accounts, i, shape.Days)).ToArray();
        var eventRng = new Random(shape.Seed + 1);
        Span<byte> guid = stackalloc byte[16];

        for (var d = 0; d < shape.Days; d++)
        {
            var day = firstDay.AddDays(d);
            for (var a = 0; a < accounts.Length; a++)
            {
                var active = clients[a].Where(c => d >= c.FirstDay && d <= c.LastDay).ToArray();
                if (active.Length == 0)
                {
                    continue;
                }

                var total = active.Sum(c => c.Weight);
                var count = Math.Max(1, (int)(shape.EventsPerAccountDay * (0.6 + (eventRng.NextDouble() * 0.8))));

                // Events grouped by (region, delivery slot): the delivery slot is the event's hour plus a delay,
                // so events late on a day land in a file of the next day's folder, as they do in real archives.
                var files = new SortedDictionary<(string Region, DateTime Delivered), List<byte[]>>();
                for (var e = 0; e < count; e++)
                {
                    var client = Pick(active, total, eventRng);
                    var region = DemoCatalog.Regions[eventRng.Next(a % 3 == 0 ? DemoCatalog.Regions.Length : 2)];
                    var time = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddSeconds(eventRng.Next(86400));
                    var (source, names) = client.Services[eventRng.Next(client.Services.Length)];
                    var name = names[eventRng.Next(names.Length)];
                    eventRng.NextBytes(guid);
                    var id = new Guid(guid).ToString();
                    // AWS services acting for the account, and some services' calls, carry no tlsDetails: unknown.
                    var withTls = client.PrincipalType != "AWSService" && (!DemoCatalog.NoTlsDetails.Contains(source) || eventRng.Next(4) == 0);
                    var json = Record(accounts[a], region, time, id, source, name, client, withTls, eventRng);
                    truth.DistinctEvents++;
                    truth.ExpectedRows++;
                    if (!withTls)
                    {
                        truth.UnknownTlsEvents++;
                    }
                    else if (client.TlsVersion is "TLSv1" or "TLSv1.1")
                    {
                        truth.LegacyEvents++;
                    }

                    var delivered = new DateTime(time.Year, time.Month, time.Day, time.Hour / DeliveryHours * DeliveryHours, 0, 0, DateTimeKind.Utc).AddHours(DeliveryHours).AddMinutes(5);
                    if (!files.TryGetValue((region, delivered), out var list))
                    {
                        files[(region, delivered)] = list = [];
                    }

                    list.Add(json);
                }

                WriteAccountDay(directory, shape, accounts[a], day, files, truth, eventRng);
            }
        }

        if (shape.AwkwardCases)
        {
            WriteAwkwardCases(directory, accounts, shape.LastDay, truth, eventRng);
        }

        return truth;
    }

    private static readonly string[] SubscriptionFilters = ["to-firehose"];

    private static void WriteAccountDay(string directory, DemoShape shape, string account, DateOnly day,
        SortedDictionary<(string Region, DateTime Delivered), List<byte[]>> files, DemoTruth truth, Random rng)
    {
        if (shape.Format == DemoFormat.S3LogFiles)
        {
            foreach (var ((region, delivered), records) in files)
            {
                var path = LogFilePath(directory, account, region, delivered, rng);
                WriteLogFile(path, records, truth);
            }

            return;
        }

        var gzip = shape.Format == DemoFormat.NdjsonGzip;
        var file = Path.Combine(directory, "ndjson", $"{account}", $"{day:yyyy-MM-dd}.ndjson" + (gzip ? ".gz" : string.Empty));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        using (var fs = File.Create(file))
        using (Stream s = gzip ? new GZipStream(fs, CompressionLevel.Fastest) : fs)
        {
            foreach (var record in files.Values.SelectMany(r => r))
            {
                s.Write(record);
                s.WriteByte((byte)'\n');
            }
        }

        truth.Files++;
        truth.Bytes += new FileInfo(file).Length;
    }

    internal static string LogFilePath(string directory, string account, string region, DateTime delivered, Random rng)
    {
        var suffix = new string(Enumerable.Range(0, 16).Select(_ => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[rng.Next(62)]).ToArray());
        return Path.Combine(directory, "AWSLogs", OrgId, account, "CloudTrail", region,
            delivered.ToString("yyyy", CultureInfo.InvariantCulture), delivered.ToString("MM", CultureInfo.InvariantCulture), delivered.ToString("dd", CultureInfo.InvariantCulture),
            $"{account}_CloudTrail_{region}_{delivered.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture)}_{suffix}.json.gz");
    }

    internal static void WriteLogFile(string path, IReadOnlyList<byte[]> records, DemoTruth truth)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var fs = File.Create(path))
        using (var gz = new GZipStream(fs, CompressionLevel.Fastest))
        {
            gz.Write("{\"Records\":["u8);
            for (var i = 0; i < records.Count; i++)
            {
                if (i > 0)
                {
                    gz.WriteByte((byte)',');
                }

                gz.Write(records[i]);
            }

            gz.Write("]}"u8);
        }

        truth.Files++;
        truth.Bytes += new FileInfo(path).Length;
    }

    private static DemoClient Pick(DemoClient[] clients, double total, Random rng)
    {
        var x = rng.NextDouble() * total;
        foreach (var c in clients)
        {
            x -= c.Weight;
            if (x <= 0)
            {
                return c;
            }
        }

        return clients[^1];
    }

    private static DemoClient[] MakeClients(Random rng, string account, string[] accounts, int index, int days)
    {
        var list = new List<DemoClient>();
        var modern = 6 + rng.Next(6);
        for (var i = 0; i < modern; i++)
        {
            var role = $"app-{DemoCatalog.Teams[rng.Next(DemoCatalog.Teams.Length)]}-{i}";
            var services = DemoCatalog.Services.OrderBy(_ => rng.Next()).Take(2 + rng.Next(3)).ToArray();
            var tls13 = rng.Next(3) > 0;
            list.Add(new DemoClient("AssumedRole", $"arn:aws:sts::{account}:assumed-role/{role}/i-{rng.NextInt64(0x10000000000, 0xFFFFFFFFFFF):x}",
                account, "ASIA" + Key(rng), $"arn:aws:iam::{account}:role/{role}", DemoCatalog.ModernAgents[rng.Next(DemoCatalog.ModernAgents.Length)],
                $"10.{index % 250}.{rng.Next(256)}.{rng.Next(1, 255)}", rng.Next(5) == 0 ? $"vpce-{rng.NextInt64(0x10000000, 0xFFFFFFFF):x8}" : null,
                tls13 ? "TLSv1.3" : "TLSv1.2", tls13 ? "TLS_AES_128_GCM_SHA256" : "ECDHE-RSA-AES128-GCM-SHA256", services, 0, days - 1, 1 + rng.Next(10)));
        }

        // AWS services calling on the account's behalf (no tlsDetails of their own).
        list.Add(new DemoClient("AWSService", null, account, null, null, "cloudformation.amazonaws.com", "cloudformation.amazonaws.com", null,
            "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", [DemoCatalog.Services[0], DemoCatalog.Services[3]], 0, days - 1, 2));

        // A few percent legacy clients in about a third of the accounts, some fixed along the way, some new.
        if (index % 3 != 2)
        {
            var legacy = 1 + rng.Next(2);
            for (var i = 0; i < legacy; i++)
            {
                var (agent, tls) = DemoCatalog.LegacyAgents[(index + i) % DemoCatalog.LegacyAgents.Length];
                var first = rng.Next(3) == 0 ? rng.Next(days / 2) : 0;
                var last = rng.Next(3) == 0 ? Math.Max(first, days - 1 - rng.Next(days / 2 + 1)) : days - 1;
                var iamUser = rng.Next(2) == 0;
                var caller = rng.Next(6) == 0 ? accounts[(index + 1) % accounts.Length] : account;
                var name = iamUser ? $"svc-legacy-{i}" : $"legacy-batch-{i}";
                list.Add(new DemoClient(iamUser ? "IAMUser" : "AssumedRole",
                    iamUser ? $"arn:aws:iam::{caller}:user/{name}" : $"arn:aws:sts::{caller}:assumed-role/{name}/session",
                    caller, (iamUser ? "AKIA" : "ASIA") + Key(rng), iamUser ? null : $"arn:aws:iam::{caller}:role/{name}",
                    agent, $"203.0.113.{rng.Next(1, 255)}", null, tls, tls == "TLSv1" ? "ECDHE-RSA-AES128-SHA" : "AES128-SHA",
                    DemoCatalog.Services.OrderBy(_ => rng.Next()).Take(2).ToArray(), first, last, 0.4 + rng.NextDouble()));
            }
        }

        return [.. list];
    }

    private static string Key(Random rng) => new(Enumerable.Range(0, 16).Select(_ => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rng.Next(32)]).ToArray());

    private static byte[] Record(string account, string region, DateTime time, string id, string source, string name, DemoClient c, bool withTls, Random rng)
    {
        using var ms = new MemoryStream(1024);
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("eventVersion", "1.09");
            w.WriteStartObject("userIdentity");
            w.WriteString("type", c.PrincipalType);
            if (c.PrincipalType == "AWSService")
            {
                w.WriteString("invokedBy", c.UserAgent);
            }
            else
            {
                w.WriteString("principalId", "AROA" + id[..8].ToUpperInvariant());
                w.WriteString("arn", c.PrincipalArn);
                w.WriteString("accountId", c.CallerAccount);
                w.WriteString("accessKeyId", c.AccessKeyId);
                if (c.SessionIssuerArn is not null)
                {
                    w.WriteStartObject("sessionContext");
                    w.WriteStartObject("sessionIssuer");
                    w.WriteString("type", "Role");
                    w.WriteString("arn", c.SessionIssuerArn);
                    w.WriteString("accountId", c.CallerAccount);
                    w.WriteEndObject();
                    w.WriteStartObject("attributes");
                    w.WriteString("creationDate", time.AddMinutes(-30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                    w.WriteString("mfaAuthenticated", "false");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
            }

            w.WriteEndObject();
            w.WriteString("eventTime", time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteString("eventSource", source);
            w.WriteString("eventName", name);
            w.WriteString("awsRegion", region);
            w.WriteString("sourceIPAddress", c.PrincipalType == "AWSService" ? c.UserAgent : c.SourceIp);
            w.WriteString("userAgent", c.UserAgent);
            if (rng.Next(40) == 0)
            {
                w.WriteString("errorCode", "AccessDenied");
                w.WriteString("errorMessage", "User is not authorized to perform this operation");
            }

            w.WriteStartObject("requestParameters");
            w.WriteString("resource", $"{name.ToLowerInvariant()}-{rng.Next(1000)}");
            w.WriteNumber("maxResults", 1000);
            w.WriteEndObject();
            w.WriteNull("responseElements");
            w.WriteString("requestID", $"{rng.NextInt64():x16}-{rng.Next():x8}");
            w.WriteString("eventID", id);
            w.WriteBoolean("readOnly", name.StartsWith("Get", StringComparison.Ordinal) || name.StartsWith("Describe", StringComparison.Ordinal) || name.StartsWith("List", StringComparison.Ordinal));
            w.WriteString("eventType", "AwsApiCall");
            w.WriteBoolean("managementEvent", true);
            w.WriteString("recipientAccountId", account);
            if (c.VpcEndpointId is not null)
            {
                w.WriteString("vpcEndpointId", c.VpcEndpointId);
            }

            w.WriteString("eventCategory", "Management");
            if (withTls)
            {
                w.WriteStartObject("tlsDetails");
                w.WriteString("tlsVersion", c.TlsVersion);
                w.WriteString("cipherSuite", c.CipherSuite);
                w.WriteString("clientProvidedHostHeader", $"{source.Replace(".amazonaws.com", string.Empty, StringComparison.Ordinal)}.{region}.amazonaws.com");
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    private static void WriteAwkwardCases(string directory, string[] accounts, DateOnly lastDay, DemoTruth truth, Random rng)
    {
        var account = accounts[0];
        var at = lastDay.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc);
        var region = "us-east-1";
        string Folder(string kind) => Path.Combine(directory, "AWSLogs", OrgId, account, kind, region, lastDay.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture));

        // Digest and Insights files: skipped (Insights counted), never read as events.
        Directory.CreateDirectory(Folder("CloudTrail-Digest"));
        File.WriteAllText(Path.Combine(Folder("CloudTrail-Digest"), $"{account}_CloudTrail-Digest_{region}_demo_{lastDay:yyyyMMdd}T120000Z.json.gz"), "not read");
        Directory.CreateDirectory(Folder("CloudTrail-Insight"));
        File.WriteAllText(Path.Combine(Folder("CloudTrail-Insight"), $"{account}_CloudTrail-Insight_{region}_{lastDay:yyyyMMdd}T1200Z_demo.json.gz"), "not read");

        // A zero-byte folder marker as S3 consoles create them.
        File.WriteAllBytes(Path.Combine(directory, "AWSLogs", OrgId + "_$folder$"), []);

        // CloudTrail delivers some events twice: the same eventID in two files.
        var hostile = DemoCatalog.HostileAgents.Select((ua, i) => Record(account, region, at.AddMinutes(i), $"00000000-0000-4000-8000-00000000000{i}",
            "s3.amazonaws.com", "GetObject", new DemoClient("IAMUser", $"arn:aws:iam::{account}:user/<img src=x onerror=alert(1)>", account, "AKIAHOSTILE" + i, null,
                ua, "198.51.100.7", null, "TLSv1", "ECDHE-RSA-AES128-SHA", [DemoCatalog.Services[0]], 0, 0, 1), true, rng)).ToList();
        var dup = LogFilePath(directory, account, region, at.AddMinutes(10), rng);
        WriteLogFile(dup, hostile, truth);
        WriteLogFile(LogFilePath(directory, account, region, at.AddMinutes(15), rng), [hostile[0]], truth);
        truth.DistinctEvents += hostile.Count;
        truth.ExpectedRows += hostile.Count + 1;
        truth.LegacyEvents += hostile.Count;

        // Bad records inside a good file: the good ones are kept.
        var good = Record(account, region, at, "11111111-2222-4333-8444-555555555555", "kms.amazonaws.com", "Decrypt",
            new DemoClient("AssumedRole", $"arn:aws:sts::{account}:assumed-role/r/s", account, "ASIAGOOD", null, DemoCatalog.ModernAgents[0], "10.0.0.1", null,
                "TLSv1.3", "TLS_AES_128_GCM_SHA256", [DemoCatalog.Services[4]], 0, 0, 1), true, rng);
        var bad = new List<byte[]>
        {
            good,
            """{"eventVersion":"1.09","eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","recipientAccountId":"123456789012"}"""u8.ToArray(),
            """{"eventVersion":"1.09","eventID":"no-time","recipientAccountId":"123456789012"}"""u8.ToArray(),
            """{"eventID":"bad-account","eventTime":"2024-01-01T00:00:00Z","recipientAccountId":"../../etc"}"""u8.ToArray(),
            "\"a string, not a record\""u8.ToArray(),
        };
        WriteLogFile(LogFilePath(directory, account, region, at.AddMinutes(20), rng), bad, truth);
        truth.DistinctEvents++;
        truth.ExpectedRows++;
        truth.ExpectedRejects += 4;

        // Files that cannot be read: each rejected by name, the run goes on.
        var exports = Path.Combine(directory, "exports");
        Directory.CreateDirectory(exports);
        var gz = Gzip(Encoding.UTF8.GetBytes("{\"Records\":[" + Encoding.UTF8.GetString(good) + "]}"));
        File.WriteAllBytes(Path.Combine(exports, "truncated.json.gz"), gz[..(gz.Length / 2)]);
        var corrupt = (byte[])gz.Clone();
        corrupt[12] ^= 0xFF;
        corrupt[13] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(exports, "corrupt.json.gz"), corrupt);
        File.WriteAllText(Path.Combine(exports, "notes.txt"), "These are not CloudTrail records.\n");
        File.WriteAllBytes(Path.Combine(exports, "empty.json"), []);
        truth.ExpectedRejects += 4;

        // The other forms CloudTrail reaches us in: EventBridge events (one per line) and a CloudWatch Logs payload.
        var eb = new StringBuilder();
        for (var i = 0; i < 3; i++)
        {
            var rec = Record(accounts[1 % accounts.Length], "eu-west-1", at.AddSeconds(i), $"eb000000-0000-4000-8000-00000000000{i}", "sts.amazonaws.com", "AssumeRole",
                new DemoClient("AssumedRole", $"arn:aws:sts::{accounts[1 % accounts.Length]}:assumed-role/eb/s", accounts[1 % accounts.Length], "ASIAEB", null,
                    DemoCatalog.LegacyAgents[4].Agent, "203.0.113.9", null, "TLSv1", "ECDHE-RSA-AES128-SHA", [DemoCatalog.Services[2]], 0, 0, 1), true, rng);
            eb.Append("{\"version\":\"0\",\"id\":\"").Append(i).Append("\",\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.sts\",\"account\":\"")
                .Append(accounts[1 % accounts.Length]).Append("\",\"time\":\"").Append(at.ToString("s", CultureInfo.InvariantCulture)).Append("Z\",\"region\":\"eu-west-1\",\"resources\":[],\"detail\":")
                .Append(Encoding.UTF8.GetString(rec)).Append("}\n");
        }

        File.WriteAllText(Path.Combine(exports, "eventbridge-capture.ndjson"), eb.ToString());
        truth.DistinctEvents += 3;
        truth.ExpectedRows += 3;
        truth.LegacyEvents += 3;

        var cwlRecord = Record(accounts[2 % accounts.Length], "us-west-2", at, "c0000000-0000-4000-8000-000000000001", "ec2.amazonaws.com", "DescribeInstances",
            new DemoClient("IAMUser", $"arn:aws:iam::{accounts[2 % accounts.Length]}:user/ops", accounts[2 % accounts.Length], "AKIACWL", null,
                DemoCatalog.ModernAgents[1], "10.2.0.1", null, "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", [DemoCatalog.Services[3]], 0, 0, 1), true, rng);
        var cwl = new Dictionary<string, object?>
        {
            ["messageType"] = "DATA_MESSAGE",
            ["owner"] = accounts[2 % accounts.Length],
            ["logGroup"] = "aws-cloudtrail-logs-org",
            ["logStream"] = $"{accounts[2 % accounts.Length]}_CloudTrail_us-west-2",
            ["subscriptionFilters"] = new[] { "to-kinesis" },
            ["logEvents"] = new[] { new Dictionary<string, object> { ["id"] = "1", ["timestamp"] = 1, ["message"] = Encoding.UTF8.GetString(cwlRecord) } },
            ["policyLevel"] = "ACCOUNT_LEVEL_POLICY",
        };
        File.WriteAllBytes(Path.Combine(exports, "cloudwatch-logs-payload.json.gz"), Gzip(JsonSerializer.SerializeToUtf8Bytes(cwl)));
        File.WriteAllBytes(Path.Combine(exports, "cloudwatch-logs-control.json.gz"),
            Gzip("""{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}"""u8.ToArray()));
        File.WriteAllBytes(Path.Combine(exports, "kpl-aggregate.bin"),
            KplAggregate.Aggregate([("pk", cwlRecord.ToArray())]));
        truth.DistinctEvents += 1;
        truth.ExpectedRows += 2;

        WriteDeliveredForms(directory, accounts, at, truth, rng);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// CloudTrail as organizations also land it: Amazon Data Firehose objects (an EventBridge rule's events back to
    /// back with no delimiter; a CloudWatch Logs subscription's gzip payloads concatenated, with Firehose's own gzip
    /// over them) and <c>aws cloudtrail lookup-events</c> output (pages as the CLI prints them, concatenated).
    /// </summary>
    private static void WriteDeliveredForms(string directory, string[] accounts, DateTime at, DemoTruth truth, Random rng)
    {
        var account = accounts[3 % accounts.Length];
        byte[] Event(string id, int i, string tls) => Record(account, "ap-southeast-2", at.AddMinutes(30 + i), id, "dynamodb.amazonaws.com", "GetItem",
            new DemoClient("AssumedRole", $"arn:aws:sts::{account}:assumed-role/firehose-demo/i-0abc{i:D4}", account, "ASIAFH" + i, null,
                tls == "TLSv1.2" ? DemoCatalog.ModernAgents[0] : DemoCatalog.LegacyAgents[0].Agent, "10.3.0." + (i % 250), null, tls, "ECDHE-RSA-AES128-SHA", [DemoCatalog.Services[1]], 0, 0, 1), true, rng);
        var folder = Path.Combine(directory, "firehose", at.ToString("yyyy/MM/dd/HH", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        var stamp = at.ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture);

        var eventBridge = new StringBuilder();
        for (var i = 0; i < 6; i++)
        {
            var rec = Event($"fe000000-0000-4000-8000-00000000000{i}", i, i % 2 == 0 ? "TLSv1.1" : "TLSv1.2");
            eventBridge.Append("{\"version\":\"0\",\"id\":\"fe-").Append(i).Append("\",\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.dynamodb\",\"account\":\"")
                .Append(account).Append("\",\"time\":\"").Append(at.ToString("s", CultureInfo.InvariantCulture)).Append("Z\",\"region\":\"ap-southeast-2\",\"resources\":[],\"detail\":")
                .Append(Encoding.UTF8.GetString(rec)).Append('}');
        }

        File.WriteAllText(Path.Combine(folder, $"org-cloudtrail-eb-1-{stamp}-5a1b7c3d-0000-4000-8000-000000000001"), eventBridge.ToString());

        var members = new List<byte>();
        for (var p = 0; p < 3; p++)
        {
            var messages = Enumerable.Range(0, 2).Select(k => new Dictionary<string, object>
            {
                ["id"] = $"{p}{k}",
                ["timestamp"] = 1,
                ["message"] = Encoding.UTF8.GetString(Event($"fc000000-0000-4000-8000-0000000000{p}{k}", 10 + (p * 2) + k, k == 0 ? "TLSv1" : "TLSv1.3")),
            });
            members.AddRange(Gzip(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["messageType"] = "DATA_MESSAGE",
                ["owner"] = account,
                ["logGroup"] = "aws-cloudtrail-logs-org",
                ["logStream"] = $"{account}_CloudTrail_ap-southeast-2",
                ["subscriptionFilters"] = SubscriptionFilters,
                ["logEvents"] = messages.ToArray(),
            })));
        }

        File.WriteAllBytes(Path.Combine(folder, $"org-cloudtrail-cwl-1-{stamp}-5a1b7c3d-0000-4000-8000-000000000002"), [.. members]);
        File.WriteAllBytes(Path.Combine(folder, $"org-cloudtrail-cwl-gz-1-{stamp}-5a1b7c3d-0000-4000-8000-000000000003.gz"),
            Gzip([.. members]));

        var lookup = Path.Combine(directory, "lookup-events", account);
        Directory.CreateDirectory(lookup);
        var pages = new StringBuilder();
        for (var page = 0; page < 2; page++)
        {
            var events = Enumerable.Range(0, 3).Select(k =>
            {
                var id = $"f1000000-0000-4000-8000-0000000000{page}{k}";
                return new Dictionary<string, object>
                {
                    ["EventId"] = id,
                    ["EventName"] = "GetItem",
                    ["ReadOnly"] = "true",
                    ["EventTime"] = at.ToString("s", CultureInfo.InvariantCulture) + "Z",
                    ["EventSource"] = "dynamodb.amazonaws.com",
                    ["Username"] = "firehose-demo",
                    ["Resources"] = Array.Empty<object>(),
                    ["CloudTrailEvent"] = Encoding.UTF8.GetString(Event(id, 20 + (page * 3) + k, k == 1 ? "TLSv1" : "TLSv1.2")),
                };
            });
            var body = new Dictionary<string, object?> { ["Events"] = events.ToArray() };
            if (page == 0)
            {
                body["NextToken"] = "demo-next-page";
            }

            pages.Append(JsonSerializer.Serialize(body, Indented)).Append('\n');
        }

        File.WriteAllText(Path.Combine(lookup, "us-east-1.json"), pages.ToString());

        // Firehose EventBridge: 6 events (3 legacy); CloudWatch Logs: 6 events (3 legacy), once plain and once again
        // under Firehose's gzip (the same events: duplicates, as a redelivery would make them); lookup-events: 6 (2 legacy).
        truth.DistinctEvents += 6 + 6 + 6;
        truth.ExpectedRows += 6 + 12 + 6;
        truth.LegacyEvents += 3 + 3 + 2;
    }

    /// <summary>Gzips bytes (one member), as CloudTrail and CloudWatch Logs do.</summary>
    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }
}
