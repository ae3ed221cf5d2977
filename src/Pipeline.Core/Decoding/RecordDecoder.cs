using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Projection;

namespace Pipeline.Decoding;

/// <summary>
/// Turns bytes in any of the forms CloudTrail reaches us in into projected rows, deciding each layer by content,
/// never by name:
/// <list type="bullet">
/// <item>gzip (RFC 1952), one member or many, each checked against its own trailer, and gzip inside gzip;</item>
/// <item>KPL aggregates;</item>
/// <item>a stream of JSON values one after another, with or without whitespace or newlines between them (NDJSON,
/// Firehose's <c>{…}{…}</c>), where each value is any envelope: a record, an S3 log file (<c>{"Records":[…]}</c>),
/// an EventBridge event, a CloudWatch Logs payload, a <c>lookup-events</c> page (<c>{"Events":[…]}</c>) or event,
/// or an array of those.</item>
/// </list>
/// Large envelopes (<c>Records</c>, <c>Events</c>, top-level arrays) are streamed element by element, so memory
/// follows the largest value, not the input. A damaged value is one reject naming its byte offset and line; reading
/// resumes at the next value (or member) boundary. One instance per worker thread: it reuses its row and buffers.
/// </summary>
internal sealed class RecordDecoder(DecoderLimits limits)
{
    private const int MaxEnvelopeDepth = 6;
    private const int MaxGzipLayers = 2;

    // A value is decoded once this much of what follows it is in the window (or the input has ended), so that a
    // value cut by the window's end is rare; a cut one is retried after the window is refilled.
    private const int Lookahead = 256 * 1024;
    private const int InitialBuffer = 1024 * 1024;

    private static readonly JsonReaderOptions MultiValue = new() { AllowMultipleValues = true, MaxDepth = 4096 };
    private static readonly JsonReaderOptions SingleValue = new() { MaxDepth = 4096 };
    private static readonly SearchValues<byte> StringStops = SearchValues.Create([(byte)'"', (byte)'\\', .. Enumerable.Range(0, 0x20).Select(b => (byte)b)]);
    private static readonly SearchValues<byte> Structure = SearchValues.Create("\"{}[]"u8);

    private readonly ProjectedRow _row = new();
    private readonly List<Range> _kplRanges = [];
    private readonly List<LogEventAt> _logEvents = [];
    private readonly List<Range> _messages = [];
    private bool _scanning;
    private IRecordSink _sink = null!;
    private InputContext _input;
    private RecordPosition _layer = RecordPosition.WholeInput;
    private bool _inSink;

    // The value stream's state, kept across windows of one stream.
    private Frame _frame;
    private long _frameStart;
    private long _frameLine;
    private int _elementIndex;
    private long _lines;
    private long _linesAt;
    private bool _anyValue;
    private bool _sourceDamaged;
    private bool _abandoned;
    private bool _resyncing;
    private long _resyncFrom;
    private long _resyncLine;
    private long _resyncScan;
    private string? _resyncReason;
    private byte _prevSig;
    private bool _newlineSinceSig;
    private bool _boundary;
    private bool _segmentEnd;
    private bool _skipping;
    private long _skipFrom;
    private int _skipDepth;
    private bool _skipInString;
    private bool _skipEscape;
    private bool _skipStarted;

    public RecordDecoder()
        : this(new DecoderLimits())
    {
    }

    private enum Frame
    {
        /// <summary>Between top-level values.</summary>
        Top,

        /// <summary>Inside an S3 log file's <c>Records</c> array.</summary>
        Records,

        /// <summary>Inside a lookup-events page's <c>Events</c> array.</summary>
        Events,

        /// <summary>Inside a top-level array.</summary>
        Array,

        /// <summary>After a streamed <c>Records</c>/<c>Events</c> array, before its object closes.</summary>
        Tail,
    }

    private enum Found
    {
        /// <summary>A whole value, read.</summary>
        Value,

        /// <summary>The window ends inside the value and more input follows.</summary>
        NeedMore,

        /// <summary>The input (or the segment before a damaged gzip member) ends inside the value.</summary>
        Cut,

        /// <summary>Not JSON, or not well-formed.</summary>
        Damaged,
    }

    /// <summary>
    /// Decodes a whole input (a file or an S3 object body) read as a stream. Read errors (<see cref="IOException"/>)
    /// propagate: they say nothing about the content, so the caller retries or fails the input instead of rejecting it.
    /// </summary>
    /// <param name="source">The input's bytes.</param>
    /// <param name="input">Names the input in rejects.</param>
    /// <param name="sink">Where rows and rejects go.</param>
    /// <param name="length">The input's size in bytes when known (a large gzip input is then inflated ahead, <see cref="DecoderLimits.InflateAheadBytes"/>), else -1.</param>
    public void Decode(Stream source, in InputContext input, IRecordSink sink, long length = -1)
    {
        _sink = sink;
        _input = input;
        _layer = RecordPosition.WholeInput;
        _sourceDamaged = false;
        Span<byte> head = stackalloc byte[4];
        var n = source.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n == 0)
        {
            RejectInput(RejectReason.EmptyInput, "the input has no bytes");
            return;
        }

