namespace Pipeline.Lake;

/// <summary>Which inputs a lake already holds (an archive ingest's checkpoint).</summary>
public interface IInputCheckpoint
{
    bool IsDone(string key);

    /// <summary>Records inputs as done; returns once that is durable.</summary>
    void MarkDone(IEnumerable<(string BatchId, string Key)> entries);
}

/// <summary>Makes committed files visible in the table: a rename on a local disk, a completed upload in S3.</summary>
public interface ILakePublisher
{
    /// <summary>Publishes staged files at their lake-relative targets ('/'-separated); returns once they are durable and visible.</summary>
    void Publish(IReadOnlyList<(string StagedPath, string Target)> files);
}

/// <summary>Where an archive ingest writes: local staging, the checkpoint, and how files reach the table.</summary>
public interface ILakeTarget
{
    /// <summary>How the lake is named in logs and summaries.</summary>
    string Describe { get; }

    /// <summary>Local folders for staging (and, for a local lake, the table itself).</summary>
    LakeLayout Local { get; }

    IInputCheckpoint Checkpoint { get; }

    /// <summary>Null for a local lake (files are renamed into <see cref="Local"/>'s table).</summary>
    ILakePublisher? Publisher { get; }
}
