using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Pipeline.Decoding;

/// <summary>
/// Runs a gzip layer (<see cref="GzipMembers"/>) on a thread of its own, a few blocks ahead of the reader, so that
/// inflating a large input and parsing it use two cores. The reader sees exactly what it would see reading the gzip
/// layer itself: the same bytes, a break (<see cref="BreakingStream.TakeBreak"/>) at the same points, each damage reported on the
/// reader's thread when the reader reaches it (the gzip layer reports damage only in a read that returns no bytes,
/// so it comes after everything before it either way), and a read error thrown where it occurred.
/// </summary>
internal sealed class InflateAhead : BreakingStream
{
    /// <summary>Bytes per block handed over; a few are in flight (<see cref="Depth"/>), so memory stays near a megabyte.</summary>
    internal const int BlockBytes = 1024 * 1024;

    private const int Depth = 3;

    private readonly GzipMembers _gzip;
    private readonly Action<GzipDamage> _damaged;
    private readonly BlockingCollection<Item> _items = new(Depth);
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _producerDone = new();
    private readonly List<GzipDamage> _pendingDamage = [];
    private Item _current;
    private int _at;
    private bool _haveCurrent;
    private bool _ended;
    private bool _disposed;

    /// <summary>Reads gzip from <paramref name="inner"/> (first bytes already read into <paramref name="prefix"/>) on a thread of its own.</summary>
    public InflateAhead(Stream inner, ReadOnlySpan<byte> prefix, Action<GzipDamage> damaged)
    {
        _damaged = damaged;
        _gzip = new GzipMembers(inner, prefix, _pendingDamage.Add);
        var thread = new Thread(Produce) { IsBackground = true, Name = "inflate-ahead" };
        thread.Start();
    }

    /// <summary>Compressed bytes consumed to inflate what the reader has been handed so far (to the block; for progress).</summary>
    public long CompressedBytes { get; private set; }

    private enum Kind
    {
        Data,
        Break,
        End,
        Error,
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || _ended || Broken)
        {
            return 0;
        }

        while (true)
        {
            if (!_haveCurrent)
            {
                _current = _items.Take();
                _at = 0;
                _haveCurrent = true;
                CompressedBytes = Math.Max(CompressedBytes, _current.Compressed);
                foreach (var damage in _current.Damage ?? [])
                {
                    _damaged(damage);
                }
            }

            switch (_current.Kind)
            {
                case Kind.Data:
                    var n = Math.Min(buffer.Length, _current.Length - _at);
                    _current.Block!.AsSpan(_at, n).CopyTo(buffer);
                    _at += n;
                    if (_at == _current.Length)
                    {
                        ArrayPool<byte>.Shared.Return(_current.Block!);
                        _haveCurrent = false;
                    }

                    return n;
                case Kind.Break:
                    _haveCurrent = false;
                    Broken = true;
                    return 0;
                case Kind.End:
                    _ended = true;
                    return 0;
                default:
                    _ended = true;
                    ExceptionDispatchInfo.Throw(_current.Error!);
                    return 0;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;

            // The reader may stop early (a limit, an error): the producer stops at its next hand-over, and the gzip
            // layer and the source under it are left alone until it has.
            _stop.Cancel();
            _producerDone.Wait();
            if (_haveCurrent && _current.Kind == Kind.Data)
            {
                ArrayPool<byte>.Shared.Return(_current.Block!);
            }

            while (_items.TryTake(out var left))
            {
                if (left.Kind == Kind.Data)
                {
                    ArrayPool<byte>.Shared.Return(left.Block!);
                }
            }

            _gzip.Dispose();
            _items.Dispose();
            _stop.Dispose();
            _producerDone.Dispose();
        }

        base.Dispose(disposing);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Any error reading the input is handed to the reader, which throws it where it would have occurred.")]
    private void Produce()
    {
        try
        {
            while (true)
            {
                var block = ArrayPool<byte>.Shared.Rent(BlockBytes);
                int n;
                try
                {
                    n = _gzip.ReadAtLeast(block.AsSpan(0, BlockBytes), BlockBytes, throwOnEndOfStream: false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(block);
                    throw;
                }

                if (n > 0)
                {
                    // A block that stops short of full stopped at a break or the end: those follow as items of their own.
                    Hand(new Item(Kind.Data, block, n, null, null, _gzip.CompressedBytes));
                    continue;
                }

                ArrayPool<byte>.Shared.Return(block);
                var damage = _pendingDamage.Count == 0 ? null : _pendingDamage.ToArray();
                _pendingDamage.Clear();
                if (_gzip.TakeBreak())
                {
                    Hand(new Item(Kind.Break, null, 0, damage, null));
                    continue;
                }

                Hand(new Item(Kind.End, null, 0, damage, null));
                return;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The reader stopped early.
        }
        catch (Exception e)
        {
            try
            {
                Hand(new Item(Kind.Error, null, 0, null, e));
            }
            catch (OperationCanceledException)
            {
                // The reader stopped early.
            }
        }
        finally
        {
            _producerDone.Set();
        }
    }

    private void Hand(Item item)
    {
        try
        {
            _items.Add(item, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            if (item.Kind == Kind.Data)
            {
                ArrayPool<byte>.Shared.Return(item.Block!);
            }

            throw;
        }
    }

    private readonly record struct Item(Kind Kind, byte[]? Block, int Length, GzipDamage[]? Damage, Exception? Error, long Compressed = 0);
}
