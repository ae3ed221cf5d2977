using Microsoft.Extensions.Logging;

namespace Pipeline.Kinesis;

/// <summary>Log messages of the Kinesis source, with stable event IDs.</summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Information, "Reading stream {Stream} as worker {Worker} ({Mode}) into {Lake}")]
    public static partial void StreamStarting(ILogger logger, string stream, string worker, string mode, string lake);

    [LoggerMessage(2002, LogLevel.Information, "Shard {ShardId}: taken (checkpoint {Checkpoint})")]
    public static partial void ShardTaken(ILogger logger, string shardId, string checkpoint);

    [LoggerMessage(2003, LogLevel.Information, "Shard {ShardId}: read to its end")]
    public static partial void ShardEnded(ILogger logger, string shardId);

    [LoggerMessage(2004, LogLevel.Warning, "Shard {ShardId}: lease lost to another worker; its unflushed records are left to the new owner")]
    public static partial void LeaseLost(ILogger logger, string shardId);

    [LoggerMessage(2005, LogLevel.Information, "Shard {ShardId}: lease of {Owner} taken over (expired or rebalanced)")]
    public static partial void LeaseTakenOver(ILogger logger, string shardId, string owner);

    [LoggerMessage(2006, LogLevel.Debug, "Shard {ShardId}: checkpoint {Sequence} after {Records} records, {Files} files")]
    public static partial void Checkpointed(ILogger logger, string shardId, string sequence, int records, int files);

    [LoggerMessage(2007, LogLevel.Warning, "Shard {ShardId}: {Error}; retrying")]
    public static partial void ShardRetry(ILogger logger, string shardId, string error);

    [LoggerMessage(2008, LogLevel.Error, "Shard {ShardId}: failed; the lease is released and the shard retried from its checkpoint")]
    public static partial void ShardFailed(ILogger logger, string shardId, Exception exception);

    [LoggerMessage(2009, LogLevel.Information, "Shard {ShardId}: staging recovered ({Finished} committed batches finished, {Discarded} files discarded)")]
    public static partial void StagingRecovered(ILogger logger, string shardId, int finished, int discarded);

    [LoggerMessage(2010, LogLevel.Information, "Every shard caught up and idle for {Seconds} s: stopping")]
    public static partial void IdleStop(ILogger logger, double seconds);

    [LoggerMessage(2011, LogLevel.Warning, "Listing shards or leases failed: {Error}; retrying")]
    public static partial void CoordinatorRetry(ILogger logger, string error);

    [LoggerMessage(2012, LogLevel.Debug, "Shard {ShardId}: iterator expired; re-acquired after {Sequence}")]
    public static partial void IteratorExpired(ILogger logger, string shardId, string sequence);
}
