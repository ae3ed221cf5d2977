namespace Pipeline.Decoding;

/// <summary>
/// A forward-only stream of decompressed bytes that can break: <see cref="Stream.Read(Span{byte})"/> returns 0 at a
/// damaged member, and <see cref="TakeBreak"/> then says so once, so the reader knows the bytes before and after do
/// not join up and reads on.
/// </summary>
internal abstract class BreakingStream : Stream
{
    /// <summary>Set where the bytes break; reads return 0 until <see cref="TakeBreak"/> clears it.</summary>
    protected bool Broken { get; set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>True once after a damaged or truncated member: the bytes before and after that point do not join up.</summary>
    public virtual bool TakeBreak()
    {
        var b = Broken;
        Broken = false;
        return b;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A plain stream read as a <see cref="BreakingStream"/> that never breaks (a large plain file read in chunks), its first bytes already read into <paramref name="prefix"/>.</summary>
internal sealed class UnbrokenStream(Stream inner, byte[] prefix) : BreakingStream
{
    private int _prefixAt;

    /// <summary>Bytes handed to the reader so far.</summary>
    public long BytesRead { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        int n;
        if (_prefixAt < prefix.Length)
        {
            n = Math.Min(buffer.Length, prefix.Length - _prefixAt);
            prefix.AsSpan(_prefixAt, n).CopyTo(buffer);
            _prefixAt += n;
        }
        else
        {
            n = inner.Read(buffer);
        }

        BytesRead += n;
        return n;
    }
}
