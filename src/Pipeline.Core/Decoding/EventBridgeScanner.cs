namespace Pipeline.Decoding;

/// <summary>
/// The fast path for an EventBridge event of the shape AWS writes (Firehose objects from a rule, Kinesis records):
/// the string members <c>version</c>, <c>id</c>, <c>detail-type</c>, <c>source</c>, <c>account</c>, <c>time</c> and
/// <c>region</c>, <c>resources</c> as an array of strings, then <c>detail</c>, last, in that order. The members
/// before the detail are passed over at search speed instead of being tokenized (an envelope is about a fifth of the
/// event's bytes), and the record in <c>detail</c> is then read where it stands. Anything else (another member or
/// order, whitespace, a nested value or an escape before the detail, a member after it) is left to the general path,
/// which gives the same rows and says why it rejects what it rejects.
/// </summary>
internal static class EventBridgeScanner
{
    /// <summary>
    /// Reads the event at the start of <paramref name="w"/> up to <c>"detail":</c>, its members in AWS's order and
    /// spelling, with no whitespace (as EventBridge serialises it). On success <paramref name="detailStart"/> is where
    /// the detail's <c>{</c> stands and <paramref name="detailType"/> is the detail-type's raw content.
    /// </summary>
    public static bool TryScanHeader(ReadOnlySpan<byte> w, out int detailStart, out ReadOnlySpan<byte> detailType)
    {
        detailStart = 0;
        detailType = default;
        var i = 0;
        if (!Member(w, ref i, "{\"version\":"u8) || !Member(w, ref i, ",\"id\":"u8))
        {
            return false;
        }

        var typeAt = i + ",\"detail-type\":"u8.Length;
        if (!Member(w, ref i, ",\"detail-type\":"u8))
        {
            return false;
        }

        detailType = w[(typeAt + 1)..(i - 1)];
        if (!Member(w, ref i, ",\"source\":"u8) || !Member(w, ref i, ",\"account\":"u8)
            || !Member(w, ref i, ",\"time\":"u8) || !Member(w, ref i, ",\"region\":"u8))
        {
            return false;
        }

        if (!w[i..].StartsWith(",\"resources\":"u8))
        {
            return false;
        }

        i += ",\"resources\":"u8.Length;
        if (!StrictJson.StringArray(w, ref i) || !w[i..].StartsWith(",\"detail\":{"u8))
        {
            return false;
        }

        detailStart = i + ",\"detail\":"u8.Length;
        return true;
    }

    /// <summary>The literal <paramref name="key"/> (with what comes before it) and a string of no escapes.</summary>
    private static bool Member(ReadOnlySpan<byte> w, ref int i, ReadOnlySpan<byte> key)
    {
        if (!w[i..].StartsWith(key))
        {
            return false;
        }

        i += key.Length;
        return StrictJson.SkipString(w, ref i);
    }

    /// <summary>The event's length once its detail ends at <paramref name="afterDetail"/>: only its closing brace may follow; -1 otherwise.</summary>
    public static int End(ReadOnlySpan<byte> w, int afterDetail)
    {
        var i = StrictJson.Whitespace(w, afterDetail);
        return i < w.Length && w[i] == '}' ? i + 1 : -1;
    }
}
