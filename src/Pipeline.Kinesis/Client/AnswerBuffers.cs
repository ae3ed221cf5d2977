using System.Numerics;

namespace Pipeline.Kinesis.Client;

/// <summary>
/// The buffers GetRecords answers are read and decoded into (each answer's body off the wire and its records'
/// payloads), kept by the client rather than by <see cref="System.Buffers.ArrayPool{T}.Shared"/>. The shared pool
/// keeps an array of each size per thread and several per core: answers of 10–20 MiB, rented and returned on
/// whichever thread-pool thread ran the continuation, stayed in memory many times over (peak RSS 338 MiB at 4
/// shards, 461 MiB at 16, same events). Answers in memory are already bounded by the client's slots, so this keeps
/// at most <c>keep</c> free buffers: what answers cost is then a fixed amount, however many shards or threads.
/// </summary>
internal sealed class AnswerBuffers(int keep)
{
    private readonly Lock _lock = new();
    private readonly List<byte[]> _free = [];

    /// <summary>Free buffers kept now (for tests).</summary>
    internal int FreeCount
    {
        get
        {
            lock (_lock)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>A buffer of at least <paramref name="minimum"/> bytes: the smallest free one that fits, else a new one.</summary>
    public byte[] Rent(int minimum)
    {
        lock (_lock)
        {
            var best = -1;
            for (var i = 0; i < _free.Count; i++)
            {
                if (_free[i].Length >= minimum && (best < 0 || _free[i].Length < _free[best].Length))
                {
                    best = i;
                }
            }

            if (best >= 0)
            {
                var buffer = _free[best];
                _free.RemoveAt(best);
                return buffer;
            }
        }

        // Sizes by powers of two, so that answers of about the same size reuse one another's buffers.
        var size = minimum <= 1024 ? 1024 : (int)Math.Min(Array.MaxLength, BitOperations.RoundUpToPowerOf2((uint)minimum));
        return GC.AllocateUninitializedArray<byte>(Math.Max(size, minimum));
    }

    /// <summary>Gives a buffer back: kept while fewer than <c>keep</c> are free, else it replaces a smaller free one or is dropped.</summary>
    public void Return(byte[] buffer)
    {
        lock (_lock)
        {
            if (_free.Count < keep)
            {
                _free.Add(buffer);
                return;
            }

            var smallest = 0;
            for (var i = 1; i < _free.Count; i++)
            {
                if (_free[i].Length < _free[smallest].Length)
                {
                    smallest = i;
                }
            }

            if (_free.Count > 0 && _free[smallest].Length < buffer.Length)
            {
                _free[smallest] = buffer;
            }
        }
    }
}
