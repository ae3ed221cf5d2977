using System.Text.Json;
using Pipeline.Ingest;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Support;

/// <summary>
/// A lake built by the real ingest from records whose truth the tests know. Week under report: 2026-W47
/// (2026-11-16 .. 2026-11-22). Accounts: A 111111111111, B 222222222222 (in the lake), C 333333333333 (only an
/// offender last seen the week before), D 999999999999 (outside the organization).
/// </summary>
public static class ReportFixture
{
    public const string A = "111111111111";
    public const string B = "222222222222";
    public const string C = "333333333333";
    public const string D = "999999999999";
    public const string Java7 = "aws-sdk-java/1.11.119 Linux/3.10.0 Java_HotSpot(TM)_64-Bit_Server_VM/24.80-b11 java/1.7.0_80";
    public const string Script = "<script>alert('ua')</script> aws-cli/1.16.96 Python/2.7.5";
    public const string Formula = "=HYPERLINK(\"http://evil.example/x\",\"click\") [link](http://evil.example) ![i](http://evil.example/i.png)";
    public static readonly string Multiline = "line one\nline two Ünïcödé-クライアント \u202Eevil";
    public static readonly string Huge = "aws-cli/1.16.96 " + new string('A', 4096);

    public static string Record(string id, string time, string recipient, string caller, string who, string? ua, string ip, string? tls, string name = "GetObject") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["eventVersion"] = "1.09",
            ["userIdentity"] = new Dictionary<string, object?> { ["type"] = "IAMUser", ["arn"] = $"arn:aws:iam::{caller}:user/{who}", ["accountId"] = caller, ["accessKeyId"] = "AKIA" + who.ToUpperInvariant() },
            ["eventTime"] = time,
            ["eventSource"] = "s3.amazonaws.com",
            ["eventName"] = name,
            ["awsRegion"] = "us-east-1",
            ["sourceIPAddress"] = ip,
            ["userAgent"] = ua,
            ["eventID"] = id,
            ["recipientAccountId"] = recipient,
            ["tlsDetails"] = tls is null ? null : new Dictionary<string, object?> { ["tlsVersion"] = tls, ["cipherSuite"] = tls == "TLSv1.2" ? "ECDHE-RSA-AES128-GCM-SHA256" : "ECDHE-RSA-AES128-SHA", ["clientProvidedHostHeader"] = "s3.us-east-1.amazonaws.com" },
        });

    public static async Task<string> BuildLake(TempDir dir)
    {
        var thisWeek = new List<string>
        {
            Record("x1", "2026-11-16T00:00:00Z", A, A, "x", Java7, "10.0.0.1", "TLSv1", "PutObject"),
            Record("x2", "2026-11-18T10:00:00Z", A, A, "x", Java7, "10.0.0.1", "TLSv1", "PutObject"),
            Record("x3", "2026-11-19T10:00:00Z", A, A, "x", Java7, "10.0.0.1", "TLSv1"),
            Record("y1", "2026-11-22T23:59:59Z", A, A, "y", Script, "10.0.0.2", "TLSv1.1"),
            Record("h1", "2026-11-20T08:00:00Z", A, A, "h", Formula, "10.0.0.3", "TLSv1"),
            Record("h2", "2026-11-20T08:00:01Z", A, A, "h", Multiline, "10.0.0.3", "TLSv1"),
            Record("h3", "2026-11-20T08:00:02Z", A, A, "h", Huge, "10.0.0.3", "TLSv1"),
            Record("d1", "2026-11-20T09:00:00Z", A, D, "outsider", Java7, "198.51.100.9", "TLSv1"),
            Record("b1", "2026-11-20T09:30:00Z", A, B, "b", Java7, "10.2.0.1", "TLSv1"),
            Record("bm1", "2026-11-20T09:31:00Z", B, B, "b2", "aws-cli/2.15.30 Python/3.11.8", "10.2.0.2", "TLSv1.2"),
            Record("cm1", "2026-11-17T09:00:00Z", C, C, "c2", "aws-cli/2.15.30 Python/3.11.8", "10.3.0.2", "TLSv1.3"),
            Record("u1", "2026-11-17T11:00:00Z", A, A, "m", "aws-cli/2.15.30 Python/3.11.8", "10.0.0.9", null),
            Record("u2", "2026-11-17T11:00:01Z", A, A, "m", "aws-cli/2.15.30 Python/3.11.8", "10.0.0.9", null),
            Record("z1", "2026-11-23T00:00:00Z", A, A, "z", Java7, "10.0.0.5", "TLSv1"),
        };
        thisWeek.AddRange(Enumerable.Range(1, 5).Select(i => Record($"m{i}", "2026-11-17T12:00:00Z", A, A, "m", "aws-cli/2.15.30 Python/3.11.8", "10.0.0.9", "TLSv1.2")));
        var lastWeek = new List<string>
        {
            Record("x0", "2026-11-12T10:00:00Z", A, A, "x", Java7, "10.0.0.1", "TLSv1"),
            Record("c0", "2026-11-15T23:59:59Z", C, C, "w", "Boto3/1.4.4 Python/2.7.12 Linux/4.4.0 Botocore/1.5.75", "10.3.0.1", "TLSv1.1"),
        };

        Directory.CreateDirectory(dir.Sub("archive"));
        await File.WriteAllTextAsync(dir.Sub("archive/week47.ndjson"), string.Join("\n", thisWeek) + "\n");
        await File.WriteAllTextAsync(dir.Sub("archive/week46.ndjson"), string.Join("\n", lastWeek) + "\n");
        // CloudTrail delivered x3 a second time, in another file.
        await File.WriteAllTextAsync(dir.Sub("archive/redelivery.ndjson"), thisWeek[2] + "\n");
        var lake = dir.Sub("lake");
        await new ArchiveIngest(new IngestOptions { Parallelism = 2 }, TimeProvider.System).RunAsync(new IngestRequest(dir.Sub("archive"), lake), CancellationToken.None);
        return lake;
    }
}
