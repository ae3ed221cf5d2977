using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pipeline.Sources.Files;

/// <summary>
/// Follows JSON values one after another from the very first byte (in a string or not, how deep), 64 bytes at a
/// time, to say where top-level values end. Unlike a line break, the <c>}{</c> between two values of concatenated
/// JSON (Firehose's default: no delimiter) can also stand inside a string, and only a reader that has seen every
/// byte before it can tell which; escapes are followed exactly, so no string content can pass for a boundary.
/// It does not validate JSON: a cut is made only where a parser also reads a whole object on each side. Bytes that
/// are not values one after another (anything but blanks between them, a bracket closing nothing) make it
/// <see cref="Lost"/> for good, as does a gap in the bytes (<see cref="Lose"/>).
/// </summary>
internal sealed class ValueBoundaries
{
    private long _depth;
    private bool _inString;
    private bool _escapeNext;
    private int _lastEnd;

    /// <summary>True once the bytes are known not to be followed: no boundary is given after that.</summary>
    public bool Lost { get; private set; }

    /// <summary>Where reading goes on, in the caller's buffer.</summary>
    public int Position { get; private set; }

    /// <summary>Where the last top-level value that started began, in the caller's buffer (negative: before it).</summary>
    public int LastValueStart { get; private set; } = -1;

    /// <summary>The bytes before <see cref="Position"/> cannot be followed into what comes next (a damaged gzip member).</summary>
    public void Lose() => Lost = true;

    /// <summary>The caller dropped the first <paramref name="count"/> bytes of its buffer and moved the rest to its start.</summary>
    public void Rebase(int count)
    {
        Position -= count;
        LastValueStart -= count;
        _lastEnd -= count;
    }

    /// <summary>
    /// Reads on from <see cref="Position"/> up to <paramref name="limit"/> and returns the end (the index after its
    /// closing bracket) of the first top-level value ending at or after <paramref name="from"/>, having stopped just
    /// there; null when none does before <paramref name="limit"/> (or it is lost), having read to it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int? NextEnd(ReadOnlySpan<byte> buffer, int from, int limit)
    {
        ref var start = ref MemoryMarshal.GetReference(buffer);
        var p = Position;
        while (!Lost && p + 64 <= limit)
        {
            var lo = Vector256.LoadUnsafe(ref start, (nuint)p);
            var hi = Vector256.LoadUnsafe(ref start, (nuint)(p + 32));
            var backslashes = Bits(Vector256.Equals(lo, Backslash), Vector256.Equals(hi, Backslash));
            var quotes = Bits(Vector256.Equals(lo, Quote), Vector256.Equals(hi, Quote));

            // '{' and '[' (0x7B, 0x5B) differ in one bit, as do '}' and ']': one compare each with it set.
            var lower = Vector256.Create((byte)0x20);
            var opens = Bits(Vector256.Equals(lo | lower, OpenBrace), Vector256.Equals(hi | lower, OpenBrace));
            var closes = Bits(Vector256.Equals(lo | lower, CloseBrace), Vector256.Equals(hi | lower, CloseBrace));

            var escaped = backslashes != 0 || _escapeNext ? Escaped(backslashes) : 0;
            var inside = PrefixXor(quotes & ~escaped);
            if (_inString)
            {
                inside = ~inside;
            }

            _inString = (long)inside < 0;
            opens &= ~inside;
            closes &= ~inside;
            if ((opens | closes) != 0 && (ulong)_depth <= (ulong)BitOperations.PopCount(closes))
            {
                // The depth may reach the top level inside this block: each bracket in order.
                if (Brackets(buffer, p, opens, closes, from) is { } end)
                {
                    return end;
                }
            }
            else
            {
                _depth += BitOperations.PopCount(opens) - BitOperations.PopCount(closes);
            }

            p += 64;
        }

        Position = p;
        while (!Lost && Position < limit)
        {
            if (Step(buffer, from) is { } end)
            {
                return end;
            }
        }

        return null;
    }

