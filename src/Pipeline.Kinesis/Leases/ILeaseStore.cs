using Pipeline.Kinesis.Client;

namespace Pipeline.Kinesis.Leases;

/// <summary>
/// A shard's lease: who reads it, how far it is durable in the lake, and whether it has been read to its end.
/// </summary>
/// <param name="ShardId">The shard.</param>
/// <param name="Owner">The worker holding it, or null when free.</param>
/// <param name="Counter">Bumped by every renewal and take-over; a counter that stops moving means a dead owner.</param>
/// <param name="Checkpoint">The last sequence number whose records are durable in the lake, or null.</param>
/// <param name="Ended">The shard is closed and was read to its end: its children may start.</param>
/// <param name="Parents">Parent shards, which must end before this one is read.</param>
public sealed record ShardLease(string ShardId, string? Owner, long Counter, string? Checkpoint, bool Ended, IReadOnlyList<string> Parents);

/// <summary>Where leases and checkpoints live: a local file (one process owns every shard) or a DynamoDB table.</summary>
public interface ILeaseStore
{
    /// <summary>True when several workers share the store (leases expire and move); false for the local file.</summary>
    bool IsShared { get; }

    /// <summary>Creates the backing table or file when missing.</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>Adds a free lease for every shard that has none.</summary>
    Task EnsureLeasesAsync(IReadOnlyList<Shard> shards, CancellationToken ct);

    Task<IReadOnlyList<ShardLease>> ListAsync(CancellationToken ct);

    /// <summary>Takes a lease if nobody changed it since <paramref name="seen"/> (its counter); null if someone did.</summary>
    Task<ShardLease?> TryTakeAsync(ShardLease seen, string owner, CancellationToken ct);

    /// <summary>Renews a held lease; null when it is no longer ours.</summary>
    Task<ShardLease?> TryRenewAsync(ShardLease held, CancellationToken ct);

    /// <summary>Moves the checkpoint if <paramref name="owner"/> still holds the lease; false when it does not.</summary>
    Task<bool> TryCheckpointAsync(string shardId, string owner, string? sequenceNumber, bool ended, CancellationToken ct);

    /// <summary>Gives a lease up (graceful shutdown) so another worker can take it at once.</summary>
    Task ReleaseAsync(string shardId, string owner, CancellationToken ct);
}

/// <summary>Sequence numbers are decimal strings of up to 128 bits: compared by length, then digit by digit.</summary>
public static class SequenceNumbers
{
    public static int Compare(string a, string b) =>
        a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
}
