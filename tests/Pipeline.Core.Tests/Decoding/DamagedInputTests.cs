using System.Text;
using Pipeline.Decoding;
using Pipeline.Projection;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Decoding;

/// <summary>A damaged value costs one reject that names where it is; every value around it still lands.</summary>
public sealed class DamagedInputTests
{
    private static string[] Ids(CapturingSink sink) => [.. sink.Rows.Select(r => r["event_id"]!)];

    [Fact]
    public void Decode_DamagedValueMidConcatenation_OneRejectWithOffsetAndTheRestLand()
    {
        var before = EventBridge(Record("a")) + EventBridge(Record("b"));
        var damaged = EventBridge(Record("c")).Replace("\"eventName\":", "\"eventName\"", StringComparison.Ordinal);
        var text = before + damaged + EventBridge(Record("d")) + EventBridge(Record("e"));

        var sink = CapturingSink.Decode(Utf8(text), "firehose-object");

        Assert.Equal(["a", "b", "d", "e"], Ids(sink));
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.NotJson, reject.Reason);
        Assert.Equal(Encoding.UTF8.GetByteCount(before), reject.Position.Offset);
        Assert.Equal("firehose-object", reject.Input);
        Assert.Contains("next value", reject.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_DamagedGzipMemberMidObject_OneRejectAndTheOtherMembersLand()
    {
        var members = new[] { "a", "b", "c", "d" }.Select(id => Gzip(CloudWatchLogs(Record(id)))).ToArray();
        members[1][members[1].Length / 2] ^= 0xFF;
        members[1][(members[1].Length / 2) + 1] ^= 0xFF;

        var sink = CapturingSink.Decode(members.SelectMany(m => m).ToArray(), "cwl-object.gz");

        // What the damaged member inflated to before zlib saw the damage is read too (and here rejected as not JSON):
        // what is read before a damaged point does not depend on how much is read at once.
        Assert.Equal(["a", "c", "d"], Ids(sink));
        var reject = Assert.Single(sink.Rejects, r => r.Reason == RejectReason.CorruptGzip);
        Assert.Equal(1, reject.Position.Member);
        Assert.Contains($"compressed byte {members[0].Length}", reject.Detail, StringComparison.Ordinal);
        Assert.All(sink.Rejects.Where(r => r != reject), r => Assert.Equal(RejectReason.NotJson, r.Reason));
    }

    [Fact]
    public void Decode_InvalidLiteralBeforeMuchText_ReasonQuotesOnlyTheStartOfIt()
    {
        // The JSON reader's message quotes the input to the end of its window: kept short, the reject is readable
        // and does not depend on how much of the input was in memory.
        var text = Record("a") + "\n{\"eventTime\": nope" + string.Concat(Enumerable.Range(0, 200).Select(i => "\n" + Record("b" + i)));

        var sink = CapturingSink.Decode(Utf8(text));

        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.NotJson, reject.Reason);
        Assert.InRange(reject.Detail!.Length, 20, RecordDecoder.MaxDetailChars + 1);
        Assert.EndsWith("…", reject.Detail, StringComparison.Ordinal);
        Assert.Equal(201, sink.Rows.Count);
    }

