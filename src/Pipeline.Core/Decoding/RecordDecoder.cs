using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Compression;
using System.Text.Json;
using Pipeline.Projection;

namespace Pipeline.Decoding;

/// <summary>
/// Turns bytes in any of the forms CloudTrail reaches us in into projected rows: gzip (by magic bytes, never by
/// name), KPL aggregates, S3 log files (<c>{"Records":[…]}</c>), newline-delimited records, EventBridge events
/// (one per line or a JSON array) and CloudWatch Logs subscription payloads. One instance per worker thread:
/// it reuses its row and buffers.
/// </summary>
internal sealed class RecordDecoder(DecoderLimits limits)
{
    private const int MaxEnvelopeDepth = 6;
    private static readonly JsonReaderOptions MultiValue = new() { AllowMultipleValues = true, MaxDepth = 4096 };
    private static readonly JsonReaderOptions SingleValue = new() { MaxDepth = 4096 };

    private readonly ProjectedRow _row = new();
    private readonly List<Range> _kplRanges = [];
    private IRecordSink _sink = null!;
    private InputContext _input;

    public RecordDecoder()
        : this(new DecoderLimits())
    {
    }

    /// <summary>Decodes a whole input (a file or an S3 object body) read as a stream.</summary>
    public void Decode(Stream source, in InputContext input, IRecordSink sink)
    {
        _sink = sink;
        _input = input;
        var head = new byte[4];
        int n;
        try
        {
            n = source.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (IOException e)
        {
            RejectInput(RejectReason.ReadError, e.Message);
            return;
        }

        if (n == 0)
        {
            RejectInput(RejectReason.EmptyInput, "the input has no bytes");
            return;
        }

        var prefix = head.AsMemory(0, n);
        if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            DecodeGzipStream(source, prefix);
            return;
        }

        using var stream = new GzipTailStream(source, prefix);
        if (KplAggregate.IsAggregated(head.AsSpan(0, n)))
        {
            var all = ReadAll(stream, limits.MaxDocumentBytes, out var length, out var tooLarge);
            try
            {
                if (tooLarge)
                {
                    RejectInput(RejectReason.TooLarge, $"KPL aggregate larger than {limits.MaxDocumentBytes} bytes");
                    return;
                }

                DecodeKpl(all.AsSpan(0, length), RecordPosition.WholeInput);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(all);
            }

            return;
        }

        DecodeJsonStream(stream, gzip: null);
    }

    /// <summary>Decodes one message (a Kinesis record's data, a Kafka value): gzip, KPL or JSON, sniffed by content.</summary>
    public void DecodeMessage(ReadOnlySpan<byte> data, in InputContext input, IRecordSink sink)
    {
        _sink = sink;
        _input = input;
        DecodeBlob(data, RecordPosition.WholeInput, 0);
    }

    private void DecodeBlob(ReadOnlySpan<byte> data, RecordPosition pos, int depth)
    {
        if (data.IsEmpty)
        {
            Reject(pos, RejectReason.EmptyInput, "empty message");
            return;
        }

        if (data.Length >= 2 && data[0] == 0x1F && data[1] == 0x8B)
        {
            if (depth > 1)
            {
                Reject(pos, RejectReason.CorruptGzip, "gzip nested too deeply");
                return;
            }

            byte[]? plain = null;
            try
            {
                plain = Gunzip(data, pos, out var length);
                if (plain is not null)
                {
                    DecodeBlob(plain.AsSpan(0, length), pos, depth + 1);
                }
            }
            finally
            {
                if (plain is not null)
                {
                    ArrayPool<byte>.Shared.Return(plain);
                }
            }

            return;
        }

        if (KplAggregate.IsAggregated(data))
        {
            DecodeKpl(data, pos);
            return;
        }

        DecodeJsonValues(data, pos, MultiValue);
    }

