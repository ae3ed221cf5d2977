namespace Pipeline.Lake;

/// <summary>
/// A batch being written: its files go flat into a staging folder as <c>&lt;batch&gt;.&lt;n&gt;.*</c>, each
/// registered with its place in the table, until the batch is handed to the lake's <see cref="ILakeSink"/>. Opening
/// a batch removes whatever an earlier attempt of the same batch left, so a replay starts clean.
/// </summary>
internal sealed class StagedBatch
{
    private readonly List<StagedFile> _files = [];

    /// <param name="area">Where the batch is staged.</param>
    /// <param name="batchId">Names the staged files and, through the writer, the files in the table.</param>
    public StagedBatch(StagingArea area, string batchId)
    {
        Area = area;
        BatchId = batchId;
        System.IO.Directory.CreateDirectory(area.Directory);
        area.DeleteBatch(batchId);
    }

    public StagingArea Area { get; }

    public string BatchId { get; }

    public int FileCount => _files.Count;

    /// <summary>Registers a file that will become <paramref name="target"/> (lake-relative) and returns where to write it.</summary>
    public string Reserve(string target)
    {
        // Again at each file: a reader's idle folder may have been taken for an abandoned one and removed.
        System.IO.Directory.CreateDirectory(Area.Directory);
        var staged = $"{BatchId}.{_files.Count}{Path.GetExtension(target)}";
        _files.Add(new StagedFile(staged, target));
        return Path.Combine(Area.Directory, staged);
    }

    /// <summary>The batch's manifest, covering <paramref name="inputs"/>.</summary>
    public BatchManifest Manifest(IReadOnlyList<string> inputs) => new(BatchId, [.. _files], [.. inputs]);
}
