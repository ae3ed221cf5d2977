using System.Text;
using Pipeline.Decoding;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Decoding;

/// <summary>
/// The fast path for EventBridge events: it passes over exactly the envelope AWS writes and gives the rows and
/// rejects the general path gives, which reads anything else.
/// </summary>
public sealed class EventBridgeScannerTests
{
    private static bool Scans(string json, out string detailType, out string detail)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var ok = EventBridgeScanner.TryScanHeader(bytes, out var start, out var type);
        detailType = Encoding.UTF8.GetString(type);
        detail = ok ? Encoding.UTF8.GetString(bytes.AsSpan(start)) : string.Empty;
        return ok;
    }

    [Fact]
    public void TryScanHeader_EventAsAwsWritesIt_StandsOnTheDetail()
    {
        var record = Record("a");

        Assert.True(Scans(EventBridge(record, "AWS Console Sign In via CloudTrail"), out var detailType, out var detail));
        Assert.Equal("AWS Console Sign In via CloudTrail", detailType);
        Assert.Equal(record + "}", detail);
        Assert.True(Scans(EventBridge(record).Replace("\"resources\":[]", "\"resources\":[\"arn:aws:s3:::b\", \"arn:aws:s3:::c\"]", StringComparison.Ordinal), out _, out _));
    }

    [Theory]
    [InlineData("\"extra\":\"1\",")] // a member AWS does not write
    [InlineData("\"Records\":[\"r\"],")] // one the general path reads as an envelope of its own
    [InlineData("\"account\":{\"nested\":1},")] // a nested value
    [InlineData("\"id\":\"esc\\u0061ped\",")] // an escape
    [InlineData("\"version\":0,")] // not a string
    [InlineData("\"detail-type\":\"AWS API Call via CloudTrail\",")] // a second detail-type
    public void TryScanHeader_AnythingElse_LeavesItToTheGeneralPath(string member)
    {
        var json = EventBridge(Record("a"));

        Assert.False(Scans(json.Insert(1, member), out _, out _));
        Assert.False(Scans(json.Insert(json.IndexOf(",\"resources\"", StringComparison.Ordinal), "," + member.TrimEnd(',')), out _, out _));
    }

    [Theory]
    [InlineData("\"source\":\"aws.s3\",", "")] // a member missing
    [InlineData("\"region\":\"us-east-1\"", "\"region\" : \"us-east-1\"")] // whitespace
    [InlineData("\"time\":\"2024-05-01T12:00:00Z\",\"region\":\"us-east-1\"", "\"region\":\"us-east-1\",\"time\":\"2024-05-01T12:00:00Z\"")] // another order
    [InlineData("\"id\":\"x\"", "\"id\":\"x\u0001\"")] // a control character
    public void TryScanHeader_NotAwsOwnLayout_LeavesItToTheGeneralPath(string from, string to)
    {
        var json = EventBridge(Record("a"));

        Assert.True(Scans(json, out _, out _));
        Assert.False(Scans(json.Replace(from, to, StringComparison.Ordinal), out _, out _));
    }

    [Fact]
    public void TryScanHeader_DetailBeforeItsTypeOrCut_LeavesItToTheGeneralPath()
    {
        var record = Record("a");
        var detailFirst = "{\"detail\":" + record + ",\"detail-type\":\"AWS API Call via CloudTrail\"}";

        Assert.False(Scans(detailFirst, out _, out _));
        Assert.False(Scans(EventBridge(record)[..40], out _, out _));
        Assert.False(Scans(EventBridge(record).Replace("\"detail\":{", "\"detail\":[{", StringComparison.Ordinal), out _, out _));
    }

    public static TheoryData<string, string> Details => new()
    {
        { Record("plain"), "AWS API Call via CloudTrail" },
        { Record("unicode", extra: ",\"requestParameters\":{\"k\":\"\\u00e9\\u4e2d \\ud83d\\ude00 \\/ \\\\\"}"), "AWS API Call via CloudTrail" },
        { Record("surrogate", extra: ",\"requestParameters\":{\"k\":\"\\udc00\"}"), "AWS Service Event via CloudTrail" },
        { Record("other-type"), "Scheduled Event" }, // rejected, its type named
        { "{\"eventVersion\":\"1.09\"}", "AWS API Call via CloudTrail" }, // a record missing its fields
        { LogFile(Record("in-a-log-file")), "AWS API Call via CloudTrail" }, // an envelope inside the detail
        { "{\"eventTime\":[1,}", "AWS API Call via CloudTrail" }, // damaged JSON inside the detail
    };

    [Theory]
    [MemberData(nameof(Details))]
    public void Decode_FastAndGeneralPath_GiveTheSameRowsAndRejects(string detail, string detailType)
    {
        var fast = EventBridge(detail, detailType);
        var general = fast[..^1] + ",\"x-other\":0}"; // a member after the detail: read by the general path

        Assert.True(Scans(fast, out _, out _));
        var events = string.Concat(EventBridge(Record("first")), fast, EventBridge(Record("last")));
        var generalEvents = string.Concat(EventBridge(Record("first")), general, EventBridge(Record("last")));
        var a = CapturingSink.Decode(Utf8(events));
        var b = CapturingSink.Decode(Utf8(generalEvents));

        Assert.Equal(b.Rows.Select(r => (r.EventTime, r.Account, string.Join('|', r.Values), r.Repaired)), a.Rows.Select(r => (r.EventTime, r.Account, string.Join('|', r.Values), r.Repaired)));
        // A damaged detail skips to the next event, past the general form's extra member too: that count differs.
        Assert.Equal(b.Rejects.Select(r => (r.Position, r.Reason, r.Detail?.Split(" (skipped")[0])), a.Rejects.Select(r => (r.Position, r.Reason, r.Detail?.Split(" (skipped")[0])));
        Assert.Equal("first", a.Rows[0]["event_id"]);
        Assert.Equal("last", a.Rows[^1]["event_id"]);
    }

    [Fact]
    public void Decode_AwsShapedEventsCutByTheWindow_EmitEachRecordOnce()
    {
        // Events of AWS's own shape, large and of many lengths, so that the decoder's window ends inside their
        // envelopes, their records and just after them: each record must be emitted once, in order.
        var ids = Enumerable.Range(0, 400).Select(i => "eb" + i).ToList();
        var events = string.Concat(ids.Select((id, i) => EventBridge(Record(id, extra: ",\"requestParameters\":{\"p\":\"" + new string('p', i * 7_919 % 40_000) + "\"}"))));

        var sink = CapturingSink.Decode(Utf8(events));
        var gzip = CapturingSink.Decode(Gzip(events));

        Assert.Equal(ids, sink.Rows.Select(r => r["event_id"]));
        Assert.Equal(ids, gzip.Rows.Select(r => r["event_id"]));
        Assert.Empty(sink.Rejects);
    }
}
