using System.Buffers;
using System.Text.Json;

namespace Pipeline.Sources.Files;

/// <summary>
/// Splits a large newline-delimited file (NDJSON, or JSON values one per line) into byte-range parts that are read in
/// parallel, so that one file uses every core.
/// </summary>
/// <remarks>
/// <para>
/// A part ends at a line break only where the line before it and the line after it are each one complete JSON object.
/// Such a break lies between two top-level values of any well-formed input: JSON strings cannot hold a raw line
/// break, and inside an array or object two values need a separator (<c>,</c> or <c>:</c>) between them, which would
/// make one of the two lines incomplete. A pretty-printed document therefore never validates a break and is read
/// whole; a file without a validated break near a cut is not cut there.
/// </para>
/// <para>
/// The cuts depend only on the file's size, its bytes and <see cref="PartBytes"/> (a constant), so a resumed run plans
/// the very parts, checkpoint keys and batch IDs of the interrupted one.
/// </para>
/// </remarks>
public static class InputSplitter
{
    /// <summary>Nominal part size. A constant: changing it would give a resumed run other parts than its first run.</summary>
    public const long PartBytes = 64L * 1024 * 1024;

    /// <summary>How far around a nominal cut a break is looked for, tried in turn.</summary>
    private static readonly int[] Windows = [64 * 1024, 1024 * 1024];

    /// <summary>
    /// The parts of <paramref name="input"/> read from <paramref name="file"/> (seekable), or the input alone when it
    /// is smaller than two parts, not newline-delimited JSON (gzip, a single document, pretty-printed), or offers no
    /// validated break.
    /// </summary>
    /// <param name="input">The whole file.</param>
    /// <param name="file">Its content; its position is not kept.</param>
    /// <param name="partBytes">Nominal part size (<see cref="PartBytes"/>; smaller in tests).</param>
    public static IReadOnlyList<ArchiveInput> Split(ArchiveInput input, Stream file, long partBytes = PartBytes)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfLessThan(partBytes, 1024);
        var size = input.Size;
        if (input.Part is not null || size < 2 * partBytes || !file.CanSeek || file.Length != size || !StartsWithObject(file))
        {
            return [input];
        }

        var count = (int)Math.Min(int.MaxValue, Math.Round(size / (double)partBytes, MidpointRounding.AwayFromZero));
        var starts = new List<long> { 0 };
        for (var k = 1; k < count; k++)
        {
            var nominal = (long)(size * (k / (double)count));
            if (nominal <= starts[^1])
            {
                continue;
            }

            if (FindBreak(file, nominal, size) is { } at && at > starts[^1] && at < size)
            {
                starts.Add(at);
            }
        }

        if (starts.Count == 1)
        {
            return [input];
        }

        var parts = new List<ArchiveInput>(starts.Count);
        for (var i = 0; i < starts.Count; i++)
        {
            var end = i + 1 < starts.Count ? starts[i + 1] : size;
            parts.Add(input with { Part = new ArchivePart(starts[i], end - starts[i], i, starts.Count) });
        }

        return parts;
    }

    /// <summary>Whether the file's first non-blank byte (after a UTF-8 byte order mark) opens a JSON object.</summary>
    private static bool StartsWithObject(Stream file)
    {
        Span<byte> head = stackalloc byte[256];
        file.Position = 0;
        var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var span = head[..n];
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
        }

        var first = span.IndexOfAnyExcept(" \t\r\n"u8);
        return first >= 0 && span[first] == (byte)'{';
    }

    /// <summary>
    /// The start of the first line at or after <paramref name="nominal"/> that follows a validated break, or null when
    /// none lies within the widest window.
    /// </summary>
    private static long? FindBreak(Stream file, long nominal, long size)
    {
        foreach (var window in Windows)
        {
            var from = Math.Max(0, nominal - window);
            var to = Math.Min(size, nominal + window);
            var length = (int)(to - from);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                file.Position = from;
                file.ReadExactly(buffer, 0, length);
                if (FindBreak(buffer.AsSpan(0, length), (int)(nominal - from), from == 0, to == size) is { } at)
                {
                    return from + at;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return null;
    }

    /// <summary>
    /// In <paramref name="w"/>, the index after the first line break at or after <paramref name="nominal"/> whose
    /// neighbouring lines are each one complete JSON object, or null. <paramref name="startsFile"/> and
    /// <paramref name="endsFile"/> say whether the window's edges are the file's (a line may end there).
    /// </summary>
    internal static int? FindBreak(ReadOnlySpan<byte> w, int nominal, bool startsFile, bool endsFile)
    {
        var rel = w[nominal..].IndexOf((byte)'\n');
        if (rel < 0)
        {
            return null;
        }

        var at = nominal + rel;
        var before = w[..at].LastIndexOf((byte)'\n');
        if (before < 0 && !startsFile)
        {
            return null;
        }

        var lineStart = before + 1;
        while (true)
        {
            var nextRel = w[(at + 1)..].IndexOf((byte)'\n');
            if (nextRel < 0 && !endsFile)
            {
                return null;
            }

            var next = nextRel < 0 ? w.Length : at + 1 + nextRel;
            if (IsOneObject(w[lineStart..at]) && IsOneObject(w[(at + 1)..next]))
            {
                return at + 1;
            }

            if (nextRel < 0)
            {
                return null;
            }

            lineStart = at + 1;
            at = next;
        }
    }

    /// <summary>Whether <paramref name="line"/>, blanks aside, is exactly one well-formed JSON object.</summary>
    internal static bool IsOneObject(ReadOnlySpan<byte> line)
    {
        line = line.Trim(" \t\r"u8);
        if (line.IsEmpty || line[0] != (byte)'{' || line[^1] != (byte)'}')
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            reader.Skip();
            return reader.BytesConsumed == line.Length;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
