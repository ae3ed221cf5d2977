using System.Buffers.Binary;

namespace Pipeline.Decoding;

/// <summary>
/// Read-only pass-through that remembers the last eight bytes it delivered, so the gzip trailer
/// (CRC32, ISIZE) can be checked after decompression: .NET's GZipStream reports a truncated stream as a
/// normal end of data, which would silently lose the rest of a file.
/// </summary>
internal sealed class GzipTailStream(Stream inner, ReadOnlyMemory<byte> prefix) : Stream
{
    private readonly byte[] _tail = new byte[8];
    private ReadOnlyMemory<byte> _prefix = prefix;
    private int _tailCount;

    /// <summary>Compressed bytes delivered so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>ISIZE from the last trailer: the uncompressed length mod 2^32, or null when fewer than 8 bytes were read.</summary>
    public uint? TrailerSize => _tailCount < 8 ? null : BinaryPrimitives.ReadUInt32LittleEndian(_tail.AsSpan(4));

    /// <summary>Reads whatever the decompressor left unread, so the tail really is the stream's end.</summary>
    public void Drain()
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (Read(scratch) > 0)
        {
        }
    }

    public override int Read(Span<byte> buffer)
    {
        int n;
        if (!_prefix.IsEmpty)
        {
            n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
        }
        else
        {
            n = inner.Read(buffer);
        }

        Remember(buffer[..n]);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private void Remember(ReadOnlySpan<byte> data)
    {
        BytesRead += data.Length;
        if (data.Length >= 8)
        {
            data[^8..].CopyTo(_tail);
            _tailCount = 8;
            return;
        }

        var keep = Math.Min(_tailCount, 8 - data.Length);
        _tail.AsSpan(_tailCount - keep, keep).CopyTo(_tail);
        data.CopyTo(_tail.AsSpan(keep));
        _tailCount = keep + data.Length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
