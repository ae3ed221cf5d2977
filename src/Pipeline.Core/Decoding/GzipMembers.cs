using System.Runtime.InteropServices;
using Pipeline.Projection;

namespace Pipeline.Decoding;

/// <summary>What the gzip layer reports about one member that could not be read whole.</summary>
/// <param name="Member">0-based index of the member in the input.</param>
/// <param name="CompressedOffset">Byte offset of the member's header in the compressed input.</param>
/// <param name="Reason">Truncated or corrupt.</param>
/// <param name="Detail">What zlib or the framing said.</param>
internal readonly record struct GzipDamage(int Member, long CompressedOffset, RejectReason Reason, string Detail);

/// <summary>
/// Decompresses gzip (RFC 1952) member by member, as one stream of the members' bytes one after another. Each member
/// is checked against its own trailer (CRC-32 and ISIZE, by zlib). A member that is damaged is reported and the
/// reader resynchronises at the next member header; a member cut short by the end of the input is reported as
/// truncated. Either way <see cref="Read(Span{byte})"/> returns 0 once at that point with <see cref="BreakingStream.TakeBreak"/>
/// true, so the consumer knows the bytes before and after do not join up, and then carries on with the next member.
/// </summary>
/// <remarks>
/// Inflation goes through the runtime's own zlib-ng shim (<c>libSystem.IO.Compression.Native</c>, the library
/// <see cref="System.IO.Compression.GZipStream"/> uses): <c>GZipStream</c> hides where a member ends, which both the
/// per-member checks and the resynchronisation need.
/// </remarks>
internal sealed unsafe partial class GzipMembers : BreakingStream
{
    private const int WindowBitsGzip = 31;
    private const int ZOk = 0;
    private const int ZStreamEnd = 1;
    private const int ZBufError = -5;

    private readonly Stream _inner;
    private readonly Action<GzipDamage> _damaged;
    private readonly byte[] _in;
    private readonly ZStream* _z;
    private GCHandle _pin;
    private int _inStart;
    private int _inEnd;
    private long _inBefore;
    private bool _innerEof;
    private bool _memberOpen;
    private bool _afterDamage;
    private bool _upstreamBreak;
    private long _memberStart;
    private bool _finished;
    private bool _disposed;

