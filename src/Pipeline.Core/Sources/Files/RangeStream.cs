namespace Pipeline.Sources.Files;

/// <summary>A read-only view of a byte range of a seekable stream, which it owns: a part of a split file.</summary>
internal sealed class RangeStream : Stream
{
    private readonly Stream _inner;
    private readonly long _length;
    private long _read;

    public RangeStream(Stream inner, long start, long length)
    {
        _inner = inner;
        _length = length;
        inner.Position = start;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var left = _length - _read;
        if (left <= 0)
        {
            return 0;
        }

        var n = _inner.Read(buffer[..(int)Math.Min(buffer.Length, left)]);
        _read += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var left = _length - _read;
        if (left <= 0)
        {
            return 0;
        }

        var n = await _inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, left)], cancellationToken).ConfigureAwait(false);
        _read += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
