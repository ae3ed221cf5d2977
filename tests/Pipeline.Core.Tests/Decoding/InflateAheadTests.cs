using System.Text;
using Pipeline.Decoding;
using Pipeline.Projection;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Decoding;

/// <summary>A large gzip input inflated on a thread of its own: what the parser sees is what it sees inflating inline.</summary>
public sealed class InflateAheadTests
{
    private static readonly DecoderLimits Inline = new(InflateAheadBytes: long.MaxValue);
    private static readonly DecoderLimits Ahead = new(InflateAheadBytes: 0);

    private static string Lines(string prefix, int count) => string.Concat(Enumerable.Range(0, count).Select(i => Record($"{prefix}{i}") + "\n"));

    private static byte[] Damaged(byte[] member)
    {
        member[member.Length / 2] ^= 0xFF;
        member[(member.Length / 2) + 1] ^= 0xFF;
        return member;
    }

    /// <summary>Inputs whose gzip layer breaks, ends early, or spans many of the hand-over blocks.</summary>
    public static TheoryData<string> Inputs() =>
    [
        "damaged-member-mid-object", "bad-crc", "truncated-last-member", "trailing-garbage", "zero-padding",
        "gzip-in-gzip-outer-damaged", "many-blocks-damaged-middle", "empty-gzip", "log-files-in-members",
        "value-across-a-damaged-member",
    ];

    private static byte[] Input(string name)
    {
        switch (name)
        {
            case "damaged-member-mid-object":
                {
                    var members = new[] { "a", "b", "c", "d" }.Select(id => Gzip(CloudWatchLogs(Record(id)))).ToArray();
                    members[1] = Damaged(members[1]);
                    return [.. members.SelectMany(m => m)];
                }

            case "bad-crc":
                {
                    var members = new[] { Gzip(Lines("a", 3)), Gzip(Lines("b", 3)), Gzip(Lines("c", 3)) };
                    members[1][^8] ^= 0x01;
                    return [.. members.SelectMany(m => m)];
                }

            case "truncated-last-member":
                {
                    byte[] all = [.. Gzip(Lines("a", 50)), .. Gzip(Lines("b", 50))];
                    return all[..^20];
                }

            case "trailing-garbage":
                return [.. Gzip(Lines("a", 5)), .. "not gzip at all"u8];
            case "zero-padding":
                return [.. Gzip(Lines("a", 5)), .. new byte[512]];
            case "gzip-in-gzip-outer-damaged":
                {
                    // Firehose compression over CloudWatch Logs' own gzip: each outer member holds one inner payload.
                    var outer = new[] { "a", "b", "c" }.Select(id => Gzip(Gzip(CloudWatchLogs(Record(id + "1"), Record(id + "2"))))).ToArray();
                    outer[1] = Damaged(outer[1]);
                    return [.. outer.SelectMany(m => m)];
                }

            case "many-blocks-damaged-middle":
                {
                    // Several megabytes decompressed: the break falls well inside the stream of hand-over blocks.
                    var text = Lines("r", 12000);
                    var members = new[] { Gzip(text), Damaged(Gzip(Lines("q", 12000))), Gzip(Lines("s", 12000)) };
                    Assert.True(Encoding.UTF8.GetByteCount(text) > 2 * InflateAhead.BlockBytes);
                    return [.. members.SelectMany(m => m)];
                }

            case "value-across-a-damaged-member":
                {
                    // Record b starts before a member that inflates to nothing and ends after it: the break between
                    // them cuts it (read across the break, it would land whole).
                    var b = Record("b");
                    var broken = Gzip(Lines("x", 2));
                    broken[12] ^= 0xFF;
                    broken[13] ^= 0xFF;
                    return [.. Gzip(Record("a") + "\n" + b[..100]), .. broken, .. Gzip(b[100..] + "\n" + Record("c") + "\n")];
                }

            case "empty-gzip":
                return Gzip([]);
            default:
                return [.. Gzip(LogFile(Record("a"), Record("b"))), .. Gzip(LogFile(Record("c")))];
        }
    }

    private static string Outcome(byte[] input, DecoderLimits limits)
    {
        var sink = new CapturingSink();
        new RecordDecoder(limits).Decode(new MemoryStream(input), new InputContext("object.gz"), sink, input.Length);
        var text = new StringBuilder();
        foreach (var row in sink.Rows)
        {
            text.Append(row.EventTime.ToString("O")).Append(' ').Append(row.Account).Append(' ').AppendJoin('|', row.Values.Select(v => v.Key + "=" + v.Value)).Append('\n');
        }

        foreach (var reject in sink.Rejects)
        {
            text.Append("reject ").Append(reject.Input).Append(' ').Append(reject.Position).Append(' ').Append(reject.Reason).Append(' ').Append(reject.Detail).Append('\n');
        }

        return text.ToString();
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Decode_InflatedAhead_SameRowsAndRejectsInTheSameOrderAsInline(string name)
    {
        var input = Input(name);

        var inline = Outcome(input, Inline);
        var ahead = Outcome(input, Ahead);

        Assert.NotEmpty(inline);
        Assert.Equal(inline, ahead);
    }

    [Fact]
    public void Decode_InflatedAhead_DamagedMemberIsOneRejectNamingItsMember()
    {
        var input = Input("many-blocks-damaged-middle");
        var sink = new CapturingSink();

        new RecordDecoder(Ahead).Decode(new MemoryStream(input), new InputContext("object.gz"), sink, input.Length);

        var reject = Assert.Single(sink.Rejects, r => r.Reason == RejectReason.CorruptGzip);
        Assert.Equal(1, reject.Position.Member);
        Assert.Equal(12000, sink.Rows.Count(r => r["event_id"]!.StartsWith('s')));
        Assert.Equal(12000, sink.Rows.Count(r => r["event_id"]!.StartsWith('r')));
    }

    [Fact]
    public void Decode_SourceFailsPartWay_ThrowsItsIOExceptionToTheReader()
    {
        var input = Gzip(Lines("a", 20000));
        var source = new FailingStream(input, failAt: input.Length / 2);
        var sink = new CapturingSink();

        var error = Assert.Throws<IOException>(() => new RecordDecoder(Ahead).Decode(source, new InputContext("object.gz"), sink, input.Length));

        Assert.Equal("disk went away", error.Message);
    }

    [Fact]
    public void Dispose_ReaderStopsEarly_StopsTheInflaterBeforeReturning()
    {
        var input = Gzip(Lines("a", 20000));
        var source = new FailingStream(input, failAt: long.MaxValue);
        var ahead = new InflateAhead(source, [], _ => { });
        var buffer = new byte[100];

        Assert.Equal(100, ahead.ReadAtLeast(buffer, 100));
        ahead.Dispose();
        var readsAtDispose = source.Reads;
        Thread.Sleep(50);

        Assert.Equal(readsAtDispose, source.Reads);
        Assert.True(source.Position < input.Length, "the inflater stopped before the end of its input");
    }

    /// <summary>Serves bytes in small reads and throws once a given offset is reached.</summary>
    private sealed class FailingStream(byte[] data, long failAt) : Stream
    {
        private long _at;

        public int Reads { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position
        {
            get => _at;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            if (_at >= failAt)
            {
                throw new IOException("disk went away");
            }

            var n = (int)Math.Min(Math.Min(count, 4096), data.Length - _at);
            Array.Copy(data, _at, buffer, offset, n);
            _at += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