        DecodeLayer(source, head[..n], 0, inflateAhead: length >= limits.InflateAheadBytes);
    }

    /// <summary>Decodes one message (a Kinesis record's data, a Kafka value): gzip, KPL or JSON, sniffed by content.</summary>
    public void DecodeMessage(ReadOnlySpan<byte> data, in InputContext input, IRecordSink sink)
    {
        _sink = sink;
        _input = input;
        _layer = RecordPosition.WholeInput;
        DecodeBlob(data, 0);
    }

    private static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B;

    /// <summary>Decodes a stream whose first bytes, already read, are <paramref name="head"/>.</summary>
    /// <param name="source">The layer's bytes after <paramref name="head"/>.</param>
    /// <param name="head">Its first bytes, already read.</param>
    /// <param name="gzipLayers">gzip layers around it.</param>
    /// <param name="inflateAhead">Inflate this layer, if gzip, on a thread of its own (the outermost layer of a large input).</param>
    private void DecodeLayer(Stream source, ReadOnlySpan<byte> head, int gzipLayers, bool inflateAhead = false)
    {
        if (IsGzip(head))
        {
            if (gzipLayers >= MaxGzipLayers)
            {
                Reject(_layer, RejectReason.CorruptGzip, $"gzip nested more than {MaxGzipLayers} deep");
                return;
            }

            // The outermost layer of a large input is inflated on a thread of its own; the bytes, breaks and damage
            // reports the parser sees are the same either way.
            using BreakingStream gz = inflateAhead
                ? new InflateAhead(source, head, OnGzipDamage)
                : new GzipMembers(source, head, OnGzipDamage);
            Span<byte> innerHead = stackalloc byte[4];
            var n = ReadHead(gz, innerHead);
            if (n == 0)
            {
                if (!_sourceDamaged)
                {
                    Reject(_layer, RejectReason.EmptyInput, "the gzip data decompresses to no bytes");
                }

                return;
            }

            DecodeLayer(gz, innerHead[..n], gzipLayers + 1);
            return;
        }

        if (KplAggregate.IsAggregated(head))
        {
            var all = ReadAll(source, head, limits.MaxDocumentBytes, out var length, out var tooLarge);
            try
            {
                if (tooLarge)
                {
                    Reject(_layer, RejectReason.TooLarge, $"KPL aggregate larger than {limits.MaxDocumentBytes} bytes");
                    return;
                }

                DecodeKpl(all.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(all);
            }

            return;
        }

        DecodeJsonStream(source, head);
    }

    /// <summary>Reads the first bytes of a gzip layer, passing over members damaged before they produced any.</summary>
    private static int ReadHead(BreakingStream gz, Span<byte> head)
    {
        var n = 0;
        while (n < head.Length)
        {
            var r = gz.Read(head[n..]);
            if (r == 0 && !gz.TakeBreak())
            {
                break;
            }

            n += r;
        }

        return n;
    }

    private void OnGzipDamage(GzipDamage d)
    {
        _sourceDamaged = true;
        Reject(_layer with { Member = d.Member }, d.Reason, GzipDamageDetail(d));
    }

    /// <summary>How a damaged gzip member is described in its reject.</summary>
    internal static string GzipDamageDetail(GzipDamage d) => $"{d.Detail}; the member starts at compressed byte {d.CompressedOffset}";

    private void DecodeBlob(ReadOnlySpan<byte> data, int gzipLayers)
    {
        _sourceDamaged = false;
        if (data.IsEmpty)
        {
            Reject(_layer, RejectReason.EmptyInput, "empty message");
            return;
        }

        if (IsGzip(data))
        {
            unsafe
            {
                // Read in place (pinned), not copied: Kinesis and Kafka hand over one buffer per record.
                fixed (byte* start = data)
                {
                    using var raw = new UnmanagedMemoryStream(start, data.Length);
                    var head = data[..Math.Min(4, data.Length)];
                    raw.Position = head.Length;
                    DecodeLayer(raw, head, gzipLayers);
                }
            }

            return;
        }

        if (KplAggregate.IsAggregated(data))
        {
            DecodeKpl(data);
            return;
        }

        ResetScanner();
        Scan(data, 0, final: true);
    }

    private void DecodeKpl(ReadOnlySpan<byte> blob)
    {
        if (!KplAggregate.TryDeaggregate(blob, _kplRanges, out var badChecksum, out var error))
        {
            Reject(_layer, badChecksum ? RejectReason.KplChecksum : RejectReason.KplMalformed, error);
            return;
        }

        // Copy: a nested decode may reuse the list.
        var ranges = _kplRanges.ToArray();
        var outer = _layer;
        for (var i = 0; i < ranges.Length; i++)
        {
            _layer = outer with { KplRecord = i };
            DecodeBlob(blob[ranges[i]], 1);
        }

        _layer = outer;
    }

    // ----- The value stream -----

    private void ResetScanner()
    {
        _frame = Frame.Top;
        _lines = 0;
        _linesAt = 0;
        _anyValue = false;
        _abandoned = false;
        _resyncing = false;
        _skipping = false;
        _boundary = false;
        _segmentEnd = false;
    }

    /// <summary>Reads a stream of JSON values through a sliding window; see <see cref="Scan"/>.</summary>
    private void DecodeJsonStream(Stream stream, ReadOnlySpan<byte> head)
    {
        ResetScanner();
        var gzip = stream as BreakingStream;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        head.CopyTo(buffer);
        var start = 0;
        var end = head.Length;
        long before = 0;
        var eof = false;
        try
        {
            // A byte-order mark at the very start is not part of the first value.
            var segmentEnd = FillAtLeast(stream, gzip, ref buffer, ref start, ref end, ref before, ref eof, 3);
            if (buffer.AsSpan(start, end - start).StartsWith("\uFEFF"u8))
            {
                start += 3;
                _linesAt = 3;
            }

            var want = Lookahead;
            while (!_abandoned)
            {
                segmentEnd |= FillAtLeast(stream, gzip, ref buffer, ref start, ref end, ref before, ref eof, want);
                _segmentEnd = segmentEnd;
                var consumed = Scan(buffer.AsSpan(start, end - start), before + start, eof || segmentEnd);
                start += consumed;
                if (segmentEnd)
                {
                    // A damaged gzip member ends this segment: what is left of it joins nothing that follows. A
                    // resynchronisation under way ends here, and the next segment is searched for a value start.
                    if (_resyncing)
                    {
                        EndResync(before + end);
                    }

                    CountLines(buffer.AsSpan(start, end - start), before + start, before + end);
                    before += end;
                    start = end = 0;
                    segmentEnd = false;
                    _segmentEnd = false;
                    BeginResync(before, reason: null, boundary: true);
                    continue;
                }

                if (eof || _abandoned)
                {
                    break;
                }

                if (consumed > 0)
                {
                    want = Lookahead;
                    continue;
                }

                // No progress: the value in hand needs more bytes than the window holds.
                want = end - start + 1;
                if (end - start < buffer.Length)
                {
                    continue;
                }

                var limit = _frame == Frame.Top ? limits.MaxDocumentBytes : limits.MaxLineBytes;
                if (buffer.Length > limit)
                {
                    if (!_resyncing)
                    {
                        BeginSkip(before + start, limit);
                    }

                    want = Lookahead;
                    continue;
                }

                var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Min((long)buffer.Length * 2, limit + 1)));
                buffer.AsSpan(start, end - start).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
                before += start;
                end -= start;
                start = 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// When fewer than <paramref name="want"/> bytes are in the window, moves them to the buffer's start and reads
    /// until the buffer is full or the input ends. Returns true when a gzip layer reports a break (a damaged member):
    /// the window then ends a segment.
    /// </summary>
    /// <remarks>
    /// The buffer is filled, not just topped up to <paramref name="want"/>: a stream that returns little per read
    /// (a gzip member at a time) otherwise gave windows of barely the lookahead, so each Scan consumed one value and
    /// the lookahead was moved and UTF-8-checked again for every value (CloudWatch Logs payloads: several times their bytes).
    /// </remarks>
    private static bool FillAtLeast(Stream stream, BreakingStream? gzip, ref byte[] buffer, ref int start, ref int end, ref long before, ref bool eof, int want)
    {
        if (eof || (end - start >= want && end < buffer.Length))
        {
            return false;
        }

        if (start > 0)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            before += start;
            end -= start;
            start = 0;
        }

        while (!eof && end < buffer.Length)
        {
            var n = stream.Read(buffer, end, buffer.Length - end);
            if (n > 0)
            {
                end += n;
                continue;
            }

            if (gzip is not null && gzip.TakeBreak())
            {
                return true;
            }

            eof = true;
        }

        return false;
    }

    /// <summary>
    /// Decodes every complete value in <paramref name="w"/> (absolute offset <paramref name="at"/>) and returns the
    /// bytes consumed; the rest (a value cut by the window's end) is offered again once more bytes are in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Scan(ReadOnlySpan<byte> w, long at, bool final)
    {
        // One check of the whole window instead of one per string; a window that fails it (bad bytes, or a character
        // cut by its end) has each string checked, and repaired, on its own.
        _row.Utf8Checked = JsonText.IsValid(w);
        var pos = 0;
        while (!_abandoned)
        {
            if (_skipping)
            {
                pos = Skip(w, pos);
                if (_skipping)
                {
                    return Consumed(w, at, pos);
                }

                continue;
            }

            if (_resyncing)
            {
                pos = Resync(w, at, pos, final);
                if (_resyncing)
                {
                    return Consumed(w, at, pos);
                }

                continue;
            }

            pos = SkipWhitespace(w, pos);
            if (pos == w.Length)
            {
                if (final)
                {
                    EndOfInput(at + pos);
                }

                return Consumed(w, at, pos);
            }

            if (!final && pos > 0 && w.Length - pos < Lookahead)
            {
                return Consumed(w, at, pos);
            }

            var b = w[pos];
            switch (_frame)
            {
                case Frame.Top:
                    if (b == '{')
                    {
                        var envelope = StreamedEnvelope(w[pos..], final, out var header);
                        if (envelope is null)
                        {
                            return Consumed(w, at, pos);
                        }

                        if (envelope != Frame.Top)
                        {
                            EnterFrame(envelope.Value, w, at, pos);
                            pos += header;
                            continue;
                        }
                    }
                    else if (b == '[')
                    {
                        EnterFrame(Frame.Array, w, at, pos);
                        pos++;
                        continue;
                    }

                    break;
                case Frame.Tail:
                    if (b == '}')
                    {
                        _frame = Frame.Top;
                        pos++;
                        continue;
                    }

                    if (b == ',')
                    {
                        pos++;
                        continue;
                    }

                    // Another member of the envelope object ("NextToken": …): read and passed over.
                    var member = SkipMember(w[pos..], final, out var memberLength);
                    if (member == Found.NeedMore)
                    {
                        return Consumed(w, at, pos);
                    }

                    if (member == Found.Damaged)
                    {
                        _frame = Frame.Top;
                        BeginResync(at + pos, $"the envelope that starts at byte {_frameStart} is damaged after its array");
                        continue;
                    }

                    pos += memberLength;
                    continue;
                default:
                    if (b == ']')
                    {
                        _frame = _frame == Frame.Array ? Frame.Top : Frame.Tail;
                        pos++;
                        continue;
                    }

                    if (b == ',')
                    {
                        pos++;
                        continue;
                    }

                    break;
            }

            // The limit is the value's own, whatever the window holds: a value is read within its first `limit` bytes or
            // passed over as too large.
            var limit = _frame == Frame.Top ? limits.MaxDocumentBytes : limits.MaxLineBytes;
            var value = w[pos..];
            var capped = value.Length > limit;
            if (capped)
            {
                value = value[..(int)limit];
            }

            var found = DecodeOne(value, at + pos, LineAt(w, at, at + pos), final && !capped, out var length, out var error);
            if (capped && found is Found.NeedMore or Found.Cut)
            {
                BeginSkip(at + pos, limit);
                pos = Skip(w, pos);
                continue;
            }

            if (found == Found.NeedMore)
            {
                return Consumed(w, at, pos);
            }

            if (found == Found.Cut)
            {
                // A damaged or truncated gzip member already said why the value stops; otherwise say it here.
                if (!_sourceDamaged)
                {
                    Reject(_layer with { Line = _lines + 1, Offset = at + pos }, RejectReason.NotJson, $"the input ends at byte {at + w.Length} inside this value");
                }

                if (!_segmentEnd)
                {
                    _frame = Frame.Top;
                }

                return Consumed(w, at, w.Length);
            }

            if (found == Found.Damaged)
            {
                BeginResync(at + pos, error);
                _prevSig = b;
                continue;
            }

            pos += length;
        }

        return Consumed(w, at, w.Length);
    }

    private void EnterFrame(Frame frame, ReadOnlySpan<byte> w, long at, int pos)
    {
        _frame = frame;
        _frameStart = at + pos;
        _frameLine = LineAt(w, at, at + pos);
        _elementIndex = 0;
        _anyValue = true;
    }

    /// <summary>
    /// Decodes the value at the start of <paramref name="w"/>: a top-level value or an element of the frame's array.
    /// The reader treats the window as final; a value cut by the window's end is told apart from a damaged one by a
    /// second, incremental read, and only then is it "need more".
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Found DecodeOne(ReadOnlySpan<byte> w, long at, long line, bool final, out int length, out string? error)
    {
        length = 0;
        error = null;
        var pos = _layer with { Line = line, Offset = at };
        if (_frame == Frame.Top && w[0] == '{' && (TryCloudWatchLogs(w, pos, out length) || TryEventBridge(w, pos, out length)))
        {
            _anyValue = true;
            _elementIndex++;
            return Found.Value;
        }

        var r = new Utf8JsonReader(w, isFinalBlock: true, new JsonReaderState(MultiValue));
        try
        {
            r.Read();
            _anyValue = true;
            switch (_frame)
            {
                case Frame.Top:
                case Frame.Array:
                    DecodeValue(ref r, w, pos, at, _frame == Frame.Top ? 0 : 1);
                    break;
                default:
                    if (r.TokenType == JsonTokenType.StartObject)
                    {
                        DecodeObject(ref r, w, _frame == Frame.Events ? pos with { Event = _elementIndex } : pos, at, 1);
                    }
                    else
                    {
                        var kind = r.TokenType;
                        r.Skip();
                        Reject(pos, RejectReason.NotAnObject, $"found {kind} where a record object was expected");
                    }

                    break;
            }

            _elementIndex++;
            length = (int)r.BytesConsumed;
            return Found.Value;
        }
        catch (JsonException e)
        {
            var found = Completeness(w, final, out error);
            if (found == Found.Damaged)
            {
                error = e.Message;
            }

            return found;
        }
        catch (Exception e) when (!_inSink && e is not OutOfMemoryException)
        {
            // Nothing a value holds may stop the input: what projection did not expect is a reject of that value.
            var found = Completeness(w, final, out error);
            if (found == Found.Value && IsComplete(w, out length))
            {
                Reject(pos, RejectReason.ProjectionFailed, $"{e.GetType().Name}: {e.Message}");
                return Found.Value;
            }

            return found;
        }
    }

    /// <summary>Whether the window holds the whole value at its start, by an incremental (non-final) read.</summary>
    private static bool IsComplete(ReadOnlySpan<byte> w, out int length)
    {
        length = 0;
        var r = new Utf8JsonReader(w, isFinalBlock: false, new JsonReaderState(MultiValue));
        try
        {
            if (!r.Read())
            {
                return false;
            }

            if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !r.TrySkip())
            {
                return false;
            }

            length = (int)r.BytesConsumed;
            return true;
        }
        catch (JsonException)
        {
            // Damaged before the window's end: complete enough to be judged now.
            return true;
        }
    }

    /// <summary>After a failed read: is the value cut by the window (need more), or damaged?</summary>
    private static Found Completeness(ReadOnlySpan<byte> w, bool final, out string? error)
    {
        error = null;
        var r = new Utf8JsonReader(w, isFinalBlock: false, new JsonReaderState(MultiValue));
        try
        {
            if (r.Read() && (r.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray) || r.TrySkip()))
            {
                return Found.Value;
            }
        }
        catch (JsonException e)
        {
            error = e.Message;
            return Found.Damaged;
        }

        return final ? Found.Cut : Found.NeedMore;
    }

    /// <summary>
    /// Recognises the envelopes that are streamed element by element: <c>{"Records":[</c> (an S3 log file, as
    /// CloudTrail writes it) and <c>{"Events":[</c> (a lookup-events page), whitespace allowed. Returns the frame to
    /// enter, <see cref="Frame.Top"/> for any other object, or null when the window is too short to tell.
    /// </summary>
    private static Frame? StreamedEnvelope(ReadOnlySpan<byte> w, bool final, out int header)
    {
        header = 0;
        var i = SkipWhitespace(w, 1);
        var frame = Frame.Top;
        foreach (var (key, f) in (ReadOnlySpan<(byte[], Frame)>)[(RecordsKey, Frame.Records), (EventsKey, Frame.Events)])
        {
            var rest = w[i..];
            if (rest.StartsWith(key))
            {
                frame = f;
                i += key.Length;
                break;
            }

            if (rest.Length < key.Length && key.AsSpan().StartsWith(rest))
            {
                return final ? Frame.Top : null;
            }
        }

        if (frame == Frame.Top)
        {
            return Frame.Top;
        }

        i = SkipWhitespace(w, i);
        if (i < w.Length && w[i] == ':')
        {
            i = SkipWhitespace(w, i + 1);
        }
        else
        {
            return i >= w.Length && !final ? null : Frame.Top;
        }

        if (i >= w.Length)
        {
            return final ? Frame.Top : null;
        }

        if (w[i] != '[')
        {
            return Frame.Top;
        }

        header = i + 1;
        return frame;
    }

    private static readonly byte[] RecordsKey = "\"Records\""u8.ToArray();
    private static readonly byte[] EventsKey = "\"Events\""u8.ToArray();

    /// <summary>Passes over <c>"name": value</c> in an envelope's tail.</summary>
    private static Found SkipMember(ReadOnlySpan<byte> w, bool final, out int length)
    {
        length = 0;
        var r = new Utf8JsonReader(w, isFinalBlock: false, new JsonReaderState(MultiValue));
        try
        {
            if (!r.Read())
            {
                return final ? Found.Damaged : Found.NeedMore;
            }

            if (r.TokenType != JsonTokenType.String)
            {
                return Found.Damaged;
            }

            var i = SkipWhitespace(w, (int)r.BytesConsumed);
            if (i >= w.Length)
            {
                return final ? Found.Damaged : Found.NeedMore;
            }

            if (w[i] != ':')
            {
                return Found.Damaged;
            }

            i = SkipWhitespace(w, i + 1);
            if (i >= w.Length || !IsComplete(w[i..], out var valueLength) || valueLength == 0)
            {
                return final ? Found.Damaged : Found.NeedMore;
            }

            length = i + valueLength;
            return Found.Value;
        }
        catch (JsonException)
        {
            return Found.Damaged;
        }
    }

    private void EndOfInput(long at)
    {
        if (_segmentEnd)
        {
            return;
        }

        if (_frame != Frame.Top && !_sourceDamaged)
        {
            Reject(_layer with { Line = _frameLine, Offset = _frameStart }, RejectReason.NotJson,
                $"the input ends at byte {at} before the envelope that starts at byte {_frameStart} is closed (the values in it were read)");
        }
        else if (!_anyValue && !_sourceDamaged)
        {
            Reject(_layer, RejectReason.EmptyInput, "the input holds only whitespace");
        }

        _frame = Frame.Top;
    }

    // ----- Resynchronisation after a damaged value -----

    private void BeginResync(long from, string? reason, bool boundary = false)
    {
        _anyValue |= reason is not null;
        _resyncing = true;
        _resyncFrom = from;
        _resyncLine = _lines + 1;
        _resyncScan = boundary ? from : from + 1;
        _resyncReason = reason;
        _prevSig = 0;
        _newlineSinceSig = false;
        _boundary = boundary;
    }

    /// <summary>
    /// Looks for where the next value starts after damage: at the top level a <c>{</c> or <c>[</c> on a new line or
    /// right after a closing bracket; inside an array a <c>{</c> after a comma whose value is itself a valid record.
    /// Either way the candidate must parse whole. The damaged bytes are one reject.
    /// </summary>
    private int Resync(ReadOnlySpan<byte> w, long at, int pos, bool final)
    {
        var i = Math.Max(pos, (int)Math.Min(w.Length, _resyncScan - at));
        var limit = _frame == Frame.Top ? limits.MaxDocumentBytes : limits.MaxLineBytes;
        while (i < w.Length)
        {
            var b = w[i];
            if ((b == '{' || (b == '[' && _frame == Frame.Top)) && IsCandidate())
            {
                var candidate = w[i..];
                if (!IsComplete(candidate, out var length))
                {
                    if (!final && candidate.Length < limit)
                    {
                        _resyncScan = at + i;
                        return i;
                    }
                }
                else if (length > 0 && Acceptable(candidate[..length]))
                {
                    EndResync(at + i);
                    return i;
                }
            }

            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                _newlineSinceSig |= b == '\n';
            }
            else
            {
                _prevSig = b;
                _newlineSinceSig = false;
                _boundary = false;
            }

            i++;
            if (at + i - _resyncFrom > limits.MaxDocumentBytes)
            {
                // Nothing readable within a document's length: the rest of the input is one reject.
                Reject(_layer with { Line = _resyncLine, Offset = _resyncFrom }, RejectReason.NotJson,
                    $"{_resyncReason ?? "damaged data"}; no readable value follows within {limits.MaxDocumentBytes} bytes, so the rest of the input is not read");
                _resyncing = false;
                _abandoned = true;
                return w.Length;
            }
        }

        _resyncScan = at + w.Length;
        if (final && !_segmentEnd)
        {
            if (_resyncReason is not null)
            {
                Reject(_layer with { Line = _resyncLine, Offset = _resyncFrom }, RejectReason.NotJson,
                    $"{_resyncReason} (no readable value follows it)");
            }

            _resyncing = false;
            _frame = Frame.Top;
        }

        return w.Length;
    }

    private bool IsCandidate() => _boundary || (_frame == Frame.Top
        ? _prevSig is (byte)'}' or (byte)']' || _newlineSinceSig
        : _prevSig == ',');

    /// <summary>Inside an array, a candidate must be a value that stands on its own (not an object nested in a record).</summary>
    private bool Acceptable(ReadOnlySpan<byte> value)
    {
        if (_frame == Frame.Top)
        {
            return true;
        }

        var r = new Utf8JsonReader(value, SingleValue);
        r.Read();
        if (r.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        return RecordProjector.ReadObject(ref r, _row) switch
        {
            ObjectKind.Record => RowValidator.TryValidate(_row, _input.FallbackAccount, out _, out _, out _),
            ObjectKind.LookupEvent => true,
            _ => _frame == Frame.Array,
        };
    }

    private void EndResync(long at)
    {
        if (_resyncReason is not null)
        {
            Reject(_layer with { Line = _resyncLine, Offset = _resyncFrom }, RejectReason.NotJson,
                $"{_resyncReason} (skipped {at - _resyncFrom} bytes to the next value, at byte {at})");
        }

        _resyncing = false;
        _boundary = false;
    }

    // ----- Values larger than the limit: passed over without being held -----

    private void BeginSkip(long from, long limit)
    {
        Reject(_layer with { Line = _lines + 1, Offset = from }, RejectReason.TooLarge,
            $"value larger than {limit} bytes ({(_frame == Frame.Top ? "--max-document-mib" : "--max-line-mib")}); passed over");
        _skipping = true;
        _skipFrom = from;
        _skipDepth = 0;
        _skipInString = false;
        _skipEscape = false;
        _skipStarted = false;
    }

    /// <summary>Follows brackets and strings (nothing more) to the end of the value being passed over.</summary>
    private int Skip(ReadOnlySpan<byte> w, int pos)
    {
        var i = pos;
        while (i < w.Length)
        {
            if (_skipInString)
            {
                if (_skipEscape)
                {
                    _skipEscape = false;
                    i++;
                    continue;
                }

                var stop = w[i..].IndexOfAny(StringStops);
                if (stop < 0)
                {
                    return w.Length;
                }

                i += stop;
                var c = w[i++];
                if (c == '\\')
                {
                    _skipEscape = true;
                }
                else if (c == '"')
                {
                    _skipInString = false;
                    if (_skipDepth == 0)
                    {
                        _skipping = false;
                        return i;
                    }
                }
                else
                {
                    // A raw control byte cannot be inside a JSON string: the value is damaged too.
                    _skipping = false;
                    BeginResync(_skipFrom, reason: null);
                    return i;
                }

                continue;
            }

            var next = w[i..].IndexOfAny(Structure);
            if (next < 0)
            {
                return w.Length;
            }

            i += next;
            switch (w[i++])
            {
                case (byte)'"':
                    _skipInString = true;
                    break;
                case (byte)'{':
                case (byte)'[':
                    _skipDepth++;
                    _skipStarted = true;
                    break;
                default:
                    _skipDepth--;
                    if (_skipDepth <= 0 && _skipStarted)
                    {
                        _skipping = false;
                        return i;
                    }

                    break;
            }
        }

        return w.Length;
    }

    // ----- Lines -----

    private int Consumed(ReadOnlySpan<byte> w, long at, int pos)
    {
        CountLines(w, at, at + pos);
        return pos;
    }

    private long LineAt(ReadOnlySpan<byte> w, long at, long offset)
    {
        CountLines(w, at, offset);
        return _lines + 1;
    }

    private void CountLines(ReadOnlySpan<byte> w, long at, long upTo)
    {
        if (upTo > _linesAt)
        {
            var from = (int)Math.Max(0, _linesAt - at);
            _lines += w[from..(int)(upTo - at)].Count((byte)'\n');
            _linesAt = upTo;
        }
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> w, int pos)
    {
        var rest = w[pos..].IndexOfAnyExcept(" \t\r\n"u8);
        return rest < 0 ? w.Length : pos + rest;
    }

    // ----- One value, read whole -----

    /// <summary>Parses the JSON value(s) in <paramref name="data"/> (a message embedded in an envelope); a syntax error rejects what is left of it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeJsonValues(ReadOnlySpan<byte> data, RecordPosition pos, JsonReaderOptions options)
    {
        var reader = new Utf8JsonReader(data, options);
        var baseOffset = pos.Offset < 0 ? 0 : pos.Offset;
        try
        {
            var any = false;
            while (reader.Read())
            {
                any = true;
                DecodeValue(ref reader, data, pos, baseOffset, 1);
            }

            if (!any)
            {
                Reject(pos, RejectReason.EmptyInput, "no JSON value");
            }
        }
        catch (JsonException e)
        {
            Reject(pos with { Offset = baseOffset + reader.BytesConsumed }, RejectReason.NotJson, e.Message);
        }
        catch (Exception e) when (!_inSink && e is not OutOfMemoryException)
        {
            Reject(pos, RejectReason.ProjectionFailed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeValue(ref Utf8JsonReader r, ReadOnlySpan<byte> data, RecordPosition pos, long baseOffset, int depth)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                DecodeObject(ref r, data, pos, baseOffset, depth);
                break;
            case JsonTokenType.StartArray when depth < MaxEnvelopeDepth:
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    DecodeValue(ref r, data, pos, baseOffset, depth + 1);
                }

                break;
            default:
                var at = baseOffset + r.TokenStartIndex;
                var kind = r.TokenType;
                r.Skip();
                Reject(pos with { Offset = at }, RejectReason.NotAnObject, $"found {kind} where a record object was expected");
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeObject(ref Utf8JsonReader r, ReadOnlySpan<byte> data, RecordPosition pos, long baseOffset, int depth)
    {
        var at = baseOffset + r.TokenStartIndex;
        var kind = RecordProjector.ReadObject(ref r, _row);
        switch (kind)
        {
            case ObjectKind.Record:
                Emit(pos with { Offset = at });
                break;
            case ObjectKind.RecordsArray:
            case ObjectKind.EventsArray:
                if (depth <= 1)
                {
                    // Elements are emitted as they are read: first make sure the window holds the whole array, so a
                    // value cut by the window's end is retried before anything of it is emitted, never after.
                    var probe = r;
                    probe.Skip();
                }

                var index = 0;
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    var itemPos = kind == ObjectKind.EventsArray ? pos with { Event = index } : pos;
                    if (r.TokenType == JsonTokenType.StartObject)
                    {
                        DecodeObject(ref r, data, itemPos, baseOffset, depth + 1);
                    }
                    else
                    {
                        DecodeValue(ref r, data, itemPos, baseOffset, MaxEnvelopeDepth);
                    }

                    index++;
                }

                RecordProjector.SkipRestOfObject(ref r);
                break;
            case ObjectKind.EventBridgeInPlace:
                if (!IsCloudTrailDetailType(pos with { Offset = at }) || depth >= MaxEnvelopeDepth)
                {
                    r.Skip();
                    RecordProjector.SkipRestOfObject(ref r);
                    break;
                }

                // The detail is projected where it stands, and emitted only once the whole event has been read: a
                // value cut by the window's end is read again later, so nothing of it may be emitted before then.
                var detailStart = (int)r.TokenStartIndex;
                var detailKind = RecordProjector.ReadObject(ref r, _row);
                FinishObject(ref r, detailKind);
                var detailEnd = (int)r.BytesConsumed;
                RecordProjector.SkipRestOfObject(ref r);
                if (detailKind == ObjectKind.Record)
                {
                    Emit(pos with { Offset = baseOffset + detailStart });
                }
                else
                {
                    var nested = new Utf8JsonReader(data[detailStart..detailEnd], SingleValue);
                    nested.Read();
                    DecodeObject(ref nested, data[detailStart..detailEnd], pos, baseOffset + detailStart, depth + 1);
                }

                break;
            case ObjectKind.CloudWatchLogsInPlace:
                if (!IsDataMessage(pos with { Offset = at }))
                {
                    r.Skip();
                    RecordProjector.SkipRestOfObject(ref r);
                    break;
                }

                var found = CollectLogEvents(ref r);
                RecordProjector.SkipRestOfObject(ref r);
                DecodeLogEvents(data, found, pos with { Offset = at }, depth);
                break;
            case ObjectKind.EventBridge:
                if (!IsCloudTrailDetailType(pos with { Offset = at }))
                {
                    break;
                }

                var detail = data[(int)_row.DetailStart..(int)_row.DetailEnd];
                var detailOffset = baseOffset + _row.DetailStart;
                var inner = new Utf8JsonReader(detail, SingleValue);
                inner.Read();
                if (depth < MaxEnvelopeDepth)
                {
                    DecodeObject(ref inner, detail, pos, detailOffset, depth + 1);
                }

                break;
            case ObjectKind.CloudWatchLogs:
                if (IsDataMessage(pos with { Offset = at }))
                {
                    var range = data[(int)_row.LogEventsStart..(int)_row.LogEventsEnd];
                    var events = new Utf8JsonReader(range, SingleValue);
                    events.Read();
                    DecodeLogEvents(range, CollectLogEvents(ref events), pos with { Offset = at }, depth);
                }

                break;
            case ObjectKind.LookupEvent:
                if (depth < MaxEnvelopeDepth)
                {
                    DecodeEmbedded(data[(int)_row.EmbeddedStart..(int)_row.EmbeddedEnd], pos with { Offset = at });
                }

                break;
        }
    }

    /// <summary>A record carried as a JSON string (<c>CloudTrailEvent</c>, <c>logEvents[].message</c>): unescaped, then read.</summary>
    private void DecodeEmbedded(ReadOnlySpan<byte> raw, RecordPosition pos)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, raw.Length));
        try
        {
            var repaired = 0;
            var length = JsonText.Unescape(raw, buffer, ref repaired);
            DecodeUnescaped(buffer.AsSpan(0, length), pos);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads an embedded record once unescaped; its UTF-8 is checked here unless its window's was.</summary>
    private void DecodeUnescaped(ReadOnlySpan<byte> text, RecordPosition pos)
    {
        // Unescaping valid UTF-8 gives valid UTF-8 (it drops ASCII backslashes and writes \u escapes as whole
        // characters, lone surrogates as U+FFFD), so a record from a window already checked needs no check again.
        var windowChecked = _row.Utf8Checked;
        _row.Utf8Checked = windowChecked || JsonText.IsValid(text);
        try
        {
            DecodeJsonValues(text, pos with { Offset = 0 }, SingleValue);
        }
        finally
        {
            _row.Utf8Checked = windowChecked;
        }
    }

    /// <summary>
    /// A CloudWatch Logs payload of the shape AWS writes, its messages found and unescaped in one pass
    /// (<see cref="CloudWatchLogsScanner"/>); false for anything else, which the general path then reads.
    /// </summary>
    private bool TryCloudWatchLogs(ReadOnlySpan<byte> w, RecordPosition pos, out int length)
    {
        length = 0;
        if (_scanning)
        {
            // Only top-level values come here, and a message's record is read by the general path: never nested.
            return false;
        }

        // AWS writes messageType first: anything else (every record and EventBridge event) is not rented a scratch
        // buffer the size of the window first, and a payload of another order is read by the general path.
        var first = w[1..].IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0 || !w[(1 + first)..].StartsWith("\"messageType\""u8))
        {
            return false;
        }

        // Rented per payload, not kept by the decoder: a stream source has a decoder per shard or partition, and a
        // buffer each decoder kept at its largest payload grew memory with the shard count, outside the budget.
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Max(16, w.Length));
        try
        {
            if (!CloudWatchLogsScanner.TryScan(w, scratch, _messages, out length))
            {
                return false;
            }

            _scanning = true;
            for (var index = 0; index < _messages.Count; index++)
            {
                DecodeUnescaped(scratch.AsSpan(_messages[index]), pos with { LogEvent = index });
            }

            return true;
        }
        finally
        {
            _scanning = false;
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// An EventBridge event of the shape AWS writes carrying one CloudTrail record: the members before <c>detail</c>
    /// passed over by <see cref="EventBridgeScanner"/>, the record read where it stands and emitted once the whole
    /// event is known to be in the window. False for anything else (another detail-type, a detail that is not one
    /// record, a value cut by the window's end or damaged), which the general path then reads from the start.
    /// </summary>
    private bool TryEventBridge(ReadOnlySpan<byte> w, RecordPosition pos, out int length)
    {
        length = 0;
        if (!EventBridgeScanner.TryScanHeader(w, out var detailStart, out var detailType) || !detailType.EndsWith(" via CloudTrail"u8))
        {
            return false;
        }

        var r = new Utf8JsonReader(w[detailStart..], SingleValue);
        try
        {
            r.Read();
            if (RecordProjector.ReadObject(ref r, _row) != ObjectKind.Record)
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (Exception e) when (!_inSink && e is not OutOfMemoryException)
        {
            return false;
        }

        var end = EventBridgeScanner.End(w, detailStart + (int)r.BytesConsumed);
        if (end < 0)
        {
            return false;
        }

        length = end;
        Emit(pos with { Offset = pos.Offset + detailStart });
        return true;
    }

    /// <summary>True for a CloudTrail detail-type; otherwise the event is rejected with its type named.</summary>
    private bool IsCloudTrailDetailType(RecordPosition pos)
    {
        var detailType = _row.Get(ProjectedRow.DetailType);
        if (detailType.EndsWith(" via CloudTrail"u8))
        {
            return true;
        }

        Reject(pos, RejectReason.UnsupportedEnvelope, $"EventBridge detail-type '{RowValidator.Preview(detailType)}' does not carry a CloudTrail record");
        return false;
    }

    /// <summary>True for DATA_MESSAGE; a CONTROL_MESSAGE is counted, anything else rejected.</summary>
    private bool IsDataMessage(RecordPosition pos)
    {
        var messageType = _row.Get(ProjectedRow.MessageType);
        if (messageType.SequenceEqual("DATA_MESSAGE"u8))
        {
            return true;
        }

        if (messageType.SequenceEqual("CONTROL_MESSAGE"u8))
        {
            SinkSkip(SkipKind.ControlMessage);
        }
        else
        {
            Reject(pos, RejectReason.UnsupportedEnvelope, $"CloudWatch Logs messageType '{RowValidator.Preview(messageType)}' is neither DATA_MESSAGE nor CONTROL_MESSAGE");
        }

        return false;
    }

    /// <summary>Advances past the rest of an object whose keys <see cref="RecordProjector.ReadObject"/> stopped reading early.</summary>
    private static void FinishObject(ref Utf8JsonReader r, ObjectKind kind)
    {
        if (kind is ObjectKind.RecordsArray or ObjectKind.EventsArray or ObjectKind.EventBridgeInPlace or ObjectKind.CloudWatchLogsInPlace)
        {
            r.Skip();
            RecordProjector.SkipRestOfObject(ref r);
        }
    }

    /// <summary>Where a log event's message is, or why it has none (Length -1: not an object; -2: no string message).</summary>
    private readonly record struct LogEventAt(int Start, int Length);

    /// <summary>
    /// Reads a <c>logEvents</c> array from its StartArray (where the reader stands) to its EndArray, noting where each
    /// message is; nothing is decoded or emitted yet, so a payload cut by the window's end has had no effect.
    /// </summary>
    private LogEventAt[] CollectLogEvents(ref Utf8JsonReader r)
    {
        _logEvents.Clear();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartObject)
            {
                r.Skip();
                _logEvents.Add(new LogEventAt(0, -1));
                continue;
            }

            var found = new LogEventAt(0, -2);
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var isMessage = !r.ValueIsEscaped && r.ValueSpan.SequenceEqual("message"u8);
                r.Read();
                if (isMessage && r.TokenType == JsonTokenType.String && found.Length == -2)
                {
                    found = new LogEventAt((int)r.TokenStartIndex + 1, r.ValueSpan.Length);
                }
                else
                {
                    r.Skip();
                }
            }

            _logEvents.Add(found);
        }

        // Copied: a message may itself hold a payload, whose reading reuses the list.
        return [.. _logEvents];
    }

    private void DecodeLogEvents(ReadOnlySpan<byte> data, LogEventAt[] events, RecordPosition pos, int depth)
    {
        for (var index = 0; index < events.Length; index++)
        {
            var at = pos with { LogEvent = index };
            switch (events[index].Length)
            {
                case -1:
                    Reject(at, RejectReason.BadLogEvent, "log event is not an object");
                    break;
                case -2:
                    Reject(at, RejectReason.BadLogEvent, "log event has no string 'message'");
                    break;
                default:
                    if (depth < MaxEnvelopeDepth)
                    {
                        DecodeEmbedded(data.Slice(events[index].Start, events[index].Length), at);
                    }

                    break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Emit(RecordPosition pos)
    {
        if (_row.Get(Schema.Col.EventType).SequenceEqual("AwsCloudTrailInsight"u8))
        {
            SinkSkip(SkipKind.Insight);
            return;
        }

        if (RowValidator.TryValidate(_row, _input.FallbackAccount, out var key, out var reason, out var detail))
        {
            _inSink = true;
            try
            {
                _sink.Accept(_row, key);
            }
            finally
            {
                _inSink = false;
            }
        }
        else
        {
            Reject(pos, reason, detail);
        }
    }

    private void SinkSkip(SkipKind kind)
    {
        _inSink = true;
        try
        {
            _sink.Skip(kind);
        }
        finally
        {
            _inSink = false;
        }
    }

    private void Reject(in RecordPosition pos, RejectReason reason, string? detail)
    {
        // The sink's own failures (its disk) are not the value's fault: they pass the catch-alls and fail the batch.
        _inSink = true;
        try
        {
            _sink.Reject(_input.Describe(), _input.BaseOffset == 0 || pos.Offset < 0 ? pos : pos with { Offset = pos.Offset + _input.BaseOffset }, reason, Shorten(detail));
        }
        finally
        {
            _inSink = false;
        }
    }

    /// <summary>Longest reason text kept: the reader's messages quote the input, up to the end of whatever window it had.</summary>
    internal const int MaxDetailChars = 300;

    private static string? Shorten(string? detail)
    {
        if (detail is null || detail.Length <= MaxDetailChars)
        {
            return detail;
        }

        var cut = char.IsHighSurrogate(detail[MaxDetailChars - 1]) ? MaxDetailChars - 1 : MaxDetailChars;
        return string.Concat(detail.AsSpan(0, cut), "…");
    }

    private void RejectInput(RejectReason reason, string detail) => Reject(RecordPosition.WholeInput, reason, detail);

    private static byte[] ReadAll(Stream stream, ReadOnlySpan<byte> head, long limit, out int length, out bool tooLarge)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        head.CopyTo(buffer);
        length = head.Length;
        tooLarge = false;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length >= limit)
                {
                    tooLarge = true;
                    return buffer;
                }

                var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, (long)buffer.Length * 2));
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }

            var n = stream.Read(buffer, length, buffer.Length - length);
            if (n == 0)
            {
                return buffer;
            }

            length += n;
        }
    }
}

/// <summary>Bounds that keep one hostile input from taking the process's memory. Both apply per value, never per input.</summary>
/// <param name="MaxDocumentBytes">Largest top-level JSON value read whole (an envelope that is not streamed), and how far past damage a reader looks for the next value.</param>
/// <param name="MaxLineBytes">Largest element of a streamed envelope (one record of an S3 log file, one lookup event).</param>
/// <param name="InflateAheadBytes">
/// A gzip input of at least this many compressed bytes is inflated on a thread of its own, ahead of the parser
/// (<see cref="InflateAhead"/>): one large file then uses a second core. Smaller inputs are inflated by the reader
/// itself (with many small inputs every core is busy already, and a hand-over would only cost).
/// </param>
public sealed record DecoderLimits(long MaxDocumentBytes = 512L * 1024 * 1024, long MaxLineBytes = 64L * 1024 * 1024, long InflateAheadBytes = 8L * 1024 * 1024);
