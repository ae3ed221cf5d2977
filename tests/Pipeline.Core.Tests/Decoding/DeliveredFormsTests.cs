using System.Text;
using System.Text.Json;
using Pipeline.Projection;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Decoding;

/// <summary>
/// The ways organizations land CloudTrail besides the trail's own files, in the shapes AWS documents
/// (Golden/forms/SOURCES.md), over real records from Golden/corpus. Each form must give exactly the rows the same
/// records give as plain NDJSON, which the corpus golden tests check against an independent oracle.
/// </summary>
public sealed class DeliveredFormsTests
{
    private static readonly string[] CorpusRecords = File.ReadAllLines(Path.Combine(Paths.Corpus, "awsdocs-examples", "amazon-ec2-user-guide.ndjson"))
        .Concat(File.ReadAllLines(Path.Combine(Paths.Corpus, "awsdocs-examples", "amazon-athena-user-guide.ndjson")))
        .Where(l => l.Length > 0)
        .ToArray();

    private static IReadOnlyList<string> Expected(IEnumerable<string> records) =>
        Canonical(CapturingSink.Decode(Utf8(string.Join("\n", records) + "\n")));

    /// <summary>The reject reasons the same records give as NDJSON (the corpus holds a documentation example with a 10-digit account).</summary>
    private static RejectReason[] ExpectedRejects(IEnumerable<string> records) =>
        [.. CapturingSink.Decode(Utf8(string.Join("\n", records) + "\n")).Rejects.Select(r => r.Reason)];

    private static List<string> Canonical(CapturingSink sink) =>
        [.. sink.Rows.Select(r => $"{r.EventTime:O}|{r.Account}|{string.Join('|', r.Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Value))}")];

    /// <summary>An EventBridge "AWS API Call via CloudTrail" event around a record, as EventBridge sends it to Firehose.</summary>
    private static string EventBridgeOf(string record, int i)
    {
        using var doc = JsonDocument.Parse(record);
        var root = doc.RootElement;
        var account = root.TryGetProperty("recipientAccountId", out var a) ? a.GetString() : "123456789012";
        var region = root.TryGetProperty("awsRegion", out var r) ? r.GetString() : "us-east-1";
        var source = root.TryGetProperty("eventSource", out var s) ? s.GetString()!.Replace(".amazonaws.com", string.Empty, StringComparison.Ordinal) : "aws.unknown";
        return $$"""{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467{{i:D3}}","detail-type":"AWS API Call via CloudTrail","source":"aws.{{source}}","account":"{{account}}","time":"{{root.GetProperty("eventTime").GetString()}}","region":"{{region}}","resources":[],"detail":{{record}}}""";
    }

    [Fact]
    public void Decode_FirehoseEventBridgeWithoutDelimiter_YieldsEveryEvent()
    {
        var firehose = string.Concat(CorpusRecords.Select(EventBridgeOf));

        var sink = CapturingSink.Decode(Utf8(firehose), "firehose/2024/05/01/12/stream-1-2024-05-01-12-00-00-abc");

        Assert.Equal(ExpectedRejects(CorpusRecords), sink.Rejects.Select(r => r.Reason));
        Assert.Equal(Expected(CorpusRecords), Canonical(sink));
        Assert.Equal(CorpusRecords.Length - ExpectedRejects(CorpusRecords).Length, sink.Rows.Count);
    }

    [Fact]
    public void Decode_FirehoseEventBridgeGzip_YieldsEveryEvent()
    {
        var firehose = Gzip(string.Concat(CorpusRecords.Select(EventBridgeOf)));

        var sink = CapturingSink.Decode(firehose);

        Assert.Equal(ExpectedRejects(CorpusRecords), sink.Rejects.Select(r => r.Reason));
        Assert.Equal(Expected(CorpusRecords), Canonical(sink));
    }

    [Fact]
    public void Decode_FirehoseEventBridgeWithNewlineDelimiter_YieldsEveryEvent()
    {
        var sink = CapturingSink.Decode(Utf8(string.Join("\n", CorpusRecords.Select(EventBridgeOf)) + "\n"));

        Assert.Equal(ExpectedRejects(CorpusRecords), sink.Rejects.Select(r => r.Reason));
        Assert.Equal(Expected(CorpusRecords), Canonical(sink));
    }

    /// <summary>CloudWatch Logs payloads of the corpus records, a few log events each, each gzip-compressed as CloudWatch Logs sends them.</summary>
    private static byte[][] CloudWatchRecords() =>
        [.. CorpusRecords.Chunk(4).Select(chunk => Gzip(CloudWatchLogs(chunk)))];

