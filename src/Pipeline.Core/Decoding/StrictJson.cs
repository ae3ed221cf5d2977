namespace Pipeline.Decoding;

/// <summary>
/// Strict JSON pieces for the decoder's fast paths over envelopes of a known shape (<see cref="CloudWatchLogsScanner"/>,
/// <see cref="EventBridgeScanner"/>): each reads one piece at <c>i</c> and moves past it, or says no to anything outside
/// its narrow form (an escape in a name, a cut), leaving the value to the general path.
/// </summary>
internal static class StrictJson
{
    /// <summary>Reads <c>"name" :</c> (a name without escapes) and the whitespace after it.</summary>
    public static bool Name(ReadOnlySpan<byte> w, ref int i, out ReadOnlySpan<byte> name)
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
    public static bool AfterValue(ReadOnlySpan<byte> w, ref int i, byte close, out bool done)
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
    public static bool OpenArray(ReadOnlySpan<byte> w, ref int i, out bool empty)
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

    public static bool StringArray(ReadOnlySpan<byte> w, ref int i)
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
    public static bool SkipString(ReadOnlySpan<byte> w, ref int i)
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
    public static bool Number(ReadOnlySpan<byte> w, ref int i)
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

    public static int Whitespace(ReadOnlySpan<byte> w, int i)
    {
        while (i < w.Length && w[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            i++;
        }

        return i;
    }
}