    [Fact]
    public void Decode_MemberWithBadCrc_IsRejectedByItsOwnTrailer()
    {
        var members = new[] { "a", "b", "c" }.Select(id => Gzip(Record(id) + "\n")).ToArray();
        members[1][^6] ^= 0x01;

        var sink = CapturingSink.Decode(members.SelectMany(m => m).ToArray());

        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.CorruptGzip, reject.Reason);
        Assert.Equal(1, reject.Position.Member);
        Assert.Contains("incorrect data check", reject.Detail, StringComparison.Ordinal);
        Assert.Contains("a", Ids(sink));
        Assert.Contains("c", Ids(sink));
    }

    [Fact]
    public void Decode_TruncatedLastMember_IsARejectAndTheCompleteMembersAreKept()
    {
        var members = new[] { "a", "b", "c" }.Select(id => Gzip(CloudWatchLogs(Record(id)))).ToArray();
        var all = members.SelectMany(m => m).ToArray();

        var sink = CapturingSink.Decode(all[..^20]);

        Assert.Equal(["a", "b"], Ids(sink));
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.TruncatedGzip, reject.Reason);
        Assert.Equal(2, reject.Position.Member);
    }

    [Fact]
    public void Decode_TrailingGarbageAfterLastMember_IsARejectAndTheMembersAreKept()
    {
        var sink = CapturingSink.Decode([.. Gzip(Record("a") + "\n"), .. "not gzip at all"u8]);

        Assert.Equal(["a"], Ids(sink));
        Assert.Equal(RejectReason.CorruptGzip, Assert.Single(sink.Rejects).Reason);
    }

    [Fact]
    public void Decode_ZeroPaddingAfterLastMember_IsIgnored()
    {
        var sink = CapturingSink.Decode([.. Gzip(Record("a") + "\n"), .. new byte[512]]);

        Assert.Equal(["a"], Ids(sink));
        Assert.Empty(sink.Rejects);
    }

    [Fact]
    public void Decode_DamagedRecordInsideLogFile_ResynchronisesAtTheNextRecord()
    {
        var records = Enumerable.Range(0, 10).Select(i => Record("r" + i)).ToArray();
        records[4] = records[4].Replace("\"eventSource\":\"s3.amazonaws.com\"", "\"eventSource\":s3.amazonaws.com\"", StringComparison.Ordinal);

        var sink = CapturingSink.Decode(Gzip(LogFile(records)), "AWSLogs/x.json.gz");

        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 4).Select(i => "r" + i), Ids(sink));
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.NotJson, reject.Reason);
    }

    [Fact]
    public void Decode_RecordNestedDeeperThanTheReaderAllows_CostsOnlyItself()
    {
        var deep = Record("deep", extra: ",\"requestParameters\":" + new string('[', 5000) + new string(']', 5000));
        var text = Record("a") + "\n" + deep + "\n" + Record("b") + "\n";

        var sink = CapturingSink.Decode(Utf8(text));

        Assert.Equal(["a", "b"], Ids(sink));
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(2, reject.Position.Line);
    }

    [Fact]
    public void Decode_RawNulInARecord_CostsOnlyThatRecord()
    {
        var text = Record("a") + "\n" + Record("bad").Replace("GetObject", "Get\0Object", StringComparison.Ordinal) + "\n" + Record("b") + "\n";

        var sink = CapturingSink.Decode(Utf8(text));

        Assert.Equal(["a", "b"], Ids(sink));
        Assert.Equal(2, Assert.Single(sink.Rejects).Position.Line);
    }

    [Fact]
    public void Decode_RawNulsBetweenRecords_AreOneRejectAndTheRecordsLand()
    {
        var text = Record("a") + "\0\0\0\n" + Record("b") + "\n";

        var sink = CapturingSink.Decode(Utf8(text));

        Assert.Equal(["a", "b"], Ids(sink));
        Assert.Single(sink.Rejects);
    }

    [Fact]
    public void Decode_TooLargeValueInAConcatenation_IsPassedOverAndReadingGoesOn()
    {
        var huge = EventBridge(Record("big", extra: ",\"requestParameters\":{\"x\":\"" + new string('a', 600_000) + "\"}"));
        var text = EventBridge(Record("a")) + huge + EventBridge(Record("b"));
        var sink = new CapturingSink();

        new RecordDecoder(new DecoderLimits(MaxDocumentBytes: 256 * 1024, MaxLineBytes: 256 * 1024)).Decode(new MemoryStream(Utf8(text)), new InputContext("t"), sink);

        Assert.Equal(["a", "b"], Ids(sink));
        Assert.Equal(RejectReason.TooLarge, Assert.Single(sink.Rejects).Reason);
    }

    [Fact]
    public void Decode_TooLargeRecordInsideLogFile_IsPassedOverAndTheOthersLand()
    {
        var huge = Record("big", extra: ",\"requestParameters\":{\"x\":\"" + new string('a', 600_000) + "\"}");
        var sink = new CapturingSink();

        new RecordDecoder(new DecoderLimits(MaxDocumentBytes: 1 << 30, MaxLineBytes: 256 * 1024)).Decode(new MemoryStream(Gzip(LogFile(Record("a"), huge, Record("b")))), new InputContext("t"), sink);

        Assert.Equal(["a", "b"], Ids(sink));
        Assert.Equal(RejectReason.TooLarge, Assert.Single(sink.Rejects).Reason);
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\udc00")]
    [InlineData("x\\ud800\\u0041")]
    [InlineData("\\ud83d")]
    public void Decode_LoneSurrogateEscape_IsStoredAsReplacementAndTheRecordKept(string escaped)
    {
        var text = Record("a") + "\n" + Record("s").Replace("aws-cli/1.16.96 Python/2.7.5", escaped, StringComparison.Ordinal) + "\n" + Record("b") + "\n";

        var sink = CapturingSink.Decode(Utf8(text));

        Assert.Equal(["a", "s", "b"], Ids(sink));
        Assert.Empty(sink.Rejects);
        Assert.Contains("\uFFFD", sink.Rows[1]["user_agent"], StringComparison.Ordinal);
        Assert.Equal(1, sink.Rows[1].Repaired);
    }

    [Fact]
    public void Decode_SurrogatePairEscape_IsDecoded()
    {
        var sink = CapturingSink.Decode(Utf8(Record("s").Replace("aws-cli/1.16.96 Python/2.7.5", "\\ud83d\\ude00 ok", StringComparison.Ordinal)));

        Assert.Equal("😀 ok", Assert.Single(sink.Rows)["user_agent"]);
        Assert.Equal(0, sink.Rows[0].Repaired);
    }

    [Fact]
    public void Decode_InvalidUtf8InAString_IsStoredAsReplacementNeverAsIs()
    {
        var bytes = Utf8(Record("x")).ToList();
        var at = Encoding.UTF8.GetString([.. bytes]).IndexOf("Python", StringComparison.Ordinal);
        bytes.InsertRange(at, new byte[] { 0xC3, 0x28, 0xFF, 0xED, 0xA0, 0x80 });

        var sink = CapturingSink.Decode([.. bytes]);

        var row = Assert.Single(sink.Rows);
        var ua = row["user_agent"]!;
        Assert.True(System.Text.Unicode.Utf8.IsValid(Encoding.UTF8.GetBytes(ua)));
        Assert.StartsWith("aws-cli/1.16.96 \uFFFD(\uFFFD", ua, StringComparison.Ordinal);
        Assert.True(row.Repaired >= 3);
    }

    [Fact]
    public void Decode_LoneSurrogateInAPropertyName_DoesNotStopTheInput()
    {
        var text = Record("a", extra: ",\"\\ud800\":1") + "\n" + Record("b") + "\n";

        var sink = CapturingSink.Decode(Utf8(text));

        Assert.Equal(["a", "b"], Ids(sink));
    }

    [Fact]
    public void DecodeMessage_LoneSurrogatesInCloudWatchLogsMessage_KeepTheRecord()
    {
        var message = Record("m").Replace("aws-cli/1.16.96 Python/2.7.5", "\\ud800", StringComparison.Ordinal);
        var payload = "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"1\",\"logGroup\":\"g\",\"logStream\":\"s\",\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"1\",\"timestamp\":1,\"message\":\""
            + message.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\\ud800\"}]}";

        var sink = CapturingSink.DecodeMessage(Gzip(payload));

        // The record (its own \ud800 repaired) is kept; the message's trailing lone surrogate becomes U+FFFD after
        // the record, which is one reject of the rest of that message.
        var row = Assert.Single(sink.Rows);
        Assert.Equal("\uFFFD", row["user_agent"]);
        Assert.Equal(RejectReason.NotJson, Assert.Single(sink.Rejects).Reason);
    }

    [Fact]
    public void Decode_StringLongerThanTheCap_IsStoredCutOnACharacterBoundaryAndCounted()
    {
        // 8,188 ASCII bytes then two-byte characters: the cut at 8,189 would split one.
        var ua = new string('a', 8188) + new string('é', 5000);
        var sink = CapturingSink.Decode(Utf8(Record("x").Replace("aws-cli/1.16.96 Python/2.7.5", ua, StringComparison.Ordinal) + "\n" + Record("y") + "\n"));

        var stored = sink.Rows[0]["user_agent"]!;
        Assert.Equal(["x", "y"], Ids(sink));
        Assert.True(Encoding.UTF8.GetByteCount(stored) <= ProjectedRow.MaxValueBytes);
        Assert.EndsWith("…", stored, StringComparison.Ordinal);
        Assert.StartsWith(new string('a', 8188), stored, StringComparison.Ordinal);
        Assert.True(System.Text.Unicode.Utf8.IsValid(Encoding.UTF8.GetBytes(stored)));
        Assert.Equal("aws-cli/1.16.96 Python/2.7.5", sink.Rows[1]["user_agent"]);
    }

    [Theory]
    [InlineData("10:00")]
    [InlineData("November 2026")]
    [InlineData("2026-11-01")]
    public void Decode_LooseEventTime_IsRejectedByNameNeverDatedByTheClock(string time)
    {
        var sink = CapturingSink.Decode(Utf8(Record("a", time: time)));

        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.BadEventTime, reject.Reason);
        Assert.Equal(time, reject.Detail);
        Assert.Empty(sink.Rows);
    }

    [Fact]
    public void Decode_GzipBombOfZeros_IsOneRejectWithinBoundedWork()
    {
        var bomb = Gzip(new byte[64 * 1024 * 1024]);
        var sink = new CapturingSink();

        new RecordDecoder(new DecoderLimits(MaxDocumentBytes: 4 * 1024 * 1024, MaxLineBytes: 1024 * 1024)).Decode(new MemoryStream(bomb), new InputContext("bomb.gz"), sink);

        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(RejectReason.NotJson, reject.Reason);
        Assert.Contains("rest of the input is not read", reject.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(64 * 1024)]
    [InlineData(4 * 1024 * 1024)]
    public void GzipMembers_DamagedMember_SameBytesWhateverTheReadSize(int readSize)
    {
        // Which bytes come before a damaged point must not depend on how much the reader asks for at once.
        var text = string.Concat(Enumerable.Range(0, 3000).Select(i => Record("r" + i) + "\n"));
        var members = new[] { Gzip(text), Gzip(text), Gzip(text) };
        members[1][members[1].Length / 2] ^= 0xFF;
        members[1][(members[1].Length / 2) + 1] ^= 0xFF;
        var input = members.SelectMany(m => m).ToArray();

        Assert.Equal(ReadAll(input, 4 * 1024 * 1024), ReadAll(input, readSize));

        static string ReadAll(byte[] input, int readSize)
        {
            var damage = new List<GzipDamage>();
            using var gz = new GzipMembers(new MemoryStream(input), [], damage.Add);
            var output = new MemoryStream();
            var buffer = new byte[readSize];
            while (true)
            {
                var n = gz.Read(buffer);
                if (n > 0)
                {
                    output.Write(buffer, 0, n);
                }
                else if (gz.TakeBreak())
                {
                    output.Write("<break>"u8);
                }
                else
                {
                    break;
                }
            }

            Assert.Single(damage);
            return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(output.ToArray())) + $" {output.Length}";
        }
    }

    [Fact]
    public void GzipMembers_ManyMembers_ProduceTheConcatenationAndCountMembers()
    {
        var parts = Enumerable.Range(1, 50).Select(i => Utf8(new string((char)('a' + (i % 26)), i * 37))).ToArray();
        var damage = new List<GzipDamage>();
        using var gz = new GzipMembers(new MemoryStream(parts.SelectMany(Gzip).ToArray()), [], damage.Add);
        using var output = new MemoryStream();

        gz.CopyTo(output);

        Assert.Equal(parts.SelectMany(p => p).ToArray(), output.ToArray());
        Assert.Empty(damage);
        Assert.Equal(50, gz.Members);
    }
}
