using System.Buffers;
using Pipeline.Decoding;

namespace Pipeline.Sources.Files;

/// <summary>
/// A run of a gzip input's decompressed bytes, cut at line breaks between complete JSON objects, read on its own so
/// that one large gzip file uses every core. Breaks of the gzip layer inside it (damaged members) are kept with
/// their damage reports, at the offsets where they fell.
/// </summary>
/// <param name="buffer">A pooled buffer holding its bytes first; returned to the pool on dispose.</param>
/// <param name="length">Its length in bytes.</param>
/// <param name="start">Offset of its first byte in the decompressed input.</param>
/// <param name="index">0-based index among the input's chunks.</param>
/// <param name="breaks">Where the gzip layer broke inside it (offsets into the chunk, ascending), each with the damage reported there.</param>
/// <param name="compressedEnd">About how far into the compressed input its bytes end (to the inflater's block; for progress).</param>
internal sealed class InflatedChunk(byte[] buffer, int length, long start, int index, IReadOnlyList<(int At, GzipDamage[] Damage)> breaks, long compressedEnd) : IDisposable
{
    private byte[]? _buffer = buffer;

    /// <summary>Its bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, Length);

    public int Length { get; } = length;

    /// <summary>Offset of its first byte in the decompressed input.</summary>
    public long Start { get; } = start;

    /// <summary>About how far into the compressed input its bytes end (to the inflater's block; for progress).</summary>
    public long CompressedEnd { get; } = compressedEnd;

    /// <summary>0-based index among the input's chunks.</summary>
    public int Index { get; } = index;

    /// <summary>Where the gzip layer broke inside it (offsets into the chunk, ascending), each with the damage reported there.</summary>
    public IReadOnlyList<(int At, GzipDamage[] Damage)> Breaks { get; } = breaks;

    public void Dispose()
    {
        if (_buffer is { } b)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(b);
        }
    }
}

/// <summary>
/// Replays a chunk as the gzip layer gave it: its bytes, a break (<see cref="TakeBreak"/>) where the gzip layer broke,
/// each break's damage reported as the reader reaches it; then, when given, the rest of the input read live.
/// </summary>
internal sealed class ChunkStream(InflatedChunk chunk, Action<GzipDamage> damaged, Stream? rest = null) : BreakingStream
{
    private int _at;
    private int _nextBreak;

    public override bool TakeBreak() =>
        base.TakeBreak() || (_at == chunk.Length && _nextBreak == chunk.Breaks.Count && rest is BreakingStream live && live.TakeBreak());

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || Broken)
        {
            return 0;
        }

        if (_nextBreak < chunk.Breaks.Count && chunk.Breaks[_nextBreak].At == _at)
        {
            foreach (var damage in chunk.Breaks[_nextBreak].Damage)
            {
                damaged(damage);
            }

            _nextBreak++;
            Broken = true;
            return 0;
        }

        var until = _nextBreak < chunk.Breaks.Count ? chunk.Breaks[_nextBreak].At : chunk.Length;
        if (_at == until)
        {
            return rest?.Read(buffer) ?? 0;
        }

        var n = Math.Min(buffer.Length, until - _at);
        chunk.Bytes.Slice(_at, n).CopyTo(buffer);
        _at += n;
        return n;
    }
}

