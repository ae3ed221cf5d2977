using Pipeline.Kinesis.Client;

namespace Pipeline.Tests.Support;

/// <summary>Stream administration the tests need and the pipeline never does: resharding a stream under a running ingest.</summary>
internal static class KinesisReshard
{
    public static Task SplitShardAsync(this KinesisClient client, StreamRef stream, string shardId, string newStartingHashKey, CancellationToken ct) =>
        client.CallAsync<object>("SplitShard", w =>
        {
            KinesisClient.WriteStream(w, stream);
            w.WriteString("ShardToSplit", shardId);
            w.WriteString("NewStartingHashKey", newStartingHashKey);
        }, null, ct);

    public static Task MergeShardsAsync(this KinesisClient client, StreamRef stream, string shardId, string adjacentShardId, CancellationToken ct) =>
        client.CallAsync<object>("MergeShards", w =>
        {
            KinesisClient.WriteStream(w, stream);
            w.WriteString("ShardToMerge", shardId);
            w.WriteString("AdjacentShardToMerge", adjacentShardId);
        }, null, ct);
}
