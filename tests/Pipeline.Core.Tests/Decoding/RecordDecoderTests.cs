using Pipeline.Decoding;
using Pipeline.Projection;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Decoding;

public sealed class RecordDecoderTests
{
    [Fact]
    public void Decode_GzipLogFile_YieldsEveryRecord()
    {
        var sink = CapturingSink.Decode(Gzip(LogFile(Record("a"), Record("b"), Record("c"))), "x.json");

        Assert.Equal(["a", "b", "c"], sink.Rows.Select(r => r["event_id"]));
        Assert.Empty(sink.Rejects);
    }

    [Fact]
    public void Decode_PrettyPrintedLogFile_IsReadAsOneDocument()
    {
        var pretty = System.Text.Json.JsonSerializer.Serialize(
            System.Text.Json.JsonDocument.Parse(LogFile(Record("a"), Record("b"))).RootElement,
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

        var sink = CapturingSink.Decode(Utf8(pretty));

        Assert.Equal(["a", "b"], sink.Rows.Select(r => r["event_id"]));
    }

    [Fact]
    public void Decode_GzipDetectedByMagicNotName_EvenWhenNamedJson()
    {
        var sink = CapturingSink.Decode(Gzip(Record("a") + "\n" + Record("b") + "\n"), "plain-looking.json");

        Assert.Equal(2, sink.Rows.Count);
    }

    [Fact]
    public void Decode_NdjsonWithBadLine_KeepsTheOthersAndNamesTheLine()
    {
        var text = Record("a") + "\n{not json}\n\n" + Record("c") + "\r\n";

        var sink = CapturingSink.Decode(Utf8(text), "events.ndjson");

        Assert.Equal(["a", "c"], sink.Rows.Select(r => r["event_id"]));
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.NotJson, reject.Reason);
        Assert.Equal(2, reject.Position.Line);
        Assert.Equal("events.ndjson", reject.Input);
    }

    [Fact]
    public void Decode_NdjsonGzipWithoutTrailingNewline_ReadsLastLine()
    {
        var sink = CapturingSink.Decode(Gzip(Record("a") + "\n" + Record("b")));

        Assert.Equal(["a", "b"], sink.Rows.Select(r => r["event_id"]));
    }

    [Fact]
    public void Decode_EventBridgeOnePerLine_UnwrapsDetail()
    {
        var text = EventBridge(Record("a")) + "\n" + EventBridge(Record("b"), "AWS Console Signin via CloudTrail") + "\n"
                   + EventBridge(Record("c"), "AWS Console Action via CloudTrail") + "\n";

        var sink = CapturingSink.Decode(Utf8(text));

        Assert.Equal(["a", "b", "c"], sink.Rows.Select(r => r["event_id"]));
        Assert.Equal("TLSv1", sink.Rows[0]["tls_version"]);
    }

    [Fact]
    public void Decode_EventBridgeArray_UnwrapsEach()
    {
        var sink = CapturingSink.Decode(Utf8("[\n" + EventBridge(Record("a")) + ",\n" + EventBridge(Record("b")) + "\n]"));

        Assert.Equal(["a", "b"], sink.Rows.Select(r => r["event_id"]));
    }

