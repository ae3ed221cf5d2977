using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text.Json;
using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Lake;
using Pipeline.Parquet;
using Pipeline.Projection;

namespace Pipeline.Ingest;

/// <summary>
/// Receives one batch's rows and rejects: rows go to the worker's partition buffers and, when flushed, to
/// Parquet files in the batch's staging folder; rejects go to <c>_rejects/&lt;batch&gt;.jsonl</c> there.
/// Output names derive from the batch ID and a per-partition sequence, so a replay writes the same names.
/// </summary>
internal sealed class BatchSink : IRecordSink, IPartitionFlushTarget, IDisposable
{
    private readonly StagedBatch _staged;
    private readonly PartitionBuffers _buffers;
    private readonly IngestStats _stats;
    private readonly ParquetSettings _parquet;
    private readonly int? _fromDay;
    private readonly int? _toDay;
    private readonly Dictionary<PartitionKey, int> _sequence = [];
    private FileStream? _rejectStream;
    private Utf8JsonWriter? _rejectWriter;
    private string? _rejectsRelative;
    private long _records;
    private long _outsideDateRange;
    private long _repaired;
    private long _truncated;

    public BatchSink(StagedBatch staged, PartitionBuffers buffers, IngestStats stats, ParquetSettings parquet, DateOnly? from, DateOnly? to)
    {
        _staged = staged;
        _buffers = buffers;
        _stats = stats;
        _parquet = parquet;
        _fromDay = from?.DayNumber;
        _toDay = to?.DayNumber;
        buffers.Target = this;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Accept(ProjectedRow row, in RowKey key)
    {
        _records++;
        _repaired += row.Repaired;
        _truncated += row.Truncated;
        if ((_fromDay is { } f && key.EventDay < f) || (_toDay is { } t && key.EventDay > t))
        {
            _outsideDateRange++;
            return;
        }

        _buffers.Append(row, key);
    }

    /// <summary>Rejects written by this sink so far.</summary>
    public long RejectCount { get; private set; }

    /// <summary>The code of the last reject, for sources that route rejected messages elsewhere too (a dead-letter topic).</summary>
    public string? LastRejectCode { get; private set; }

    public void Reject(string input, in RecordPosition position, RejectReason reason, string? detail)
    {
        if (!position.IsWholeInput)
        {
            _records++;
        }

        var code = reason.Code();
        RejectCount++;
        LastRejectCode = code;
        var where = position.ToString();
        if (_rejectWriter is null)
        {
            _rejectsRelative = $"_rejects/{_staged.BatchId}.jsonl";
            _rejectStream = new FileStream(_staged.Reserve(_rejectsRelative), FileMode.Create, FileAccess.Write, FileShare.None);
            _rejectWriter = new Utf8JsonWriter(_rejectStream, new JsonWriterOptions { SkipValidation = false });
        }

        _rejectWriter.Reset(_rejectStream!);
        _rejectWriter.WriteStartObject();
        _rejectWriter.WriteString("input", input);
        _rejectWriter.WriteString("position", where);
        _rejectWriter.WriteString("reason", code);
        if (detail is not null)
        {
            _rejectWriter.WriteString("detail", detail);
        }

        _rejectWriter.WriteEndObject();
        _rejectWriter.Flush();
        _rejectStream!.WriteByte((byte)'\n');
        _stats.Reject(code, $"{input} ({where}): {code}{(detail is null ? string.Empty : ": " + detail)}");
    }

    public void Skip(SkipKind kind)
    {
        if (kind == SkipKind.ControlMessage)
        {
            _stats.ControlMessage();
        }
        else
        {
            _stats.InsightRecord();
        }
    }

    public void Flush(PartitionKey key, TlsEventColumns rows)
    {
        _sequence.TryGetValue(key, out var seq);
        _sequence[key] = seq + 1;
        var relative = $"{key.RelativeDirectory}/part-{_staged.BatchId}-{seq.ToString("D4", CultureInfo.InvariantCulture)}.parquet";
        var path = _staged.Reserve(relative);
        var metadata = new Dictionary<string, string>
        {
            ["pipeline.batch"] = _staged.BatchId,
            ["pipeline.schema_version"] = Schema.TlsEventSchema.Version.ToString(CultureInfo.InvariantCulture),
        };
        var size = TlsEventParquetWriter.Write(path, rows, _parquet, metadata);
        _stats.FileWritten(rows.Count, size);
    }

    /// <summary>Adds the counts since the last call to the run's stats (per input, not per record: the stats are shared).</summary>
    public void PublishCounts()
    {
        _stats.AddRecords(_records);
        _stats.AddOutsideDateRange(_outsideDateRange);
        if (_repaired > 0)
        {
            _stats.AddRepaired(_repaired);
        }

        if (_truncated > 0)
        {
            _stats.AddTruncated(_truncated);
        }

        _records = 0;
        _outsideDateRange = 0;
        _repaired = 0;
        _truncated = 0;
    }

    /// <summary>Flushes what is buffered and closes the rejects file; the batch is then ready to commit.</summary>
    public void Complete()
    {
        PublishCounts();
        _buffers.FlushAll();
        if (_rejectStream is not null)
        {
            _rejectWriter!.Dispose();
            _rejectStream.Dispose();
            _rejectWriter = null;
            _rejectStream = null;
        }
    }

    public void Dispose()
    {
        _rejectWriter?.Dispose();
        _rejectStream?.Dispose();
        _buffers.Target = null;
    }
}
