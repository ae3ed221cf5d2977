using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Decoding;

/// <summary>
/// Kinesis Producer Library aggregated records: magic <c>F3 89 9A C2</c>, a protobuf
/// <c>AggregatedRecord</c>, and the MD5 of that protobuf as a 16-byte trailer.
/// </summary>
/// <remarks>
/// <c>AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
/// repeated Record records = 3; }</c>, <c>Record { uint64 partition_key_index = 1; uint64 explicit_hash_key_index = 2;
/// bytes data = 3; repeated Tag tags = 4; }</c>. Only the <c>data</c> of each record matters here.
/// </remarks>
public static class KplAggregate
{
    /// <summary>The four magic bytes that open an aggregated record.</summary>
    public static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];

    private const int DigestLength = 16;

    /// <summary>True when the blob starts with the KPL magic.</summary>
    public static bool IsAggregated(ReadOnlySpan<byte> blob) => blob.StartsWith(Magic);

    /// <summary>
    /// Returns the ranges of each user record's data inside <paramref name="blob"/>, or an error text when the
    /// checksum or the protobuf is wrong (then nothing in the blob is trusted).
    /// </summary>
    public static bool TryDeaggregate(ReadOnlySpan<byte> blob, List<Range> records, out bool checksumMismatch, out string? error)
    {
        records.Clear();
        checksumMismatch = false;
        error = null;
        if (blob.Length < Magic.Length + DigestLength)
        {
            error = $"aggregate of {blob.Length} bytes is shorter than magic and digest";
            return false;
        }

        var body = blob[Magic.Length..^DigestLength];
        Span<byte> digest = stackalloc byte[DigestLength];
#pragma warning disable CA5351 // The KPL aggregation format's checksum is MD5; it detects damage, it protects nothing.
        MD5.HashData(body, digest);
#pragma warning restore CA5351
        if (!digest.SequenceEqual(blob[^DigestLength..]))
        {
            checksumMismatch = true;
            error = "MD5 trailer does not match the aggregated record body";
            return false;
        }

        var pos = 0;
        while (pos < body.Length)
        {
            if (!TryReadVarint(body, ref pos, out var tag))
            {
                error = $"bad field tag at byte {Magic.Length + pos}";
                return false;
            }

            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            if (wire == 2)
            {
                if (!TryReadLength(body, ref pos, out var len))
                {
                    error = $"bad length at byte {Magic.Length + pos}";
                    return false;
                }

                if (field == 3)
                {
                    if (!TryReadRecordData(body.Slice(pos, len), out var dataStart, out var dataLen))
                    {
                        error = $"record {records.Count} has no data field";
                        return false;
                    }

                    var absolute = Magic.Length + pos + dataStart;
                    records.Add(new Range(absolute, absolute + dataLen));
                }

                pos += len;
            }
            else if (!TrySkip(body, ref pos, wire))
            {
                error = $"unsupported wire type {wire} at byte {Magic.Length + pos}";
                return false;
            }
        }

        return true;
    }

    private static bool TryReadRecordData(ReadOnlySpan<byte> record, out int start, out int length)
    {
        start = 0;
        length = 0;
        var found = false;
        var pos = 0;
        while (pos < record.Length)
        {
            if (!TryReadVarint(record, ref pos, out var tag))
            {
                return false;
            }

            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            if (wire == 2)
            {
                if (!TryReadLength(record, ref pos, out var len))
                {
                    return false;
                }

                if (field == 3)
                {
                    start = pos;
                    length = len;
                    found = true;
                }

                pos += len;
            }
            else if (!TrySkip(record, ref pos, wire))
            {
                return false;
            }
        }

        return found;
    }

    private static bool TrySkip(ReadOnlySpan<byte> s, ref int pos, int wire)
    {
        switch (wire)
        {
            case 0:
                return TryReadVarint(s, ref pos, out _);
            case 1:
                pos += 8;
                return pos <= s.Length;
            case 5:
                pos += 4;
                return pos <= s.Length;
            default:
                return false;
        }
    }

    private static bool TryReadLength(ReadOnlySpan<byte> s, ref int pos, out int length)
    {
        length = 0;
        if (!TryReadVarint(s, ref pos, out var v) || v > (ulong)(s.Length - pos))
        {
            return false;
        }

        length = (int)v;
        return true;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> s, ref int pos, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= s.Length)
            {
                return false;
            }

            var b = s[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Builds an aggregated record the way the KPL does (used by producers in tests, demo and bench).</summary>
    public static byte[] Aggregate(IReadOnlyList<(string PartitionKey, byte[] Data)> records)
    {
        var keys = records.Select(r => r.PartitionKey).Distinct().ToList();
        using var body = new MemoryStream();
        foreach (var key in keys)
        {
            WriteBytesField(body, 1, Encoding.UTF8.GetBytes(key));
        }

        foreach (var (key, data) in records)
        {
            using var rec = new MemoryStream();
            WriteVarint(rec, 1 << 3);
            WriteVarint(rec, (ulong)keys.IndexOf(key));
            WriteBytesField(rec, 3, data);
            WriteBytesField(body, 3, rec.ToArray());
        }

        var bodyBytes = body.ToArray();
        var result = new byte[Magic.Length + bodyBytes.Length + DigestLength];
        Magic.CopyTo(result);
        bodyBytes.CopyTo(result, Magic.Length);
#pragma warning disable CA5351 // The KPL aggregation format's checksum is MD5; it detects damage, it protects nothing.
        MD5.HashData(bodyBytes, result.AsSpan(Magic.Length + bodyBytes.Length));
#pragma warning restore CA5351
        return result;
    }

    private static void WriteBytesField(Stream s, int field, byte[] data)
    {
        WriteVarint(s, (ulong)((field << 3) | 2));
        WriteVarint(s, (ulong)data.Length);
        s.Write(data);
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }

        s.WriteByte((byte)v);
    }
}
