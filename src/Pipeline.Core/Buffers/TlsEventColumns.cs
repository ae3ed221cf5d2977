using Pipeline.Schema;

namespace Pipeline.Buffers;

/// <summary>Rows of one partition held column by column, ready to become a Parquet row group.</summary>
internal sealed class TlsEventColumns
{
    private DateTime[] _eventTime;
    private readonly string?[][] _strings = new string?[Col.Count][];

    public TlsEventColumns(int capacity = 256)
    {
        _eventTime = new DateTime[capacity];
        for (var c = 0; c < Col.Count; c++)
        {
            _strings[c] = new string?[capacity];
        }
    }

    public int Count { get; private set; }

    /// <summary>Estimated bytes held (arrays plus non-shared strings).</summary>
    public long EstimatedBytes { get; private set; }

    public ReadOnlySpan<DateTime> EventTime => _eventTime.AsSpan(0, Count);

    public string?[] StringArray(int column) => _strings[column];

    /// <summary>Appends a row; returns the bytes it added to the estimate.</summary>
    public long Append(DateTime eventTime, ReadOnlySpan<string?> values, long uniqueBytes)
    {
        if (Count == _eventTime.Length)
        {
            Grow();
        }

        _eventTime[Count] = eventTime;
        for (var c = 0; c < Col.Count; c++)
        {
            _strings[c][Count] = values[c];
        }

        Count++;
        var added = BytesPerRow + uniqueBytes;
        EstimatedBytes += added;
        return added;
    }

    /// <summary>Array slots per row: the timestamp and one reference per string column.</summary>
    public const int BytesPerRow = 8 + (8 * Col.Count);

    private void Grow()
    {
        var size = _eventTime.Length * 2;
        Array.Resize(ref _eventTime, size);
        for (var c = 0; c < Col.Count; c++)
        {
            Array.Resize(ref _strings[c], size);
        }

        // The arrays doubled; the estimate counts what the rows use, the slack is bounded by 2x.
    }
}
