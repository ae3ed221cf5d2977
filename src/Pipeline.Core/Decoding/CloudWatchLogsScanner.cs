using Pipeline.Projection;

namespace Pipeline.Decoding;

/// <summary>
/// The fast path for a CloudWatch Logs subscription payload, the shape AWS writes: <c>messageType</c>
/// DATA_MESSAGE, <c>owner</c>, <c>logGroup</c>, <c>logStream</c>, <c>subscriptionFilters</c>, <c>policyLevel</c> and
/// <c>logEvents</c> of <c>{"id","timestamp","message"}</c>. Each message (a CloudTrail record as an escaped string) is
/// found and unescaped in one pass, instead of being tokenized as a string and then unescaped (the payload is
/// almost all messages). It accepts only strict JSON of that shape and says no to anything else (another member, a
/// nested value, a bad escape, a cut); the decoder then reads the payload its general way, which gives the same rows
/// and says why it rejects what it rejects.
/// </summary>
internal static class CloudWatchLogsScanner
{
    /// <summary>
    /// Scans the payload at the start of <paramref name="w"/>. On success <paramref name="messages"/> holds each log
    /// event's message, unescaped into <paramref name="scratch"/> (which needs <paramref name="w"/>'s length), and
    /// <paramref name="length"/> is the payload's length.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static bool TryScan(ReadOnlySpan<byte> w, Span<byte> scratch, List<Range> messages, out int length)
    {
        length = 0;
        messages.Clear();
        var i = 0;
        var written = 0;
        var dataMessage = false;
        var logEvents = false;
        if (w.IsEmpty || w[0] != '{')
        {
            return false;
        }

        i++;
        while (true)
        {
            if (!Key(w, ref i, out var key))
            {
                return false;
            }

            switch (key)
            {
                case Member.MessageType:
                    var start = i;
                    if (!SkipString(w, ref i))
                    {
                        return false;
                    }

                    if (dataMessage)
                    {
                        return false;
                    }

                    dataMessage = w[start..i].SequenceEqual("\"DATA_MESSAGE\""u8);
                    if (!dataMessage)
                    {
                        return false;
                    }

                    break;
                case Member.Text:
                    if (!SkipString(w, ref i))
                    {
                        return false;
                    }

                    break;
                case Member.Filters:
                    if (!StringArray(w, ref i))
                    {
                        return false;
                    }

                    break;
                case Member.LogEvents:
                    if (logEvents || !LogEvents(w, ref i, scratch, ref written, messages))
                    {
                        return false;
                    }

                    logEvents = true;
                    break;
                default:
                    return false;
            }

            if (!AfterValue(w, ref i, (byte)'}', out var done))
            {
                return false;
            }

            if (done)
            {
                length = i;
                return dataMessage && logEvents;
            }
        }
    }

    private enum Member
    {
        Other,
        MessageType,
        Text,
        Filters,
        LogEvents,
    }

    /// <summary>Reads <c>"name" :</c> and says which member it is.</summary>
    private static bool Key(ReadOnlySpan<byte> w, ref int i, out Member member)
    {
        member = Member.Other;
        if (!Name(w, ref i, out var name))
        {
            return false;
        }

        member = name switch
        {
            _ when name.SequenceEqual("messageType"u8) => Member.MessageType,
            _ when name.SequenceEqual("owner"u8) || name.SequenceEqual("logGroup"u8) || name.SequenceEqual("logStream"u8) || name.SequenceEqual("policyLevel"u8) => Member.Text,
            _ when name.SequenceEqual("subscriptionFilters"u8) => Member.Filters,
            _ when name.SequenceEqual("logEvents"u8) => Member.LogEvents,
            _ => Member.Other,
        };
        return true;
    }

    /// <summary>Reads <c>"name" :</c> (a name without escapes) and the whitespace after it.</summary>
    private static bool Name(ReadOnlySpan<byte> w, ref int i, out ReadOnlySpan<byte> name)
    {
        name = default;
        i = Whitespace(w, i);
        if (i >= w.Length || w[i] != '"')
        {
            return false;
        }

        var end = w[(i + 1)..].IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || w[i + 1 + end] != '"')
        {
            return false;
        }

        name = w.Slice(i + 1, end);
        i = Whitespace(w, i + end + 2);
        if (i >= w.Length || w[i] != ':')
        {
            return false;
        }