    [Fact]
    public void Decode_FirehoseCloudWatchLogs_ConcatenatedGzipMembers_YieldsEveryEvent()
    {
        var firehose = CloudWatchRecords().SelectMany(b => b).ToArray();

        var sink = CapturingSink.Decode(firehose, "cwl-firehose-object");

        Assert.Equal(ExpectedRejects(CorpusRecords), sink.Rejects.Select(r => r.Reason));
        Assert.Equal(Expected(CorpusRecords), Canonical(sink));
    }

    [Fact]
    public void Decode_FirehoseCloudWatchLogsWithFirehoseCompression_ReadsGzipInsideGzip()
    {
        var firehose = Gzip(CloudWatchRecords().SelectMany(b => b).ToArray());

        var sink = CapturingSink.Decode(firehose);

        Assert.Equal(ExpectedRejects(CorpusRecords), sink.Rejects.Select(r => r.Reason));
        Assert.Equal(Expected(CorpusRecords), Canonical(sink));
    }

    [Fact]
    public void Decode_RealCloudWatchLogsPayloads_AsFirehoseMembers_MatchEachPayloadAlone()
    {
        var payloads = new[] { "cloudwatch_log_cloudtrail.json", "cloudwatch_log_cloudtrail.snapshots-cache-test.json" }
            .Select(f => File.ReadAllBytes(Path.Combine(Paths.Corpus, "datadog-serverless-functions", f)))
            .ToArray();
        var alone = payloads.SelectMany(p => Canonical(CapturingSink.Decode(p))).ToList();

        var sink = CapturingSink.Decode(payloads.SelectMany(Gzip).ToArray());

        Assert.Equal(7, alone.Count);
        Assert.Equal(alone, Canonical(sink));
    }

    private static byte[] LookupEventsExample() => File.ReadAllBytes(Path.Combine(Paths.Forms, "aws-cli-lookup-events-example.json"));

    [Fact]
    public void Decode_LookupEventsAsTheCliPrintsIt_YieldsTheEmbeddedRecord()
    {
        var sink = CapturingSink.Decode(LookupEventsExample(), "lookup-events-us-east-1.json");

        Assert.Empty(sink.Rejects);
        var row = Assert.Single(sink.Rows);
        Assert.Equal("654ccbc0-ba0d-486a-9076-dbf7274677a7", row["event_id"]);
        Assert.Equal("ConsoleLogin", row["event_name"]);
        Assert.Equal("arn:aws:iam::123456789012:role/my-role", row["session_issuer_arn"]);
        Assert.Equal(new DateTime(2016, 1, 26, 21, 42, 12, DateTimeKind.Utc), row.EventTime);
        Assert.Equal(123456789012, row.Account);
    }

    [Fact]
    public void Decode_LookupEventsPagesConcatenated_YieldsEveryPage()
    {
        var pages = CorpusRecords.Chunk(5).Select((chunk, i) => JsonSerializer.Serialize(new
        {
            Events = chunk.Select(r => new { EventId = "x", EventName = "y", CloudTrailEvent = r, Resources = Array.Empty<object>() }),
            NextToken = i < 3 ? "token" + i : null,
        }));

        var sink = CapturingSink.Decode(Utf8(string.Join("\n", pages)));

        Assert.Equal(ExpectedRejects(CorpusRecords), sink.Rejects.Select(r => r.Reason));
        Assert.Equal(Expected(CorpusRecords), Canonical(sink));
    }

    [Fact]
    public void Decode_LookupEventsWithNextTokenFirst_IsReadWhole()
    {
        var page = JsonSerializer.Serialize(new { NextToken = "t", Events = CorpusRecords.Take(3).Select(r => new { CloudTrailEvent = r }) });

        var sink = CapturingSink.Decode(Gzip(page));

        Assert.Empty(sink.Rejects);
        Assert.Equal(Expected(CorpusRecords.Take(3)), Canonical(sink));
    }

    [Fact]
    public void Decode_LookupEventObjectsOnePerLine_YieldEach()
    {
        using var doc = JsonDocument.Parse(LookupEventsExample());
        var line = doc.RootElement.GetProperty("Events")[0].GetRawText().ReplaceLineEndings(string.Empty);

        var sink = CapturingSink.Decode(Utf8(line + "\n" + line + "\n"));

        Assert.Equal(2, sink.Rows.Count);
        Assert.Empty(sink.Rejects);
    }

