using System.Text;
using Pipeline.Decoding;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Decoding;

/// <summary>
/// The one-pass reading of CloudWatch Logs payloads: it takes exactly the shape AWS writes and gives the rows and
/// rejects the general path gives, which reads anything else.
/// </summary>
public sealed class CloudWatchLogsScannerTests
{
    private static bool Scans(string payload, out List<string> messages)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        var scratch = new byte[bytes.Length];
        var found = new List<Range>();
        var ok = CloudWatchLogsScanner.TryScan(bytes, scratch, found, out var length);
        messages = [.. found.Select(r => Encoding.UTF8.GetString(scratch.AsSpan(r)))];
        Assert.True(!ok || length == bytes.Length, "the payload's length");
        return ok;
    }

    [Fact]
    public void TryScan_PayloadAsAwsWritesIt_FindsEveryMessageUnescaped()
    {
        var records = new[] { Record("a"), Record("b", extra: ",\"requestParameters\":{\"k\":\"\\u00e9 \\\"q\\\" \\\\ \\ud800\"}") };

        Assert.True(Scans(CloudWatchLogs(records), out var messages));
        Assert.Equal(records, messages);
    }

    [Theory]
    [InlineData("\"owner\":\"1\",\"extra\":1,")] // a member AWS does not write
    [InlineData("\"owner\":{\"nested\":1},")] // a nested value
    [InlineData("\"owner\":\"esc\\u0061ped\",")] // an escape outside a message
    [InlineData("\"owner\":true,")]
    public void TryScan_AnythingElse_LeavesItToTheGeneralPath(string member)
    {
        var payload = CloudWatchLogs(Record("a")).Insert(1, member);

        Assert.False(Scans(payload, out _));
    }

    [Fact]
    public void TryScan_ControlMessageOrEventWithoutMessage_LeavesItToTheGeneralPath()
    {
        Assert.False(Scans(CloudWatchLogs(Record("a")).Replace("DATA_MESSAGE", "CONTROL_MESSAGE", StringComparison.Ordinal), out _));
        Assert.False(Scans(CloudWatchLogs(Record("a")).Replace("\"message\":", "\"messages\":", StringComparison.Ordinal), out _));
        Assert.False(Scans(CloudWatchLogs(Record("a"))[..^10], out _));
        Assert.False(Scans(CloudWatchLogs(Record("a")).Replace("\"timestamp\":1", "\"timestamp\":01", StringComparison.Ordinal), out _));
    }

    public static TheoryData<string> Messages => new()
    {
        Record("plain"),
        Record("unicode", extra: ",\"requestParameters\":{\"k\":\"\\u00e9\\u4e2d \\ud83d\\ude00 \\/ \\\\\"}"),
        Record("surrogate", extra: ",\"requestParameters\":{\"k\":\"\\udc00\"}"),
        "not json at all",
        "{\"eventVersion\":\"1.09\",\"eventTime\":", // a record cut inside the message
        "[1,2]",
        CloudWatchLogs(Record("nested")), // a payload inside a message
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Decode_FastAndGeneralPath_GiveTheSameRowsAndRejects(string message)
    {
        var fast = CloudWatchLogs(Record("first"), message, Record("last"));
        var general = fast[..^1] + ",\"x-other\":0}"; // one more member: read by the general path

        Assert.True(Scans(fast, out _));
        Assert.False(Scans(general, out _));
        var a = CapturingSink.Decode(Gzip(fast));
        var b = CapturingSink.Decode(Gzip(general));

        Assert.Equal(b.Rows.Select(r => (r.EventTime, r.Account, string.Join('|', r.Values), r.Repaired)), a.Rows.Select(r => (r.EventTime, r.Account, string.Join('|', r.Values), r.Repaired)));
        Assert.Equal(b.Rejects.Select(r => (r.Position, r.Reason, r.Detail)), a.Rejects.Select(r => (r.Position, r.Reason, r.Detail)));
        Assert.True(a.Rows.Count >= 2);
    }
}