        i = Whitespace(w, i + 1);
        return i < w.Length;
    }

    /// <summary>After a value: the closing <paramref name="close"/> (done) or a comma with more to come; anything else is no.</summary>
    private static bool AfterValue(ReadOnlySpan<byte> w, ref int i, byte close, out bool done)
    {
        done = false;
        i = Whitespace(w, i);
        if (i >= w.Length)
        {
            return false;
        }

        if (w[i] == close)
        {
            i++;
            done = true;
            return true;
        }

        if (w[i] != ',')
        {
            return false;
        }

        i = Whitespace(w, i + 1);
        return true;
    }

    /// <summary>Reads <c>[</c> and the whitespace after it; <paramref name="empty"/> for <c>[]</c>.</summary>
    private static bool OpenArray(ReadOnlySpan<byte> w, ref int i, out bool empty)
    {
        empty = false;
        if (i >= w.Length || w[i] != '[')
        {
            return false;
        }

        i = Whitespace(w, i + 1);
        if (i < w.Length && w[i] == ']')
        {
            i++;
            empty = true;
        }

        return true;
    }

    /// <summary><c>[{"id": "…", "timestamp": 1, "message": "…"}, …]</c>; every event must have a string message.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool LogEvents(ReadOnlySpan<byte> w, ref int i, Span<byte> scratch, ref int written, List<Range> messages)
    {
        if (!OpenArray(w, ref i, out var done))
        {
            return false;
        }

        while (!done)
        {
            if (i >= w.Length || w[i] != '{')
            {
                return false;
            }

            i++;
            Range? message = null;
            var end = false;
            while (!end)
            {
                if (!Name(w, ref i, out var name))
                {
                    return false;
                }

                if (w[i] == '"' && message is null && name.SequenceEqual("message"u8))
                {
                    // The first "message" is the one read, as the general path does.
                    var repaired = 0;
                    var consumed = JsonText.ReadString(w[(i + 1)..], scratch[written..], out var length, ref repaired);
                    if (consumed < 0)
                    {
                        return false;
                    }

                    message = new Range(written, written + length);
                    written += length;
                    i += 1 + consumed;
                }
                else if (!(w[i] == '"' ? SkipString(w, ref i) : Number(w, ref i)))
                {
                    return false;
                }

                if (!AfterValue(w, ref i, (byte)'}', out end))
                {
                    return false;
                }
            }

            if (message is not { } found)
            {
                return false;
            }

            messages.Add(found);
            if (!AfterValue(w, ref i, (byte)']', out done))
            {
                return false;
            }
        }

        return true;
    }

    private static bool StringArray(ReadOnlySpan<byte> w, ref int i)
    {
        if (!OpenArray(w, ref i, out var done))
        {
            return false;
        }

        while (!done)
        {
            if (!SkipString(w, ref i) || !AfterValue(w, ref i, (byte)']', out done))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A string of no escapes and no control characters (the names and IDs AWS writes); anything else is left to the general path.</summary>
    private static bool SkipString(ReadOnlySpan<byte> w, ref int i)
    {
        if (i >= w.Length || w[i] != '"')
        {
            return false;
        }

        var rest = w[(i + 1)..];
        var end = rest.IndexOfAny(StringStops);
        if (end < 0 || rest[end] != '"')
        {
            return false;
        }

        i += end + 2;
        return true;
    }

    private static readonly System.Buffers.SearchValues<byte> StringStops = System.Buffers.SearchValues.Create(
        [(byte)'"', (byte)'\\', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);

    /// <summary>A JSON number: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    private static bool Number(ReadOnlySpan<byte> w, ref int i)
    {
        var j = i;
        if (j < w.Length && w[j] == '-')
        {
            j++;
        }

        if (j >= w.Length || !char.IsAsciiDigit((char)w[j]))
        {
            return false;
        }

        if (w[j] == '0')
        {
            j++;
        }
        else
        {
            j = Digits(w, j);
        }

        if (j < w.Length && w[j] == '.')
        {
            var k = Digits(w, j + 1);
            if (k == j + 1)
            {
                return false;
            }

            j = k;
        }

        if (j < w.Length && w[j] is (byte)'e' or (byte)'E')
        {
            j++;
            if (j < w.Length && w[j] is (byte)'+' or (byte)'-')
            {
                j++;
            }

            var k = Digits(w, j);
            if (k == j)
            {
                return false;
            }

            j = k;
        }

        // A number must be followed by something: the window may have cut it.
        if (j >= w.Length)
        {
            return false;
        }

        i = j;
        return true;
    }

    private static int Digits(ReadOnlySpan<byte> w, int j)
    {
        while (j < w.Length && char.IsAsciiDigit((char)w[j]))
        {
            j++;
        }

        return j;
    }

    private static int Whitespace(ReadOnlySpan<byte> w, int i)
    {
        while (i < w.Length && w[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            i++;
        }

        return i;
    }
}