    private void DecodeKpl(ReadOnlySpan<byte> blob, RecordPosition pos)
    {
        if (!KplAggregate.TryDeaggregate(blob, _kplRanges, out var badChecksum, out var error))
        {
            Reject(pos, badChecksum ? RejectReason.KplChecksum : RejectReason.KplMalformed, error);
            return;
        }

        // Copy: a nested decode may reuse the list.
        var ranges = _kplRanges.ToArray();
        for (var i = 0; i < ranges.Length; i++)
        {
            DecodeBlob(blob[ranges[i]], pos with { KplRecord = i }, 1);
        }
    }

    private unsafe byte[]? Gunzip(ReadOnlySpan<byte> data, RecordPosition pos, out int length)
    {
        length = 0;

        // The message is read in place (pinned), not copied: Kinesis and Kafka hand over one per record.
        fixed (byte* start = data)
        {
            using var raw = new UnmanagedMemoryStream(start, data.Length);
            return Gunzip(raw, pos, out length);
        }
    }

    private byte[]? Gunzip(Stream raw, RecordPosition pos, out int length)
    {
        length = 0;
        using var tail = new GzipTailStream(raw, ReadOnlyMemory<byte>.Empty);
        using var gz = new GZipStream(tail, CompressionMode.Decompress);
        byte[] buffer;
        bool tooLarge;
        try
        {
            buffer = ReadAll(gz, limits.MaxDocumentBytes, out length, out tooLarge);
            tail.Drain();
        }
        catch (InvalidDataException e)
        {
            Reject(pos, RejectReason.CorruptGzip, CorruptText(e));
            return null;
        }

        if (tooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Reject(pos, RejectReason.TooLarge, $"decompressed message larger than {limits.MaxDocumentBytes} bytes");
            return null;
        }

        if (tail.TrailerSize != (uint)length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Reject(pos, RejectReason.TruncatedGzip, TruncationText(length, tail.TrailerSize));
            return null;
        }

        return buffer;
    }

    // GZipStream's own text ("unsupported compression method") misleads for damaged data.
    private static string CorruptText(InvalidDataException e) => $"gzip data is damaged and cannot be decompressed ({e.Message})";

    private static string TruncationText(long produced, uint? trailer) =>
        $"gzip data ends early: decompressed {produced} bytes but the gzip trailer says {trailer?.ToString() ?? "nothing"} (truncated, or a multi-member gzip)";

    private void DecodeGzipStream(Stream source, ReadOnlyMemory<byte> prefix)
    {
        using var tail = new GzipTailStream(source, prefix);
        using var gz = new GZipStream(tail, CompressionMode.Decompress);
        try
        {
            DecodeJsonStream(gz, tail);
        }
        catch (InvalidDataException e)
        {
            RejectInput(RejectReason.CorruptGzip, CorruptText(e));
        }
    }

