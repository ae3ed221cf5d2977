using Pipeline.Kafka;
using Pipeline.Kinesis;
using Pipeline.Sqs;

namespace Pipeline.Worker.Hosting;

/// <summary>What the hosted service runs: one configured source.</summary>
internal interface IWorkerSource
{
    /// <summary>Reads until stopped (flushing and checkpointing on the way out) or idle; throws when it cannot go on.</summary>
    Task<long> RunAsync(CancellationToken stop);

    /// <summary>True once the source listed its shards or got its partitions (readiness).</summary>
    bool Started { get; }

    /// <summary>Shards or partitions read now.</summary>
    int Units { get; }

    long EventsWritten { get; }
}

/// <summary>The end of a source's run, the same for every source.</summary>
internal static class WorkerSources
{
    /// <summary>Events written; what was not written at stop is read again later, but the exit says so (code 1).</summary>
    public static long Written(Pipeline.Ingest.IngestStats stats, IReadOnlyList<string> unwritten, string again) =>
        unwritten.Count == 0
            ? stats.EventsWritten
            : throw new Pipeline.Ingest.IngestException($"not written at stop ({again}): " + string.Join("; ", unwritten));
}

/// <summary>A Kinesis stream.</summary>
internal sealed class KinesisWorkerSource(KinesisSource source) : IWorkerSource
{
    public bool Started => source.Ingest.Started;

    public int Units => source.Ingest.HeldLeases;

    public long EventsWritten => source.Ingest.Stats.Ingest.EventsWritten;

    public async Task<long> RunAsync(CancellationToken stop)
    {
        var result = await source.Ingest.RunAsync(stop).ConfigureAwait(false);
        return WorkerSources.Written(result.Stats.Ingest, result.Unwritten, "read again by the shard's next owner");
    }
}

/// <summary>A Kafka topic.</summary>
internal sealed class KafkaWorkerSource(KafkaIngest ingest) : IWorkerSource
{
    public bool Started => ingest.Started;

    public int Units => ingest.Stats.Held.Count;

    public long EventsWritten => ingest.Stats.Ingest.EventsWritten;

    public async Task<long> RunAsync(CancellationToken stop)
    {
        var result = await ingest.RunAsync(stop).ConfigureAwait(false);
        return WorkerSources.Written(result.Stats.Ingest, result.Unwritten, "read again from the committed offset");
    }
}

/// <summary>An SQS queue of new-object notifications.</summary>
internal sealed class SqsWorkerSource(SqsIngest ingest) : IWorkerSource
{
    public bool Started => ingest.Started;

    public int Units => ingest.Stats.Held.Count;

    public long EventsWritten => ingest.Stats.Ingest.EventsWritten;

    public async Task<long> RunAsync(CancellationToken stop)
    {
        var result = await ingest.RunAsync(stop).ConfigureAwait(false);
        return WorkerSources.Written(result.Stats.Ingest, result.Unwritten, "their messages are delivered again");
    }
}