/// <summary>
/// Cuts a gzip input's decompressed bytes into chunks of about <see cref="PartBytes"/>, each ending at a line break
/// whose neighbouring lines are each one complete JSON object (<see cref="InputSplitter.FindBreak(ReadOnlySpan{byte}, int, bool, bool)"/>),
/// or, for concatenated JSON with no line breaks (Firehose's <c>{…}{…}</c>), at the end of a top-level value found
/// by following every byte from the first (<see cref="ValueBoundaries"/>) with a whole object on each side; so every
/// value lies in one chunk and is read there as it would be reading the whole input. The cuts depend only on the
/// decompressed bytes and constants, so a resumed run cuts the very chunks of the interrupted one.
/// </summary>
/// <remarks>
/// A cut is looked for from each multiple of the part size on, within a window; none is made where the gzip layer
/// broke near it, and no value cut after a break at all. The kind of cut is chosen at the input's first: line breaks
/// when one is found there. Where no cut is found for <see cref="GiveUpParts"/> parts' worth (a pretty-printed
/// document), the chunk in hand is the last one and the rest of the input is read after it, live, so memory stays bounded.
/// </remarks>
internal sealed class InflatedSplitter(BreakingStream inflated, List<GzipDamage> pendingDamage, long partBytes = InflatedSplitter.PartBytes, Func<long>? compressedPosition = null)
{
    /// <summary>
    /// Nominal decompressed chunk size. A constant: a resumed run must cut the chunks of the run it resumes. With the
    /// look-ahead window a chunk's buffer is 32 MiB, one size class of the shared array pool.
    /// </summary>
    public const long PartBytes = 30L * 1024 * 1024;

    /// <summary>How far after a nominal cut a line break is looked for, and how far from a gzip break a cut keeps (1 MiB; less for the small parts of tests).</summary>
    private readonly int _window = (int)Math.Clamp(partBytes / 4, 4096, 1024 * 1024);