    /// <summary>Reads gzip from <paramref name="inner"/>, whose first bytes may already have been read into <paramref name="prefix"/>.</summary>
    public GzipMembers(Stream inner, ReadOnlySpan<byte> prefix, Action<GzipDamage> damaged, int bufferSize = 1 << 16)
    {
        _inner = inner;
        _damaged = damaged;
        _in = new byte[Math.Max(bufferSize, prefix.Length)];
        _pin = GCHandle.Alloc(_in, GCHandleType.Pinned);
        prefix.CopyTo(_in);
        _inEnd = prefix.Length;
        _z = (ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZStream));
        if (Native.InflateInit2(_z, WindowBitsGzip) != ZOk)
        {
            NativeMemory.Free(_z);
            _pin.Free();
            throw new InvalidOperationException("zlib could not be initialised");
        }
    }

    /// <summary>Members read so far (complete or not).</summary>
    public int Members { get; private set; }

    /// <summary>Compressed bytes consumed so far.</summary>
    public long CompressedBytes => _inBefore + _inStart;

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || _finished || Broken)
        {
            return 0;
        }

        while (true)
        {
            if (!_memberOpen && !BeginMember())
            {
                return 0;
            }

            if (_inStart == _inEnd && !_innerEof)
            {
                FillInput();
            }

            if (UpstreamBreak())
            {
                return 0;
            }

            int rc;
            int produced;
            fixed (byte* outPtr = buffer)
            fixed (byte* inPtr = _in)
            {
                _z->NextIn = inPtr + _inStart;
                _z->AvailIn = (uint)(_inEnd - _inStart);
                _z->NextOut = outPtr;
                _z->AvailOut = (uint)buffer.Length;
                rc = Native.Inflate(_z, 0);
                _inStart = _inEnd - (int)_z->AvailIn;
                produced = buffer.Length - (int)_z->AvailOut;
            }

            if (rc == ZStreamEnd)
            {
                _memberOpen = false;
                ResetInflater();
                if (produced > 0)
                {
                    return produced;
                }

                continue;
            }

            if (rc == ZOk || (rc == ZBufError && produced > 0))
            {
                if (produced > 0)
                {
                    return produced;
                }

                continue;
            }

            if (rc == ZBufError && _inStart == _inEnd && _innerEof)
            {
                Damage(RejectReason.TruncatedGzip, $"gzip member ends early: the input stops at compressed byte {CompressedBytes} before the member's trailer (truncated)");
                _finished = true;
                return 0;
            }

            if (rc == ZBufError && _inStart == _inEnd)
            {
                continue;
            }

            // An error after some output in the same call: the output goes to the reader first, whatever the size of
            // its buffer (zlib stays in its error state and says so again on the next call, with no output), so what
            // is read before a damaged point does not depend on how the reader reads.
            if (produced > 0)
            {
                return produced;
            }

            var message = _z->Msg is null ? $"zlib error {rc}" : Marshal.PtrToStringAnsi((nint)_z->Msg) ?? $"zlib error {rc}";
            Damage(RejectReason.CorruptGzip, $"gzip data is damaged and cannot be decompressed ({message})");
            ResetInflater();
            _memberOpen = false;

            // The next member, if any, starts with a header: look for it after the damaged member's start.
            if (_inBefore + _inStart <= _memberStart)
            {
                _inStart = (int)(_memberStart + 1 - _inBefore);
            }

            return 0;
        }
    }

    /// <summary>Positions on the next member's header; false at the end of the input.</summary>
    private bool BeginMember()
    {
        while (true)
        {
            if (_inEnd - _inStart < 3 && !_innerEof)
            {
                FillInput();
                if (UpstreamBreak())
                {
                    return false;
                }

                continue;
            }

            var window = _in.AsSpan(_inStart, _inEnd - _inStart);
            if (window.Length >= 3 && window[0] == 0x1F && window[1] == 0x8B && window[2] == 0x08)
            {
                break;
            }

            if (_afterDamage)
            {
                // Look for the next member's header; what lies before it belongs to the damaged member.
                var at = window.Length < 3 ? -1 : window[1..].IndexOf([(byte)0x1F, (byte)0x8B, (byte)0x08]);
                if (at >= 0)
                {
                    _inStart += at + 1;
                    continue;
                }

                if (_innerEof)
                {
                    _inStart = _inEnd;
                    _finished = true;
                    return false;
                }

                _inStart += Math.Max(0, window.Length - 2);
                continue;
            }

            if (window.IsEmpty)
            {
                _finished = true;
                return false;
            }

            // Trailing zero padding after the last member is what tape-style writers leave: ignored, as gzip(1) does.
            if (Members > 0 && !window.ContainsAnyExcept((byte)0))
            {
                _inStart = _inEnd;
                continue;
            }

            _memberStart = CompressedBytes;
            Damage(RejectReason.CorruptGzip, $"bytes at compressed byte {CompressedBytes}, after gzip member {Members - 1}, are not a gzip member");
            _inStart = _inEnd;
            _finished = true;
            return false;
        }

        _afterDamage = false;
        _memberStart = CompressedBytes;
        _memberOpen = true;
        Members++;
        return true;
    }

    private void ResetInflater()
    {
        if (Native.InflateReset2(_z, WindowBitsGzip) != ZOk)
        {
            throw new InvalidOperationException("zlib could not be reset for the next gzip member");
        }
    }

    /// <summary>Passes a break in the layer below up to this layer's reader, dropping the member in hand.</summary>
    private bool UpstreamBreak()
    {
        if (!_upstreamBreak)
        {
            return false;
        }

        _upstreamBreak = false;
        if (_memberOpen)
        {
            ResetInflater();
            _memberOpen = false;
        }

        _inStart = _inEnd;
        _afterDamage = true;
        Broken = true;
        return true;
    }

    private void Damage(RejectReason reason, string detail)
    {
        Broken = true;
        _afterDamage = true;
        _damaged(new GzipDamage(Math.Max(0, Members - 1), _memberStart, reason, detail));
    }

    private void FillInput()
    {
        if (_inStart > 0)
        {
            var keep = _inEnd - _inStart;
            _in.AsSpan(_inStart, keep).CopyTo(_in);
            _inBefore += _inStart;
            _inStart = 0;
            _inEnd = keep;
        }

        while (_inEnd < _in.Length)
        {
            var n = _inner.Read(_in, _inEnd, _in.Length - _inEnd);
            if (n == 0)
            {
                // gzip inside gzip: a damaged outer member breaks this layer's data too (the outer layer reported it).
                if (_inner is BreakingStream upstream && upstream.TakeBreak())
                {
                    _upstreamBreak = true;
                    return;
                }

                _innerEof = true;
                return;
            }

            _inEnd += n;
            if (_inEnd - _inStart >= 3)
            {
                return;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed)
        {
            _disposed = true;
            _ = Native.InflateEnd(_z);
            NativeMemory.Free(_z);
            _pin.Free();
        }

        base.Dispose(disposing);
    }

    /// <summary>The runtime shim's <c>PAL_ZStream</c>: the shim copies it to and from zlib's own stream on every call.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ZStream
    {
        public byte* NextIn;
        public byte* NextOut;
        public sbyte* Msg;
        public nint InternalState;
        public uint AvailIn;
        public uint AvailOut;
    }

    private static partial class Native
    {
        private const string Library = "libSystem.IO.Compression.Native";

        [LibraryImport(Library, EntryPoint = "CompressionNative_InflateInit2_")]
        public static partial int InflateInit2(ZStream* stream, int windowBits);

        [LibraryImport(Library, EntryPoint = "CompressionNative_Inflate")]
        public static partial int Inflate(ZStream* stream, int flush);

        [LibraryImport(Library, EntryPoint = "CompressionNative_InflateReset2_")]
        public static partial int InflateReset2(ZStream* stream, int windowBits);

        [LibraryImport(Library, EntryPoint = "CompressionNative_InflateEnd")]
        public static partial int InflateEnd(ZStream* stream);
    }
}
