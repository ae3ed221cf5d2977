using System.Text;

namespace Pipeline.Buffers;

/// <summary>
/// Maps UTF-8 bytes to a shared <see cref="string"/> without allocating on a hit. Low-cardinality columns
/// (region, event name, user agent, …) repeat the same few thousand values across millions of events; this
/// keeps one string per value. Capacity is bounded: past it, values are still converted, just not kept.
/// </summary>
internal sealed class Utf8Interner
{
    private readonly int _maxEntries;
    private int[] _buckets;
    private Entry[] _entries;
    private int _count;

    public Utf8Interner(int maxEntries = 1 << 16)
    {
        _maxEntries = maxEntries;
        _buckets = new int[256];
        _entries = new Entry[128];
    }

    /// <summary>Bytes held by interned strings (UTF-16) and keys, for memory accounting.</summary>
    public long RetainedBytes { get; private set; }

    public string Intern(ReadOnlySpan<byte> utf8)
    {
        var hash = Hash(utf8);
        var mask = _buckets.Length - 1;
        for (var i = _buckets[hash & mask] - 1; i >= 0; i = _entries[i].Next)
        {
            ref var e = ref _entries[i];
            if (e.Hash == hash && utf8.SequenceEqual(e.Key))
            {
                return e.Value;
            }
        }

        var value = Encoding.UTF8.GetString(utf8);
        if (_count >= _maxEntries)
        {
            return value;
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

        _entries[_count] = new Entry(hash, utf8.ToArray(), value, _buckets[hash & mask] - 1);
        _buckets[hash & mask] = _count + 1;
        _count++;
        RetainedBytes += 64 + utf8.Length + (value.Length * 2);
        return value;
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

    private struct Entry(int hash, byte[] key, string value, int next)
    {
        public readonly int Hash = hash;
        public readonly byte[] Key = key;
        public readonly string Value = value;
        public int Next = next;
    }
}
