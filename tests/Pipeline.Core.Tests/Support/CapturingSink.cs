using System.Text;
using Pipeline.Decoding;
using Pipeline.Projection;
using Pipeline.Schema;

namespace Pipeline.Tests.Support;

/// <summary>A projected row as plain values, for assertions.</summary>
internal sealed record Row(DateTime EventTime, long Account, IReadOnlyDictionary<string, string?> Values, int Repaired = 0)
{
    public string? this[string column] => Values[column];
}

/// <summary>A reject as the decoder reported it.</summary>
internal sealed record Reject(string Input, RecordPosition Position, RejectReason Reason, string? Detail);

/// <summary>Collects what the decoder emits.</summary>
internal sealed class CapturingSink : IRecordSink
{
    public List<Row> Rows { get; } = [];

    public List<Reject> Rejects { get; } = [];

    public Dictionary<SkipKind, int> Skips { get; } = [];

    public void Accept(ProjectedRow row, in RowKey key)
    {
        var values = new Dictionary<string, string?>();
        for (var c = 0; c < Col.Count; c++)
        {
            values[TlsEventSchema.StringColumns[c].Name] = row.Has(c) ? Encoding.UTF8.GetString(row.Get(c)) : null;
        }

        Rows.Add(new Row(key.EventTimeUtc, key.AccountId, values, row.Repaired));
    }

    public void Reject(string input, in RecordPosition position, RejectReason reason, string? detail) =>
        Rejects.Add(new Reject(input, position, reason, detail));

    public void Skip(SkipKind kind) => Skips[kind] = Skips.GetValueOrDefault(kind) + 1;

    public static CapturingSink Decode(byte[] bytes, string name = "test-input", long fallbackAccount = -1)
    {
        var sink = new CapturingSink();
        new RecordDecoder().Decode(new MemoryStream(bytes), new InputContext(name, fallbackAccount), sink);
        return sink;
    }

    public static CapturingSink DecodeMessage(byte[] bytes, string name = "test-message")
    {
        var sink = new CapturingSink();
        new RecordDecoder().DecodeMessage(bytes, new InputContext(name), sink);
        return sink;
    }
}
