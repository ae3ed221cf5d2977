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
                    if (!StrictJson.SkipString(w, ref i))
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
                    if (!StrictJson.SkipString(w, ref i))
                    {
                        return false;
                    }

                    break;
                case Member.Filters:
                    if (!StrictJson.StringArray(w, ref i))
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

            if (!StrictJson.AfterValue(w, ref i, (byte)'}', out var done))
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
        if (!StrictJson.Name(w, ref i, out var name))
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

    /// <summary><c>[{"id": "…", "timestamp": 1, "message": "…"}, …]</c>; every event must have a string message.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool LogEvents(ReadOnlySpan<byte> w, ref int i, Span<byte> scratch, ref int written, List<Range> messages)
    {
        if (!StrictJson.OpenArray(w, ref i, out var done))
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
                if (!StrictJson.Name(w, ref i, out var name))
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
                else if (!(w[i] == '"' ? StrictJson.SkipString(w, ref i) : StrictJson.Number(w, ref i)))
                {
                    return false;
                }

                if (!StrictJson.AfterValue(w, ref i, (byte)'}', out end))
                {
                    return false;
                }
            }

            if (message is not { } found)
            {
                return false;
            }

            messages.Add(found);
            if (!StrictJson.AfterValue(w, ref i, (byte)']', out done))
            {
                return false;
            }
        }

        return true;
    }
}
