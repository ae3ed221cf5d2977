using System.Text.Json.Serialization;

namespace Pipeline.Kinesis.Client;

/// <summary>A stream named by name or by ARN (one of the two).</summary>
public sealed record StreamRef(string? Name, string? Arn)
{
    /// <summary>Parses <c>NAME</c> or <c>arn:aws:kinesis:REGION:ACCOUNT:stream/NAME</c>.</summary>
    public static StreamRef Parse(string text) =>
        text.StartsWith("arn:", StringComparison.Ordinal) ? new StreamRef(null, text) : new StreamRef(text, null);

    /// <summary>The region an ARN names, or null.</summary>
    public string? ArnRegion => Arn?.Split(':') is { Length: > 5 } parts ? parts[3] : null;

    /// <summary>The stream's name (from the ARN when given as one).</summary>
    public string DisplayName => Name ?? Arn![(Arn!.LastIndexOf('/') + 1)..];

    public override string ToString() => Arn ?? Name!;
}

public sealed record HashKeyRange(string StartingHashKey, string EndingHashKey);

public sealed record SequenceNumberRange(string StartingSequenceNumber, string? EndingSequenceNumber);

/// <summary>A shard as ListShards describes it.</summary>
public sealed record Shard(
    string ShardId,
    string? ParentShardId,
    string? AdjacentParentShardId,
    HashKeyRange HashKeyRange,
    SequenceNumberRange SequenceNumberRange)
{
    /// <summary>The shard's parents (none, one after a split, two after a merge).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Parents =>
        [.. new[] { ParentShardId, AdjacentParentShardId }.Where(p => !string.IsNullOrEmpty(p)).Select(p => p!)];

    /// <summary>A closed shard (split or merged away) has an ending sequence number.</summary>
    [JsonIgnore]
    public bool IsClosed => SequenceNumberRange.EndingSequenceNumber is not null;
}

public sealed record ListShardsResponse(List<Shard>? Shards, string? NextToken);

public sealed record StreamDescriptionSummary(string StreamName, string StreamARN, string StreamStatus, int OpenShardCount, int RetentionPeriodHours);

public sealed record DescribeStreamSummaryResponse(StreamDescriptionSummary StreamDescriptionSummary);

public sealed record GetShardIteratorResponse(string ShardIterator);

/// <summary>One Kinesis record; <see cref="Data"/> is the decoded payload (base64 on the wire), valid until its response is disposed.</summary>
public sealed record KinesisRecord(string SequenceNumber, string PartitionKey, ReadOnlyMemory<byte> Data, double? ApproximateArrivalTimestamp);

public sealed record ChildShard(string ShardId, List<string> ParentShards);

/// <summary>
/// A GetRecords answer. The records' payloads are decoded into one buffer of the client's (a busy shard returns thousands of
/// records per call), which <see cref="Dispose"/> gives back: read the records before disposing.
/// </summary>
public sealed class GetRecordsResponse : IDisposable
{
    private readonly AnswerBuffers? _buffers;

    /// <summary>An answer whose payloads point into <paramref name="buffer"/>, given back to <paramref name="buffers"/> on dispose.</summary>
    internal GetRecordsResponse(List<KinesisRecord> records, string? nextShardIterator, long? millisBehindLatest, byte[]? buffer, AnswerBuffers? buffers)
    {
        Records = records;
        NextShardIterator = nextShardIterator;
        MillisBehindLatest = millisBehindLatest;
        _buffer = buffer;
        _buffers = buffers;
    }

    private byte[]? _buffer;
    private SemaphoreSlim? _slot;

    public List<KinesisRecord> Records { get; }

    /// <summary>Null once the shard is closed and read to its end.</summary>
    public string? NextShardIterator { get; }

    public long? MillisBehindLatest { get; }

    /// <summary>The client's answers-in-flight slot this answer holds until it is disposed.</summary>
    internal void HoldSlot(SemaphoreSlim slot) => _slot = slot;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } b)
        {
            _buffers?.Return(b);
        }

        Interlocked.Exchange(ref _slot, null)?.Release();
    }
}

public sealed record PutRecordsResultEntry(string? SequenceNumber, string? ShardId, string? ErrorCode, string? ErrorMessage);

public sealed record PutRecordsResponse(int FailedRecordCount, List<PutRecordsResultEntry> Records);

internal sealed record ErrorResponse(
    [property: JsonPropertyName("__type")] string? Type,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("Message")] string? MessageUpper);

/// <summary>Where a shard iterator starts.</summary>
public enum IteratorType
{
    TrimHorizon,
    Latest,
    AtTimestamp,
    AfterSequenceNumber,
    AtSequenceNumber,
}

[JsonSerializable(typeof(ListShardsResponse))]
[JsonSerializable(typeof(DescribeStreamSummaryResponse))]
[JsonSerializable(typeof(GetShardIteratorResponse))]
[JsonSerializable(typeof(PutRecordsResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class KinesisJson : JsonSerializerContext;