    private const int GiveUpParts = 2;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(partBytes + (2 * Math.Clamp(partBytes / 4, 4096, 1024 * 1024)), Array.MaxLength));
    private int _length;
    private long _start;
    private int _index;
    private bool _eof;
    private List<(int At, GzipDamage[] Damage)> _breaks = [];

    /// <summary>How this input is cut, decided at its first cut: at line breaks, or between concatenated values.</summary>
    private Cuts _cuts;

    /// <summary>Follows the bytes from the first on, for concatenated JSON (no line breaks to cut at).</summary>
    private readonly ValueBoundaries _values = new();

    private enum Cuts
    {
        Undecided,
        Lines,
        Values,
    }

    /// <summary>
    /// Whether the decompressed input opens with a JSON object (after a byte-order mark and blanks): only then may it
    /// be newline-delimited and cut. Reads the first bytes.
    /// </summary>
    public bool StartsWithObject()
    {
        while (_length < 256 && !_eof && _breaks.Count == 0)
        {
            Fill(256 - _length);
        }

        var head = _buffer.AsSpan(0, _breaks.Count > 0 ? _breaks[0].At : _length);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            head = head[3..];
        }

        var first = head.IndexOfAnyExcept(" \t\r\n"u8);
        return first >= 0 && head[first] == (byte)'{';
    }

    /// <summary>
    /// The next chunk, or null at the end. <paramref name="last"/> is true when the input's rest follows it, live, in
    /// the inflated stream: no cut was found for a long way, and the caller reads the rest after the chunk.
    /// </summary>
    public InflatedChunk? Next(out bool last)
    {
        last = false;
        if (_eof && _length == 0 && _breaks.Count == 0)
        {
            return null;
        }

        var nominal = partBytes;
        while (true)
        {
            // Enough in hand to look for a cut after the nominal point, or the end of the input.
            while (!_eof && _length < nominal + _window)
            {
                Fill((int)Math.Min(nominal + _window - _length, 4 * 1024 * 1024));
            }

            if (_eof && _length <= nominal + _window)
            {
                return Take(_length, final: true);
            }

            if (CutAfter((int)nominal) is { } cut)
            {
                return Take(cut, final: false);
            }

            if (nominal >= GiveUpParts * partBytes)
            {
                last = true;
                return Take(_length, final: true);
            }

            nominal += partBytes;
        }
    }

    /// <summary>
    /// A cut at or after <paramref name="nominal"/> within the window, with no gzip break near it, or null: a validated
    /// line break, or (for concatenated JSON, when the input's first cut found no line break) the end of a top-level
    /// value, with a whole object on each side of it.
    /// </summary>
    private int? CutAfter(int nominal)
    {
        var from = Math.Max(0, nominal - _window);
        var to = Math.Min(_length, nominal + _window);
        if (_breaks.Any(b => b.At >= from && b.At <= to))
        {
            return null;
        }

        if (_cuts != Cuts.Values)
        {
            var at = InputSplitter.FindBreak(_buffer.AsSpan(from, to - from), nominal - from, startsFile: from == 0, endsFile: false);
            if (at is { } a && from + a < _length)
            {
                _cuts = Cuts.Lines;
                return from + a;
            }

            if (_cuts == Cuts.Lines)
            {
                return null;
            }
        }

        return ValueEndAfter(nominal, to);
    }

    /// <summary>The end of the first top-level value ending in [<paramref name="nominal"/>, <paramref name="to"/>) whose value and the next are whole objects.</summary>
    private int? ValueEndAfter(int nominal, int to)
    {
        // The tracker reads on from where it stopped, so it sees every byte once. A gzip break leaves a gap: what
        // follows it can not be followed from what came before, so no value cut is made after one.
        var gap = _breaks.Count > 0 ? _breaks.Min(b => b.At) : int.MaxValue;
        while (!_values.Lost)
        {
            if (_values.Position >= gap)
            {
                _values.Lose();
                return null;
            }

            var limit = Math.Min(to, gap);
            if (_values.NextEnd(_buffer.AsSpan(0, _length), nominal, limit) is not { } end)
            {
                if (limit == gap && _values.Position >= gap)
                {
                    _values.Lose();
                }

                return null;
            }

            if (end < _length && _values.LastValueStart >= 0
                && InputSplitter.IsOneObject(_buffer.AsSpan(_values.LastValueStart, end - _values.LastValueStart))
                && NextIsWholeObject(end, to))
            {
                _cuts = Cuts.Values;
                return end;
            }

            nominal = end + 1;
        }

        return null;
    }

    /// <summary>Whether a whole JSON object, blanks aside, starts the bytes at <paramref name="at"/> and ends before <paramref name="to"/>.</summary>
    private bool NextIsWholeObject(int at, int to)
    {
        var rest = _buffer.AsSpan(at, to - at);
        var first = rest.IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0 || rest[first] != (byte)'{')
        {
            return false;
        }

        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(rest[first..], isFinalBlock: false, new System.Text.Json.JsonReaderState(new System.Text.Json.JsonReaderOptions { MaxDepth = 256 }));
            return reader.Read() && reader.TrySkip() && reader.BytesConsumed > 0;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>Hands out the first <paramref name="length"/> bytes as a chunk; <paramref name="final"/>: nothing of this input is cut after it.</summary>
    private InflatedChunk Take(int length, bool final)
    {
        var rest = _length - length;
        byte[] next = [];
        var kept = _breaks;
        var later = new List<(int At, GzipDamage[] Damage)>();
        if (!final)
        {
            // Cuts keep away from gzip breaks (CutAfter), so every break lies on one side of this one.
            next = ArrayPool<byte>.Shared.Rent(_buffer.Length);
            _buffer.AsSpan(length, rest).CopyTo(next);
            kept = [.. _breaks.Where(b => b.At < length)];
            later = [.. _breaks.Where(b => b.At > length).Select(b => (b.At - length, b.Damage))];
        }

        if (!final)
        {
            _values.Rebase(length);
        }

        var chunk = new InflatedChunk(_buffer, length, _start, _index++, kept, compressedPosition?.Invoke() ?? 0);
        _start += length;
        _buffer = next;
        _length = final ? 0 : rest;
        _breaks = later;
        if (final)
        {
            _eof = true;
        }

        return chunk;
    }

    /// <summary>Reads up to <paramref name="want"/> more bytes (growing the buffer as needed), noting a break or the end.</summary>
    private void Fill(int want)
    {
        if (_length + want > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_length + want)));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        var n = inflated.Read(_buffer.AsSpan(_length, want));
        if (n > 0)
        {
            _length += n;
            return;
        }

        var damage = pendingDamage.ToArray();
        pendingDamage.Clear();
        if (inflated.TakeBreak())
        {
            _breaks.Add((_length, damage));
            return;
        }

        if (damage.Length > 0)
        {
            _breaks.Add((_length, damage));
        }

        _eof = true;
    }
}
