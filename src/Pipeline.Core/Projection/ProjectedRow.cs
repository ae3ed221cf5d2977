using System.Buffers;
using Pipeline.Schema;

namespace Pipeline.Projection;

/// <summary>
/// One record's projected fields as unescaped UTF-8 slices of a reusable scratch buffer.
/// Reset per record; nothing here allocates on the hot path once the scratch has grown.
/// </summary>
internal sealed class ProjectedRow
{
    // Slots beyond the schema's string columns.
    internal const int EventTime = Col.Count;
    internal const int Recipient = Col.Count + 1;
    internal const int DetailType = Col.Count + 2;
    internal const int MessageType = Col.Count + 3;
    internal const int SlotCount = Col.Count + 4;

    private readonly int[] _offset = new int[SlotCount];
    private readonly int[] _length = new int[SlotCount];
    private byte[] _scratch = new byte[4096];
    private int _used;

    /// <summary>Scratch for unescaping property names.</summary>
    public byte[] NameBuffer { get; } = new byte[64];

    /// <summary>Range of the <c>detail</c> object in the reader's buffer (EventBridge), or -1.</summary>
    public long DetailStart { get; set; } = -1;

    /// <summary>End (exclusive) of the <c>detail</c> object.</summary>
    public long DetailEnd { get; set; }

    /// <summary>Range of the <c>logEvents</c> array in the reader's buffer (CloudWatch Logs), or -1.</summary>
    public long LogEventsStart { get; set; } = -1;

    /// <summary>End (exclusive) of the <c>logEvents</c> array.</summary>
    public long LogEventsEnd { get; set; }

    /// <summary>Range of a <c>CloudTrailEvent</c> string's raw content (lookup-events), or -1.</summary>
    public long EmbeddedStart { get; set; } = -1;

    /// <summary>End (exclusive) of the <c>CloudTrailEvent</c> string's raw content.</summary>
    public long EmbeddedEnd { get; set; }

    /// <summary>
    /// Set by the decoder when all the bytes the record is read from are known to be valid UTF-8 (checked once per
    /// window, at vector speed), so strings need no check of their own. Not cleared by <see cref="Reset"/>.
    /// </summary>
    public bool Utf8Checked { get; set; }

    /// <summary>Longest string value stored in the lake; a longer one is cut (on a character boundary) and ends in "…".</summary>
    public const int MaxValueBytes = 8 * 1024;

    /// <summary>String values of this record cut to <see cref="MaxValueBytes"/>.</summary>
    public int Truncated { get; set; }

    /// <summary>String values of this record stored with U+FFFD for invalid UTF-8 or a lone surrogate.</summary>
    public int Repaired { get; set; }

    /// <summary>True when <c>eventTime</c> was present but not a string.</summary>
    public bool EventTimeWrongType { get; set; }

    public void Reset()
    {
        Array.Fill(_length, -1);
        _used = 0;
        DetailStart = -1;
        LogEventsStart = -1;
        EmbeddedStart = -1;
        Repaired = 0;
        Truncated = 0;
        EventTimeWrongType = false;
    }

    public bool Has(int slot) => _length[slot] >= 0;

    public ReadOnlySpan<byte> Get(int slot)
    {
        var len = _length[slot];
        return len < 0 ? default : _scratch.AsSpan(_offset[slot], len);
    }

    /// <summary>Reserves <paramref name="maxBytes"/> for a slot; commit with <see cref="Commit"/>.</summary>
    public Span<byte> Reserve(int maxBytes)
    {
        if (_used + maxBytes > _scratch.Length)
        {
            var bigger = new byte[Math.Max(_scratch.Length * 2, _used + maxBytes)];
            _scratch.AsSpan(0, _used).CopyTo(bigger);
            _scratch = bigger;
        }

        return _scratch.AsSpan(_used, maxBytes);
    }

    public void Commit(int slot, int written)
    {
        _offset[slot] = _used;
        _length[slot] = written;
        _used += written;
    }

    public void Set(int slot, ReadOnlySpan<byte> value)
    {
        value.CopyTo(Reserve(value.Length));
        Commit(slot, value.Length);
    }

    public void Clear(int slot) => _length[slot] = -1;

    /// <summary>Cuts a slot longer than <see cref="MaxValueBytes"/> at a UTF-8 character boundary and marks the cut with "…".</summary>
    public void Cap(int slot)
    {
        if (_length[slot] <= MaxValueBytes)
        {
            return;
        }

        var value = _scratch.AsSpan(_offset[slot], _length[slot]);
        var cut = MaxValueBytes - 3;
        while (cut > 0 && (value[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        "…"u8.CopyTo(value[cut..]);
        _length[slot] = cut + 3;
        Truncated++;
    }

    internal static readonly SearchValues<byte> Digits = SearchValues.Create("0123456789"u8);
}
