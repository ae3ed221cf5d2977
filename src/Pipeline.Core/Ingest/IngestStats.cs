using System.Collections.Concurrent;

namespace Pipeline.Ingest;

/// <summary>Live counters of a run; read by progress displays while workers update them.</summary>
public sealed class IngestStats
{
    private long _inputsDone;
    private long _bytesRead;
    private long _records;
    private long _eventsWritten;
    private long _filesWritten;
    private long _bytesWritten;
    private long _outsideDateRange;
    private long _controlMessages;
    private long _insightRecords;
    private long _batchesDone;
    private long _repairedStrings;
    private long _truncatedStrings;

    public int InputsTotal { get; internal set; }

    public long BytesTotal { get; internal set; }

    public int BatchesTotal { get; internal set; }

    public int InputsAlreadyDone { get; internal set; }

    public long InputsDone => Interlocked.Read(ref _inputsDone);

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>Records seen: rows plus record-level rejects plus records outside the date range.</summary>
    public long Records => Interlocked.Read(ref _records);

    public long EventsWritten => Interlocked.Read(ref _eventsWritten);

    public long FilesWritten => Interlocked.Read(ref _filesWritten);

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public long OutsideDateRange => Interlocked.Read(ref _outsideDateRange);

    public long ControlMessages => Interlocked.Read(ref _controlMessages);

    public long InsightRecords => Interlocked.Read(ref _insightRecords);

    public long BatchesDone => Interlocked.Read(ref _batchesDone);

    /// <summary>String values stored with U+FFFD in place of invalid UTF-8 or a lone surrogate escape (the record is kept).</summary>
    public long RepairedStrings => Interlocked.Read(ref _repairedStrings);

    /// <summary>String values longer than 8 KiB, stored cut and marked with "…" (the record is kept).</summary>
    public long TruncatedStrings => Interlocked.Read(ref _truncatedStrings);

    /// <summary>Rejects by reason code.</summary>
    public ConcurrentDictionary<string, long> Rejects { get; } = new(StringComparer.Ordinal);

    /// <summary>The first few rejects, for the summary.</summary>
    public ConcurrentQueue<string> RejectSamples { get; } = new();

    public long RejectTotal => Rejects.Values.Sum();

    internal void InputDone(long bytes, bool fileDone = true)
    {
        if (fileDone)
        {
            Interlocked.Increment(ref _inputsDone);
        }

        Interlocked.Add(ref _bytesRead, bytes);
    }

    internal void AddRecords(long n) => Interlocked.Add(ref _records, n);

    internal void FileWritten(long rows, long bytes)
    {
        Interlocked.Add(ref _eventsWritten, rows);
        Interlocked.Increment(ref _filesWritten);
        Interlocked.Add(ref _bytesWritten, bytes);
    }

    internal void AddOutsideDateRange(long n) => Interlocked.Add(ref _outsideDateRange, n);

    internal void ControlMessage() => Interlocked.Increment(ref _controlMessages);

    internal void InsightRecord() => Interlocked.Increment(ref _insightRecords);

    internal void BatchDone() => Interlocked.Increment(ref _batchesDone);

    internal void AddRepaired(long n) => Interlocked.Add(ref _repairedStrings, n);

    internal void AddTruncated(long n) => Interlocked.Add(ref _truncatedStrings, n);

    internal void Reject(string code, string sample)
    {
        Rejects.AddOrUpdate(code, 1, (_, n) => n + 1);
        if (RejectSamples.Count < 10)
        {
            RejectSamples.Enqueue(sample);
        }
    }
}
