using ParquetSharp;

using System.Runtime.CompilerServices;

namespace Pipeline.Buffers;

/// <summary>
/// Append-only UTF-8 storage in pinned chunks, so values can be handed to the Parquet writer as pointers
/// (<see cref="ByteArray"/>) without a copy or a string. Everything in it lives until <see cref="Reset"/>.
/// </summary>
internal sealed unsafe class Utf8Arena(int firstChunkBytes = 16 * 1024, int maxChunkBytes = 1024 * 1024)
{
    private static readonly byte[] EmptyTarget = GC.AllocateArray<byte>(1, pinned: true);
    private readonly List<byte[]> _chunks = [];
    private byte[]? _current;
    private int _used;

    /// <summary>Bytes reserved by the chunks (what the arena costs in memory).</summary>
    public long ReservedBytes { get; private set; }

    /// <summary>A non-null pointer of length 0: an empty string, as opposed to a null value.</summary>
    public static ByteArray Empty { get; } = new((IntPtr)Unsafe.AsPointer(ref EmptyTarget[0]), 0);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ByteArray Append(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return Empty;
        }

        if (_current is null || _used + value.Length > _current.Length)
        {
            var size = Math.Max(value.Length, _current is null ? firstChunkBytes : Math.Min(maxChunkBytes, _current.Length * 2));
            _current = GC.AllocateUninitializedArray<byte>(size, pinned: true);
            _chunks.Add(_current);
            _used = 0;
            ReservedBytes += size;
        }

        value.CopyTo(_current.AsSpan(_used));
        var result = new ByteArray((IntPtr)Unsafe.AsPointer(ref _current[_used]), value.Length);
        _used += value.Length;
        return result;
    }

    /// <summary>Forgets every value; pointers handed out before are invalid afterwards.</summary>
    public void Reset()
    {
        _chunks.Clear();
        _current = null;
        _used = 0;
        ReservedBytes = 0;
    }

    /// <summary>The bytes a <see cref="ByteArray"/> from an arena points at.</summary>
    public static ReadOnlySpan<byte> Span(ByteArray value) => new((void*)value.Pointer, value.Length);
}