    [Fact]
    public void Decode_EventBridgeOtherDetailType_IsRejectedWithTheType()
    {
        var sink = CapturingSink.Decode(Utf8(EventBridge("{\"instance-id\":\"i-1\",\"state\":\"running\"}", "EC2 Instance State-change Notification")));

        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.UnsupportedEnvelope, reject.Reason);
        Assert.Contains("EC2 Instance State-change Notification", reject.Detail, StringComparison.Ordinal);
        Assert.Empty(sink.Rows);
    }

    [Fact]
    public void Decode_CloudWatchLogsDataMessage_ReadsEachMessageAndToleratesPolicyLevel()
    {
        var sink = CapturingSink.Decode(Gzip(CloudWatchLogs(Record("a"), Record("b"), "not a record")));

        Assert.Equal(["a", "b"], sink.Rows.Select(r => r["event_id"]));
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.NotJson, reject.Reason);
        Assert.Equal(2, reject.Position.LogEvent);
    }

    [Fact]
    public void Decode_CloudWatchLogsControlMessage_IsDroppedAndCounted()
    {
        var control = """{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}""";

        var sink = CapturingSink.DecodeMessage(Gzip(control));

        Assert.Empty(sink.Rows);
        Assert.Empty(sink.Rejects);
        Assert.Equal(1, sink.Skips[SkipKind.ControlMessage]);
    }

    [Fact]
    public void DecodeMessage_KplAggregateOfMixedForms_YieldsEveryRecord()
    {
        var blob = KplAggregate.Aggregate(
        [
            ("p1", Utf8(EventBridge(Record("a")))),
            ("p2", Utf8(Record("b"))),
            ("p1", Gzip(CloudWatchLogs(Record("c"), Record("d")))),
        ]);

        var sink = CapturingSink.DecodeMessage(blob);

        Assert.Equal(["a", "b", "c", "d"], sink.Rows.Select(r => r["event_id"]));
        Assert.Empty(sink.Rejects);
    }

    [Fact]
    public void DecodeMessage_KplWithBadChecksum_IsRejected()
    {
        var blob = KplAggregate.Aggregate([("p", Utf8(Record("a")))]);
        blob[^1] ^= 0xFF;

        var sink = CapturingSink.DecodeMessage(blob);

        Assert.Equal(RejectReason.KplChecksum, Assert.Single(sink.Rejects).Reason);
        Assert.Empty(sink.Rows);
    }

    [Fact]
    public void DecodeMessage_TruncatedKpl_IsRejectedNotPartlyRead()
    {
        var blob = KplAggregate.Aggregate([("p", Utf8(Record("a"))), ("p", Utf8(Record("b")))]);

        var sink = CapturingSink.DecodeMessage(blob[..(blob.Length - 30)]);

        Assert.Single(sink.Rejects);
        Assert.Empty(sink.Rows);
    }

    [Fact]
    public void Decode_KplFile_IsRecognisedByMagic()
    {
        var sink = CapturingSink.Decode(KplAggregate.Aggregate([("p", Utf8(Record("a")))]), "capture.bin");

        Assert.Equal("a", Assert.Single(sink.Rows)["event_id"]);
    }

    [Fact]
    public void Decode_TruncatedGzipDocument_KeepsTheCompleteRecordsAndRejectsTheMemberByName()
    {
        var gz = Gzip(LogFile(Enumerable.Range(0, 200).Select(i => Record("r" + i)).ToArray()));

        var sink = CapturingSink.Decode(gz[..(gz.Length / 2)], "AWSLogs/cut.json.gz");

        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.TruncatedGzip, reject.Reason);
        Assert.Equal(0, reject.Position.Member);
        Assert.Equal("AWSLogs/cut.json.gz", reject.Input);
        Assert.InRange(sink.Rows.Count, 1, 199);
        Assert.Equal(Enumerable.Range(0, sink.Rows.Count).Select(i => "r" + i), sink.Rows.Select(r => r["event_id"]));
    }

    [Fact]
    public void Decode_TruncatedGzipNdjson_KeepsCompleteLinesAndRejectsTheFile()
    {
        var text = string.Join("\n", Enumerable.Range(0, 2000).Select(i => Record("r" + i))) + "\n";
        var gz = Gzip(text);

        var sink = CapturingSink.Decode(gz[..(gz.Length * 3 / 4)]);

        Assert.Equal(RejectReason.TruncatedGzip, Assert.Single(sink.Rejects).Reason);
        Assert.InRange(sink.Rows.Count, 1, 1999);
        Assert.Equal(Enumerable.Range(0, sink.Rows.Count).Select(i => "r" + i), sink.Rows.Select(r => r["event_id"]));
    }

    [Fact]
    public void Decode_CorruptGzip_IsRejectedWithReason()
    {
        var gz = Gzip(LogFile(Record("a")));
        gz[12] ^= 0xFF;
        gz[13] ^= 0xFF;

        var sink = CapturingSink.Decode(gz);

        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.CorruptGzip, reject.Reason);
        Assert.Contains("damaged", reject.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", RejectReason.EmptyInput)]
    [InlineData("   \n\n  ", RejectReason.EmptyInput)]
    [InlineData("hello, world\n", RejectReason.NotJson)]
    [InlineData("{\"Records\":[", RejectReason.NotJson)]
    public void Decode_UnreadableInput_IsRejectedWithReason(string content, RejectReason expected)
    {
        var sink = CapturingSink.Decode(Utf8(content));

        Assert.Equal(expected, Assert.Single(sink.Rejects).Reason);
        Assert.Empty(sink.Rows);
    }

    [Fact]
    public void Decode_RecordsArrayWithNonObjects_RejectsThoseAndKeepsTheRest()
    {
        var sink = CapturingSink.Decode(Utf8("{\"Records\":[" + Record("a") + ",42,\"x\",null,[1]," + Record("b") + "]}"));

        Assert.Equal(["a", "b"], sink.Rows.Select(r => r["event_id"]));
        Assert.Equal(4, sink.Rejects.Count);
        Assert.All(sink.Rejects, r => Assert.Equal(RejectReason.NotAnObject, r.Reason));
    }

    [Fact]
    public void Decode_JsonArrayOfRecords_YieldsEach()
    {
        var sink = CapturingSink.Decode(Utf8("[\n  " + Record("a") + ",\n  " + Record("b") + "\n]\n"));

        Assert.Equal(["a", "b"], sink.Rows.Select(r => r["event_id"]));
    }

    [Fact]
    public void Decode_Utf8Bom_IsIgnored()
    {
        var sink = CapturingSink.Decode([.. "\uFEFF"u8, .. Utf8(Record("a") + "\n")]);

        Assert.Single(sink.Rows);
    }

    [Fact]
    public void Decode_InsightRecord_IsSkippedAndCounted()
    {
        var insight = """{"eventVersion":"1.08","eventTime":"2024-05-01T12:00:00Z","awsRegion":"us-east-1","eventID":"i-1","eventType":"AwsCloudTrailInsight","recipientAccountId":"123456789012","sharedEventID":"s","insightDetails":{"state":"Start"},"eventCategory":"Insight"}""";

        var sink = CapturingSink.Decode(Utf8(LogFile(insight, Record("a"))));

        Assert.Equal("a", Assert.Single(sink.Rows)["event_id"]);
        Assert.Equal(1, sink.Skips[SkipKind.Insight]);
    }

    [Fact]
    public void Decode_MissingRecipient_UsesTheAccountTheLocationNames()
    {
        var record = Record("a").Replace("\"recipientAccountId\":\"123456789012\",", string.Empty, StringComparison.Ordinal);

        var withPath = CapturingSink.Decode(Utf8(LogFile(record)), fallbackAccount: 222233334444);
        var withoutPath = CapturingSink.Decode(Utf8(LogFile(record)));

        Assert.Equal(222233334444, Assert.Single(withPath.Rows).Account);
        Assert.Equal(RejectReason.MissingRecipientAccount, Assert.Single(withoutPath.Rejects).Reason);
    }

    [Fact]
    public void Decode_LineLongerThanLimit_IsRejectedAndReadingGoesOn()
    {
        var sink = new CapturingSink();
        var huge = Record("big", extra: ",\"requestParameters\":{\"x\":\"" + new string('a', 300_000) + "\"}");
        var text = Record("a") + "\n" + huge + "\n" + Record("c") + "\n";

        new RecordDecoder(new DecoderLimits(MaxDocumentBytes: 128 * 1024, MaxLineBytes: 128 * 1024)).Decode(new MemoryStream(Utf8(text)), new InputContext("t"), sink);

        Assert.Equal(["a", "c"], sink.Rows.Select(r => r["event_id"]));
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.TooLarge, reject.Reason);
        Assert.Equal(2, reject.Position.Line);
    }
}