    /// <summary>
    /// Newline-delimited input is read line by line (a bad line costs only itself); anything else is read whole
    /// and parsed as a sequence of JSON values. The first line decides: a complete object or array on it means
    /// one value per line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeJsonStream(Stream stream, GzipTailStream? gzip)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var start = 0;
        var end = 0;
        var eof = false;
        long consumedBefore = 0;
        long lineNo = 0;
        try
        {
            // Fill until the first newline (or the end) is in the buffer.
            int firstNewline;
            while ((firstNewline = buffer.AsSpan(0, end).IndexOf((byte)'\n')) < 0 && !eof)
            {
                if (!Fill(stream, ref buffer, ref start, ref end, ref consumedBefore, ref eof, limits.MaxDocumentBytes))
                {
                    RejectInput(RejectReason.TooLarge, $"first line longer than {limits.MaxDocumentBytes} bytes");
                    return;
                }
            }

            var firstLine = firstNewline < 0 ? buffer.AsSpan(0, end) : buffer.AsSpan(0, firstNewline);
            var bom = firstLine.StartsWith("\uFEFF"u8) ? 3 : 0;
            start = bom;
            if (!IsSingleLineValue(firstLine[bom..]))
            {
                // Document mode: the whole input is needed.
                while (!eof)
                {
                    if (!Fill(stream, ref buffer, ref start, ref end, ref consumedBefore, ref eof, limits.MaxDocumentBytes))
                    {
                        RejectInput(RejectReason.TooLarge, $"JSON document larger than {limits.MaxDocumentBytes} bytes");
                        return;
                    }
                }

                if (!CheckGzipEnd(gzip, consumedBefore + end))
                {
                    return;
                }

                var doc = buffer.AsSpan(start, end - start);
                if (doc.Trim(" \t\r\n"u8).IsEmpty)
                {
                    RejectInput(RejectReason.EmptyInput, "the input holds only whitespace");
                    return;
                }

                DecodeJsonValues(doc, new RecordPosition(Offset: consumedBefore + start), MultiValue);
                return;
            }

            while (true)
            {
                var nl = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
                if (nl < 0)
                {
                    if (!eof)
                    {
                        if (!Fill(stream, ref buffer, ref start, ref end, ref consumedBefore, ref eof, limits.MaxLineBytes))
                        {
                            lineNo++;
                            Reject(new RecordPosition(Line: lineNo), RejectReason.TooLarge, $"line longer than {limits.MaxLineBytes} bytes");
                            SkipToNextLine(stream, ref buffer, ref start, ref end, ref consumedBefore, ref eof);
                        }

                        continue;
                    }

                    if (!CheckGzipEnd(gzip, consumedBefore + end))
                    {
                        return;
                    }

                    if (end > start)
                    {
                        DecodeLine(buffer.AsSpan(start, end - start), ++lineNo, consumedBefore + start);
                    }

                    return;
                }

                DecodeLine(buffer.AsSpan(start, nl), ++lineNo, consumedBefore + start);
                start += nl + 1;
            }
        }
        catch (IOException e)
        {
            RejectInput(RejectReason.ReadError, e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool CheckGzipEnd(GzipTailStream? gzip, long produced)
    {
        if (gzip is null)
        {
            return true;
        }

        gzip.Drain();
        if (gzip.TrailerSize == (uint)produced)
        {
            return true;
        }

        RejectInput(RejectReason.TruncatedGzip, TruncationText(produced, gzip.TrailerSize));
        return false;
    }

    private static bool IsSingleLineValue(ReadOnlySpan<byte> line)
    {
        var t = line.Trim(" \t\r"u8);
        return t.Length >= 2 && ((t[0] == '{' && t[^1] == '}') || (t[0] == '[' && t[^1] == ']'));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeLine(ReadOnlySpan<byte> line, long lineNo, long offset)
    {
        var t = line.Trim(" \t\r"u8);
        if (t.IsEmpty)
        {
            return;
        }

        DecodeJsonValues(t, new RecordPosition(Line: lineNo, Offset: offset), SingleValue);
    }

    /// <summary>Parses the JSON value(s) in <paramref name="data"/>; a syntax error rejects what is left of it.</summary>
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
                DecodeValue(ref reader, data, pos, baseOffset, 0);
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
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    if (r.TokenType == JsonTokenType.StartObject)
                    {
                        DecodeObject(ref r, data, pos, baseOffset, depth + 1);
                    }
                    else
                    {
                        DecodeValue(ref r, data, pos, baseOffset, MaxEnvelopeDepth);
                    }
                }

                RecordProjector.SkipRestOfObject(ref r);
                break;
            case ObjectKind.EventBridge:
                var detailType = _row.Get(ProjectedRow.DetailType);
                if (!detailType.EndsWith(" via CloudTrail"u8))
                {
                    Reject(pos with { Offset = at }, RejectReason.UnsupportedEnvelope,
                        $"EventBridge detail-type '{RowValidator.Preview(detailType)}' does not carry a CloudTrail record");
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
                var messageType = _row.Get(ProjectedRow.MessageType);
                if (messageType.SequenceEqual("CONTROL_MESSAGE"u8))
                {
                    _sink.Skip(SkipKind.ControlMessage);
                }
                else if (messageType.SequenceEqual("DATA_MESSAGE"u8))
                {
                    DecodeLogEvents(data[(int)_row.LogEventsStart..(int)_row.LogEventsEnd], pos with { Offset = at }, depth);
                }
                else
                {
                    Reject(pos with { Offset = at }, RejectReason.UnsupportedEnvelope,
                        $"CloudWatch Logs messageType '{RowValidator.Preview(messageType)}' is neither DATA_MESSAGE nor CONTROL_MESSAGE");
                }

                break;
        }
    }

    private void DecodeLogEvents(ReadOnlySpan<byte> logEvents, RecordPosition pos, int depth)
    {
        var r = new Utf8JsonReader(logEvents, SingleValue);
        r.Read();
        var index = -1;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            index++;
            var at = pos with { LogEvent = index };
            if (r.TokenType != JsonTokenType.StartObject)
            {
                r.Skip();
                Reject(at, RejectReason.BadLogEvent, "log event is not an object");
                continue;
            }

            byte[]? message = null;
            var length = 0;
            try
            {
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    var isMessage = r.ValueTextEquals("message"u8);
                    r.Read();
                    if (isMessage && r.TokenType == JsonTokenType.String && message is null)
                    {
                        message = ArrayPool<byte>.Shared.Rent(Math.Max(16, r.ValueSpan.Length));
                        length = r.CopyString(message);
                    }
                    else
                    {
                        r.Skip();
                    }
                }

                if (message is null)
                {
                    Reject(at, RejectReason.BadLogEvent, "log event has no string 'message'");
                    continue;
                }

                if (depth < MaxEnvelopeDepth)
                {
                    DecodeJsonValues(message.AsSpan(0, length), at with { Offset = 0 }, SingleValue);
                }
            }
            finally
            {
                if (message is not null)
                {
                    ArrayPool<byte>.Shared.Return(message);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Emit(RecordPosition pos)
    {
        if (_row.Get(Schema.Col.EventType).SequenceEqual("AwsCloudTrailInsight"u8))
        {
            _sink.Skip(SkipKind.Insight);
            return;
        }

        if (RowValidator.TryValidate(_row, _input.FallbackAccount, out var key, out var reason, out var detail))
        {
            _sink.Accept(_row, key);
        }
        else
        {
            Reject(pos, reason, detail);
        }
    }

    private void Reject(in RecordPosition pos, RejectReason reason, string? detail) => _sink.Reject(_input.Describe(), pos, reason, detail);

    private void RejectInput(RejectReason reason, string detail) => _sink.Reject(_input.Describe(), RecordPosition.WholeInput, reason, detail);

    /// <summary>Reads more input into the buffer, compacting or growing it; false when it would pass <paramref name="limit"/>.</summary>
    private static bool Fill(Stream stream, ref byte[] buffer, ref int start, ref int end, ref long consumedBefore, ref bool eof, long limit)
    {
        if (start > 0 && start == end)
        {
            consumedBefore += start;
            start = end = 0;
        }

        if (end == buffer.Length)
        {
            if (start > buffer.Length / 2)
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                consumedBefore += start;
                end -= start;
                start = 0;
            }
            else
            {
                if (end - start >= limit)
                {
                    return false;
                }

                var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, (long)buffer.Length * 2));
                buffer.AsSpan(start, end - start).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
                consumedBefore += start;
                end -= start;
                start = 0;
            }
        }

        var n = stream.Read(buffer, end, buffer.Length - end);
        if (n == 0)
        {
            eof = true;
        }

        end += n;
        return true;
    }

    private static void SkipToNextLine(Stream stream, ref byte[] buffer, ref int start, ref int end, ref long consumedBefore, ref bool eof)
    {
        while (true)
        {
            var nl = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                start += nl + 1;
                return;
            }

            consumedBefore += end;
            start = end = 0;
            if (eof)
            {
                return;
            }

            Fill(stream, ref buffer, ref start, ref end, ref consumedBefore, ref eof, long.MaxValue);
        }
    }

    private static byte[] ReadAll(Stream stream, long limit, out int length, out bool tooLarge)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        length = 0;
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

/// <summary>Bounds that keep one hostile input from taking the process's memory.</summary>
/// <param name="MaxDocumentBytes">Largest JSON document (an S3 log file, decompressed) read whole.</param>
/// <param name="MaxLineBytes">Largest single line in newline-delimited input.</param>
public sealed record DecoderLimits(long MaxDocumentBytes = 512L * 1024 * 1024, long MaxLineBytes = 64L * 1024 * 1024);
