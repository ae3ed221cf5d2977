using System.IO.Compression;
using System.Text;

namespace Pipeline.Tests.Support;

/// <summary>Small CloudTrail records and envelopes for tests.</summary>
public static class Records
{
    public static string Record(string id = "e-1", string time = "2024-05-01T12:00:00Z", string account = "123456789012", string tls = "TLSv1", string extra = "") =>
        $$"""{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::{{account}}:user/u","accountId":"{{account}}","accessKeyId":"AKIAEXAMPLE"},"eventTime":"{{time}}","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":"aws-cli/1.16.96 Python/2.7.5","eventID":"{{id}}","recipientAccountId":"{{account}}","tlsDetails":{"tlsVersion":"{{tls}}","cipherSuite":"ECDHE-RSA-AES128-SHA","clientProvidedHostHeader":"s3.amazonaws.com"}{{extra}}}""";

    public static string LogFile(params string[] records) => "{\"Records\":[" + string.Join(",", records) + "]}";

    public static string EventBridge(string record, string detailType = "AWS API Call via CloudTrail") =>
        $$"""{"version":"0","id":"x","detail-type":"{{detailType}}","source":"aws.s3","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{{record}}}""";

    public static string CloudWatchLogs(params string[] messages) =>
        "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"g\",\"logStream\":\"s\",\"subscriptionFilters\":[\"f\"],\"logEvents\":["
        + string.Join(",", messages.Select((m, i) => $"{{\"id\":\"{i}\",\"timestamp\":1,\"message\":{System.Text.Json.JsonSerializer.Serialize(m)}}}"))
        + "],\"policyLevel\":\"ACCOUNT_LEVEL_POLICY\"}";

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public static byte[] Gzip(string s) => Gzip(Utf8(s));

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