    private static readonly Vector256<byte> Backslash = Vector256.Create((byte)'\\');
    private static readonly Vector256<byte> Quote = Vector256.Create((byte)'"');
    private static readonly Vector256<byte> OpenBrace = Vector256.Create((byte)'{');
    private static readonly Vector256<byte> CloseBrace = Vector256.Create((byte)'}');

    private static ulong Bits(Vector256<byte> lo, Vector256<byte> hi) => lo.ExtractMostSignificantBits() | ((ulong)hi.ExtractMostSignificantBits() << 32);

    /// <summary>Bit i set: the byte at i is escaped by an unescaped backslash before it (backslashes are rare; one at a time).</summary>
    private ulong Escaped(ulong backslashes)
    {
        var escaped = _escapeNext ? 1UL : 0;
        _escapeNext = false;
        while (backslashes != 0)
        {
            var at = BitOperations.TrailingZeroCount(backslashes);
            if ((escaped & (1UL << at)) == 0)
            {
                if (at == 63)
                {
                    _escapeNext = true;
                }
                else
                {
                    escaped |= 1UL << (at + 1);
                }
            }

            backslashes &= backslashes - 1;
        }

        return escaped;
    }

    /// <summary>Bit i: odd count of bits at or below i (in a string from an opening quote up to, not with, its closing one).</summary>
    private static ulong PrefixXor(ulong x)
    {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        return x;
    }

    /// <summary>The brackets of a block in order, outside strings; the block's string state is already carried on.</summary>
    private int? Brackets(ReadOnlySpan<byte> buffer, int p, ulong opens, ulong closes, int from)
    {
        var all = opens | closes;
        while (all != 0)
        {
            var at = BitOperations.TrailingZeroCount(all);
            var bit = 1UL << at;
            all &= all - 1;
            if ((opens & bit) != 0)
            {
                if (_depth++ == 0 && !Starts(buffer, p + at))
                {
                    return null;
                }

                continue;
            }

            if (--_depth < 0)
            {
                Lost = true;
                return null;
            }

            if (_depth == 0)
            {
                _lastEnd = p + at + 1;
                if (_lastEnd >= from)
                {
                    // Stopped between two values: no string open, no escape pending, whatever the block said after it.
                    Position = _lastEnd;
                    _inString = false;
                    _escapeNext = false;
                    return _lastEnd;
                }
            }
        }

        return null;
    }

    /// <summary>A top-level value starts at <paramref name="at"/>: only blanks may stand between it and the value before (a byte-order mark before the first).</summary>
    private bool Starts(ReadOnlySpan<byte> buffer, int at)
    {
        var gap = buffer[Math.Max(0, _lastEnd)..at];
        if (LastValueStart < 0 && _lastEnd == 0 && gap.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            gap = gap[3..];
        }

        if (gap.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
        {
            Lost = true;
            return false;
        }

        LastValueStart = at;
        return true;
    }

    /// <summary>One byte (the tail shorter than a block).</summary>
    private int? Step(ReadOnlySpan<byte> buffer, int from)
    {
        var at = Position++;
        var b = buffer[at];
        if (_inString)
        {
            if (_escapeNext)
            {
                _escapeNext = false;
            }
            else if (b == '\\')
            {
                _escapeNext = true;
            }
            else if (b == '"')
            {
                _inString = false;
            }

            return null;
        }

        switch (b)
        {
            case (byte)'"':
                _inString = true;
                return null;
            case (byte)'{' or (byte)'[':
                if (_depth++ == 0)
                {
                    Starts(buffer, at);
                }

                return null;
            case (byte)'}' or (byte)']':
                if (--_depth < 0)
                {
                    Lost = true;
                    return null;
                }

                if (_depth == 0)
                {
                    _lastEnd = at + 1;
                    if (_lastEnd >= from)
                    {
                        return _lastEnd;
                    }
                }

                return null;
            default:
                return null;
        }
    }
}
