namespace Pipeline.Sources.Streams;

/// <summary>
/// A lake in an object store for stream sources, where a batch must be uploaded before its checkpoint moves. Each
/// upload is preceded by an intent (the batch's keys and last position) stored next to the lake; the intent is
/// removed once the checkpoint moved. Whoever reads the partition next resolves leftover intents against the
/// checkpoint: a batch the checkpoint covers is kept, any other one's objects are deleted before the records are
/// read again, so the lake never holds a batch twice.
/// </summary>
public interface IRemoteLake
{
    /// <summary>Records the intent, then uploads the files to their lake-relative targets; returns once every object is complete.</summary>
    void Upload(string partition, string batchId, string lastPosition, IReadOnlyList<(string StagedPath, string Target)> files);

    /// <summary>The batch's checkpoint moved: drops the intent.</summary>
    void Commit(string partition, string batchId);

    /// <summary>The batch's checkpoint could not move: deletes its objects and the intent.</summary>
    void Abort(string partition, string batchId);

    /// <summary>Resolves the partition's leftover intents; returns (kept, deleted) batch counts.</summary>
    (int Kept, int Deleted) Recover(string partition, Func<string, bool> committed);
}
