using System.Runtime.CompilerServices;
using ParquetSharp;

namespace Pipeline.Buffers;

/// <summary>
/// Maps UTF-8 values to one shared copy in a pinned arena, without allocating on a hit. Low-cardinality columns
/// (region, event name, user agent, …) repeat the same few thousand values across millions of events; this
/// keeps each once. Capacity is bounded: past it, the caller stores values itself.
/// </summary>
internal sealed class Utf8Interner
{
    private readonly int _maxEntries;
    // Small first chunk: every stream partition has one interner per dictionary column, so their floor is a fixed
    // cost per partition against the shared memory budget.
    private readonly Utf8Arena _arena = new(4 * 1024);
    private int[] _buckets;
    private Entry[] _entries;
    private int _count;

    public Utf8Interner(int maxEntries = 1 << 16)
    {
        _maxEntries = maxEntries;
        _buckets = new int[256];
        _entries = new Entry[128];
    }

    /// <summary>Bytes held by the interned values and the table, for memory accounting.</summary>
    public long RetainedBytes => _arena.ReservedBytes + ((long)_entries.Length * 24) + ((long)_buckets.Length * 4);

    /// <summary>The shared copy of <paramref name="utf8"/>, or false when the table is full and the value new.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryIntern(ReadOnlySpan<byte> utf8, out ByteArray value)
    {
        var hash = Hash(utf8);
        var mask = _buckets.Length - 1;
        for (var i = _buckets[hash & mask] - 1; i >= 0; i = _entries[i].Next)
        {
            ref var e = ref _entries[i];
            if (e.Hash == hash && utf8.SequenceEqual(Utf8Arena.Span(e.Value)))
            {
                value = e.Value;
                return true;
            }
        }

        if (_count >= _maxEntries)
        {
            value = default;
            return false;
        }

        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        if (_count * 2 > _buckets.Length)
        {
            Rehash(_buckets.Length * 2);
            mask = _buckets.Length - 1;
        }

        value = _arena.Append(utf8);
        _entries[_count] = new Entry(hash, value, _buckets[hash & mask] - 1);
        _buckets[hash & mask] = _count + 1;
        _count++;
        return true;
    }

    private void Rehash(int size)
    {
        _buckets = new int[size];
        var mask = size - 1;
        for (var i = 0; i < _count; i++)
        {
            ref var e = ref _entries[i];
            e.Next = _buckets[e.Hash & mask] - 1;
            _buckets[e.Hash & mask] = i + 1;
        }
    }

    private static int Hash(ReadOnlySpan<byte> s)
    {
        // FNV-1a over 8 bytes at a time is plenty for column values; no need for a cryptographic hash.
        ulong h = 14695981039346656037UL;
        while (s.Length >= 8)
        {
            h = (h ^ BitConverter.ToUInt64(s)) * 1099511628211UL;
            s = s[8..];
        }

        foreach (var b in s)
        {
            h = (h ^ b) * 1099511628211UL;
        }

        return (int)(h ^ (h >> 32)) & int.MaxValue;
    }

    private struct Entry(int hash, ByteArray value, int next)
    {
        public readonly int Hash = hash;
        public readonly ByteArray Value = value;
        public int Next = next;
    }
}
