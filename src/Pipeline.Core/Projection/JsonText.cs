using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Pipeline.Projection;

/// <summary>
/// The one rule for text entering the lake: every string is valid UTF-8. A lone surrogate escape (<c>\ud800</c>) or
/// an invalid byte sequence becomes U+FFFD and is counted; the record is kept. <see cref="System.Text.Json.Utf8JsonReader"/>
/// neither checks UTF-8 inside strings nor unescapes lone surrogates (it throws), so both are done here.
/// </summary>
internal static class JsonText
{
    private static ReadOnlySpan<byte> Replacement => [0xEF, 0xBF, 0xBD];

    /// <summary>
    /// Unescapes a JSON string's raw content (the bytes between its quotes) into <paramref name="dest"/>, which needs
    /// <paramref name="raw"/>'s length at most. Lone surrogates become U+FFFD, each counted in <paramref name="repaired"/>.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> raw, Span<byte> dest, ref int repaired)
    {
        if (dest.Length < raw.Length)
        {
            throw new ArgumentException("the destination must hold the raw string's length", nameof(dest));
        }

        ref var src = ref MemoryMarshal.GetReference(raw);
        ref var dst = ref MemoryMarshal.GetReference(dest);
        var w = 0;
        var i = 0;
        var vectorFrom = 0;
        while (i < raw.Length)
        {
            if (Ssse3.IsSupported && i >= vectorFrom)
            {
                // A record in a string: its escaped quotes dropped 32 bytes at a time (raw content has no bare quote,
                // and the loop stops at any other escape).
                i = EscapedQuotes(ref src, raw.Length, i, ref dst, ref w);
                vectorFrom = i + 32;
                if (i >= raw.Length)
                {
                    break;
                }
            }

            // A record carried inside a string has a backslash every few bytes: eight bytes are copied at a time
            // while none of them is one (measured 2-3x a search per segment on CloudTrail records). Output never
            // outgrows input, so the eight-byte store stays inside dest.
            while (i + 8 <= raw.Length)
            {
                var v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, i));
                var x = v ^ 0x5C5C5C5C5C5C5C5CUL;
                var backslash = (x - 0x0101010101010101UL) & ~x & 0x8080808080808080UL;
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, w), v);
                if (backslash != 0)
                {
                    // The bytes before the first backslash are copied; the rest of the store is rewritten.
                    var k = BitConverter.IsLittleEndian ? BitOperations.TrailingZeroCount(backslash) >> 3 : 0;
                    i += k;
                    w += k;
                    break;
                }

                i += 8;
                w += 8;
            }

            if (i >= raw.Length)
            {
                break;
            }

            var b = raw[i];
            if (b != '\\')
            {
                dest[w++] = b;
                i++;
                continue;
            }

            if (i + 1 < raw.Length && raw[i + 1] is (byte)'"' or (byte)'\\' or (byte)'/')
            {
                dest[w++] = raw[i + 1];
                i += 2;
                continue;
            }

            if (i + 1 >= raw.Length)
            {
                // A lone trailing backslash cannot come from a reader that accepted the string; keep it as it is.
                dest[w++] = (byte)'\\';
                break;
            }

            i++;
            Escape(raw, ref i, dest, ref w, ref repaired, strict: false);
        }

        return w;
    }

    /// <summary>
    /// Reads one JSON string from just after its opening quote, unescaping it into <paramref name="dest"/> (which
    /// needs <paramref name="text"/>'s length) in the same pass: the scan and the copy are one. Returns the bytes
    /// consumed, closing quote included, or -1 when the text is not a valid JSON string (a bad escape, a control
    /// character) or ends before the closing quote. Lone surrogates become U+FFFD, counted in <paramref name="repaired"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ReadString(ReadOnlySpan<byte> text, Span<byte> dest, out int written, ref int repaired)
    {
        written = 0;
        if (dest.Length < text.Length)
        {
            throw new ArgumentException("the destination must hold the text's length", nameof(dest));
        }

        ref var src = ref MemoryMarshal.GetReference(text);
        ref var dst = ref MemoryMarshal.GetReference(dest);
        var w = 0;
        var i = 0;
        var vectorFrom = 0;
        while (true)
        {
            if (Ssse3.IsSupported && i >= vectorFrom)
            {
                // Not again before the block it stopped at is read: at a string's end (its last block holds the
                // closing quote) each escape there would call it again for nothing.
                i = EscapedQuotes(ref src, text.Length, i, ref dst, ref w);
                vectorFrom = i + 32;
            }

            // Eight bytes at a time while none is a backslash, a quote or a control character.
            while (i + 8 <= text.Length)
            {
                var v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, i));
                var backslash = v ^ 0x5C5C5C5C5C5C5C5CUL;
                var quote = v ^ 0x2222222222222222UL;
                var special = (((backslash - 0x0101010101010101UL) & ~backslash)
                    | ((quote - 0x0101010101010101UL) & ~quote)
                    | ((v - 0x2020202020202020UL) & ~v)) & 0x8080808080808080UL;

                // All eight are stored; only the bytes before the first special one count (the rest are rewritten).
                // The lowest flagged byte is always a true one: the tests only ever flag bytes above a true match.
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, w), v);
                if (special != 0)
                {
                    var k = BitConverter.IsLittleEndian ? BitOperations.TrailingZeroCount(special) >> 3 : 0;
                    i += k;
                    w += k;
                    break;
                }

                i += 8;
                w += 8;
            }

            if (i >= text.Length)
            {
                return -1;
            }

            var b = text[i];
            if (b == '\\')
            {
                // A record in a string escapes its own quotes: \" (and \\, \/) are taken here, the rest by Escape.
                var c = i + 1 < text.Length ? text[i + 1] : (byte)0;
                if (c is (byte)'"' or (byte)'\\' or (byte)'/')
                {
                    dest[w++] = c;
                    i += 2;
                    continue;
                }

                i++;
                if (!Escape(text, ref i, dest, ref w, ref repaired, strict: true))
                {
                    return -1;
                }

                continue;
            }

            if (b == '"')
            {
                written = w;
                return i + 1;
            }

            if (b < 0x20)
            {
                return -1;
            }

            dest[w++] = b;
            i++;
        }
    }

    /// <summary>
    /// 32 (or 16) bytes at a time while their only escapes are <c>\"</c> (a record inside a string has one every ~10
    /// bytes): the backslashes are dropped by a shuffle, with no branch per escape. Stops at the first block holding
    /// anything else (another escape, the closing quote, a control character), which the caller reads a byte at a time.
    /// Returns where it stopped; output never outgrows input, so the 8-byte stores stay inside the destination (the
    /// last store of a block starts at most 24 bytes into it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int EscapedQuotes(ref byte src, int length, int i, ref byte dst, ref int written)
    {
        // The write position is kept in a local: through the ref, each of the four stores per block waited on a
        // store and reload of the one before it (the JIT keeps a ref int in memory).
        var w = written;
        // Shuffles for the low and the high eight bytes of a 16-byte lane (the high ones index bytes 8-15).
        ref var low = ref MemoryMarshal.GetArrayDataReference(Compress);
        ref var high = ref Unsafe.Add(ref low, 256);
        if (Avx2.IsSupported)
        {
            var backslashes = Vector256.Create((byte)'\\');
            var quotes = Vector256.Create((byte)'"');
            var space = Vector256.Create((byte)0x20);
            // Blocks are a fixed 32 bytes apart, so the next load never waits on this block's masks. A backslash in
            // a block's last byte escapes the next block's first: it is dropped here and that quote checked there.
            // Cursors, not indexes, and one table: fewer values live in the loop, none of them kept in memory.
            var carry = 0u;
            ref var s = ref Unsafe.Add(ref src, i);
            ref var end = ref Unsafe.Add(ref src, length);
            ref var d = ref Unsafe.Add(ref dst, w);
            while (Unsafe.ByteOffset(ref s, ref end) >= 32)
            {
                var block = Vector256.LoadUnsafe(ref s);
                var bs = Vector256.Equals(block, backslashes).ExtractMostSignificantBits();
                var q = Vector256.Equals(block, quotes).ExtractMostSignificantBits();
                var control = Vector256.LessThan(block, space).ExtractMostSignificantBits();
                if ((control | (q ^ ((bs << 1) | carry))) != 0)
                {
                    break;
                }

                // No branch per escape: every block is packed, a block without escapes by the identity shuffle.
                var keep = ~bs;
                var packed = Avx2.Shuffle(block, Vector256.Create(
                    Vector128.Create(Unsafe.Add(ref low, (int)(keep & 0xFF)), Unsafe.Add(ref low, 256 + (int)((keep >> 8) & 0xFF))),
                    Vector128.Create(Unsafe.Add(ref low, (int)((keep >> 16) & 0xFF)), Unsafe.Add(ref low, 256 + (int)(keep >> 24)))).AsByte()).AsUInt64();
                Unsafe.WriteUnaligned(ref d, packed.GetElement(0));
                d = ref Unsafe.Add(ref d, BitOperations.PopCount(keep & 0xFF));
                Unsafe.WriteUnaligned(ref d, packed.GetElement(1));
                d = ref Unsafe.Add(ref d, BitOperations.PopCount((keep >> 8) & 0xFF));
                Unsafe.WriteUnaligned(ref d, packed.GetElement(2));
                d = ref Unsafe.Add(ref d, BitOperations.PopCount((keep >> 16) & 0xFF));
                Unsafe.WriteUnaligned(ref d, packed.GetElement(3));
                d = ref Unsafe.Add(ref d, BitOperations.PopCount(keep >> 24));
                carry = bs >> 31;
                s = ref Unsafe.Add(ref s, 32);
            }

            i = (int)Unsafe.ByteOffset(ref src, ref s);
            w = (int)Unsafe.ByteOffset(ref dst, ref d);

            // A dropped backslash whose quote was not read: go back to it (it was not counted in w).
            i -= (int)carry;
        }

        var backslashes128 = Vector128.Create((byte)'\\');
        var quotes128 = Vector128.Create((byte)'"');
        var space128 = Vector128.Create((byte)0x20);
        while (i + 16 <= length)
        {
            var block = Vector128.LoadUnsafe(ref src, (nuint)i);
            var bs = Vector128.Equals(block, backslashes128).ExtractMostSignificantBits();
            var q = Vector128.Equals(block, quotes128).ExtractMostSignificantBits();
            var control = Vector128.LessThan(block, space128).ExtractMostSignificantBits();
            var n = (int)(16 - (bs >> 15));
            bs &= 0x7FFF;
            if (control != 0 || ((bs << 1) & 0xFFFF) != q)
            {
                written = w;
                return i;
            }

            var keep = ~bs & ((1u << n) - 1);
            var packed = Ssse3.Shuffle(block, Vector128.Create(Unsafe.Add(ref low, (int)(keep & 0xFF)), Unsafe.Add(ref high, (int)(keep >> 8))).AsByte()).AsUInt64();
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, w), packed.ToScalar());
            w += BitOperations.PopCount(keep & 0xFF);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, w), packed.GetElement(1));
            w += BitOperations.PopCount(keep >> 8);
            i += n;
        }

        written = w;
        return i;
    }

    /// <summary>
    /// For each 8-bit mask, the shuffle that packs the bytes it keeps to the front (the rest zeroed); then the same
    /// for the high eight bytes of a 16-byte lane (each index 8 more).
    /// </summary>
    private static readonly ulong[] Compress = [.. BuildCompress(), .. BuildCompress().Select(c => c + 0x0808080808080808UL)];

    private static ulong[] BuildCompress()
    {
        var table = new ulong[256];
        for (var mask = 0; mask < 256; mask++)
        {
            ulong control = 0x8080808080808080UL;
            var at = 0;
            for (var bit = 0; bit < 8; bit++)
            {
                if ((mask & (1 << bit)) != 0)
                {
                    control = (control & ~(0xFFUL << (at * 8))) | ((ulong)bit << (at * 8));
                    at++;
                }
            }

            table[mask] = control;
        }

        return table;
    }

    /// <summary>
    /// Writes the escape whose character is at <paramref name="i"/> (just after the backslash). Strict: false for an
    /// escape JSON does not have or one the text ends inside; otherwise those are kept as they are.
    /// </summary>
    private static bool Escape(ReadOnlySpan<byte> raw, ref int i, Span<byte> dest, ref int w, ref int repaired, bool strict)
    {
        if (i >= raw.Length)
        {
            if (strict)
            {
                return false;
            }

            // A lone trailing backslash cannot come from a reader that accepted the string; keep it as it is.
            dest[w++] = (byte)'\\';
            return true;
        }

        var c = raw[i];
        i++;
        switch (c)
        {
            case (byte)'b': dest[w++] = (byte)'\b'; break;
            case (byte)'f': dest[w++] = (byte)'\f'; break;
            case (byte)'n': dest[w++] = (byte)'\n'; break;
            case (byte)'r': dest[w++] = (byte)'\r'; break;
            case (byte)'t': dest[w++] = (byte)'\t'; break;
            case (byte)'"' or (byte)'\\' or (byte)'/': dest[w++] = c; break;
            case (byte)'u':
                var cp = Hex4(raw, i);
                if (cp < 0)
                {
                    if (strict)
                    {
                        return false;
                    }

                    cp = 0xFFFD;
                }

                i += 4;
                if (cp is >= 0xD800 and <= 0xDBFF)
                {
                    var low = i + 6 <= raw.Length && raw[i] == '\\' && raw[i + 1] == 'u' ? Hex4(raw, i + 2) : -1;
                    if (low is >= 0xDC00 and <= 0xDFFF)
                    {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        i += 6;
                    }
                    else
                    {
                        cp = -1;
                    }
                }
                else if (cp is >= 0xDC00 and <= 0xDFFF)
                {
                    cp = -1;
                }

                if (cp < 0)
                {
                    Replacement.CopyTo(dest[w..]);
                    w += 3;
                    repaired++;
                }
                else
                {
                    w += new Rune(cp).EncodeToUtf8(dest[w..]);
                }

                break;
            default:
                if (strict)
                {
                    return false;
                }

                dest[w++] = c;
                break;
        }

        return true;
    }

    /// <summary>True when <paramref name="text"/> is valid UTF-8 (ASCII is checked at vector speed).</summary>
    public static bool IsValid(ReadOnlySpan<byte> text) => Utf8.IsValid(text);

    /// <summary>Copies <paramref name="text"/> with each invalid sequence replaced by U+FFFD; <paramref name="dest"/> needs 3 × the length.</summary>
    public static int Repair(ReadOnlySpan<byte> text, Span<byte> dest, ref int repaired)
    {
        var w = 0;
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(text, out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                w += rune.EncodeToUtf8(dest[w..]);
            }
            else
            {
                Replacement.CopyTo(dest[w..]);
                w += 3;
                repaired++;
            }

            text = text[consumed..];
        }

        return w;
    }

    /// <summary>The code unit of four hex digits at <paramref name="at"/>, or -1.</summary>
    private static int Hex4(ReadOnlySpan<byte> s, int at)
    {
        if (at + 4 > s.Length)
        {
            return -1;
        }

        var v = 0;
        for (var k = 0; k < 4; k++)
        {
            var h = s[at + k];
            var d = h switch
            {
                >= (byte)'0' and <= (byte)'9' => h - '0',
                >= (byte)'a' and <= (byte)'f' => h - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => h - 'A' + 10,
                _ => -1,
            };
            if (d < 0)
            {
                return -1;
            }

            v = (v << 4) | d;
        }

        return v;
    }
}
