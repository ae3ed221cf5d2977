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

/// <summary>A Kinesis stream.</summary>
internal sealed class KinesisWorkerSource(KinesisSource source) : IWorkerSource
{
    public bool Started => source.Ingest.Started;

    public int Units => source.Ingest.HeldLeases;

    public long EventsWritten => source.Ingest.Stats.Ingest.EventsWritten;

    public async Task<long> RunAsync(CancellationToken stop)
    {
        var result = await source.Ingest.RunAsync(stop).ConfigureAwait(false);

        // A final batch that could not be committed is read again by the next owner, but the exit says so.
        return result.Unwritten.Count == 0
            ? result.Stats.Ingest.EventsWritten
            : throw new Pipeline.Ingest.IngestException("not written at stop: " + string.Join("; ", result.Unwritten));
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

        // A final batch that could not be committed is read again by the next owner, but the exit says so.
        return result.Unwritten.Count == 0
            ? result.Stats.Ingest.EventsWritten
            : throw new Pipeline.Ingest.IngestException("not written at stop: " + string.Join("; ", result.Unwritten));
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

        // Objects that could not be read or written stay on the queue and come back; the exit says so.
        return result.Unwritten.Count == 0
            ? result.Stats.Ingest.EventsWritten
            : throw new Pipeline.Ingest.IngestException("not written at stop (their messages are delivered again): " + string.Join("; ", result.Unwritten));
    }
}