    [Fact]
    public void DecodeMessage_ConcatenatedValuesInOneKinesisRecord_YieldsEach()
    {
        var sink = CapturingSink.DecodeMessage(Utf8(EventBridge(Record("a")) + EventBridge(Record("b")) + " " + Record("c")));

        Assert.Equal(["a", "b", "c"], sink.Rows.Select(r => r["event_id"]));
        Assert.Empty(sink.Rejects);
    }

    [Fact]
    public void DecodeMessage_MultiMemberGzip_YieldsEveryMember()
    {
        var sink = CapturingSink.DecodeMessage([.. Gzip(CloudWatchLogs(Record("a"))), .. Gzip(CloudWatchLogs(Record("b")))]);

        Assert.Equal(["a", "b"], sink.Rows.Select(r => r["event_id"]));
        Assert.Empty(sink.Rejects);
    }

    [Fact]
    public void Decode_LargeFirehoseObject_MatchesNdjsonAcrossWindowBoundaries()
    {
        // Several windows' worth, so values are cut by the window's end and retried.
        var records = Enumerable.Range(0, 3000).Select(i => Record("r" + i, extra: ",\"requestParameters\":{\"pad\":\"" + new string('x', i % 700) + "\"}")).ToArray();
        var expected = Expected(records);

        Assert.Equal(expected, Canonical(CapturingSink.Decode(Utf8(string.Concat(records.Select(r => EventBridge(r)))))));
        Assert.Equal(expected, Canonical(CapturingSink.Decode(Gzip(string.Concat(records.Select(r => EventBridge(r)))))));
        Assert.Equal(expected, Canonical(CapturingSink.Decode(Utf8(LogFile(records)))));
        Assert.Equal(expected, Canonical(CapturingSink.Decode(Utf8("[" + string.Join(",\n", records) + "]"))));
    }

    [Fact]
    public void Decode_ValuesSplitAcrossGzipMembers_AreJoined()
    {
        // RFC 1952: members concatenated are one stream; a writer may cut anywhere, mid-value included.
        var text = Utf8(string.Join("\n", Enumerable.Range(0, 500).Select(i => Record("r" + i))) + "\n");
        var members = text.Chunk(777).SelectMany(Gzip).ToArray();

        var sink = CapturingSink.Decode(members);

        Assert.Empty(sink.Rejects);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => "r" + i), sink.Rows.Select(r => r["event_id"]));
    }

    [Fact]
    public void Decode_PrettyPrintedConcatenatedDocuments_YieldsEach()
    {
        var pretty = string.Concat(new[] { LogFile(Record("a"), Record("b")), LogFile(Record("c")) }
            .Select(d => JsonSerializer.Serialize(JsonDocument.Parse(d).RootElement, new JsonSerializerOptions { WriteIndented = true })));

        var sink = CapturingSink.Decode(Encoding.UTF8.GetBytes(pretty));

        Assert.Equal(["a", "b", "c"], sink.Rows.Select(r => r["event_id"]));
        Assert.Empty(sink.Rejects);
    }

    [Fact]
    public void Decode_EnvelopesCutByTheWindowAfterTheirRecords_EmitEachRecordOnce()
    {
        // Envelopes larger than the decoder's lookahead, with a long tail after the record, so that the window's end
        // falls after an envelope's record has been read: it must be read again whole, never emitted twice.
        var tail = new string('t', 600_000);
        var eventBridge = string.Concat(Enumerable.Range(0, 120).Select(i => EventBridge(Record("eb" + i))[..^1] + ",\"zz\":\"" + tail[..(i * 39_097 % 600_000)] + "\"}"));
        var cloudWatch = Enumerable.Range(0, 60)
            .Select(i => CloudWatchLogs([.. Enumerable.Range(0, 40).Select(k => Record($"cw{i}-{k}", extra: ",\"requestParameters\":{\"p\":\"" + new string('p', (i * 1031 + k * 177) % 16_000) + "\"}"))]))
            .ToArray();

        var eb = CapturingSink.Decode(Utf8(eventBridge));
        var cw = CapturingSink.Decode(Utf8(string.Concat(cloudWatch)));
        var cwMembers = CapturingSink.Decode([.. cloudWatch.SelectMany(c => Gzip(c))]);

        Assert.Equal(Enumerable.Range(0, 120).Select(i => "eb" + i), eb.Rows.Select(r => r["event_id"]));
        var expected = Enumerable.Range(0, 60).SelectMany(i => Enumerable.Range(0, 40).Select(k => $"cw{i}-{k}")).ToList();
        Assert.Equal(expected, cw.Rows.Select(r => r["event_id"]));
        Assert.Equal(expected, cwMembers.Rows.Select(r => r["event_id"]));
        Assert.Empty(eb.Rejects);
        Assert.Empty(cw.Rejects);
    }
}
