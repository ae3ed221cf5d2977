using Pipeline.Ingest;
using Pipeline.Sources.Files;

namespace Pipeline.Sources;

/// <summary>Where archive inputs come from: a local file tree or an object store (the org trail's S3 bucket).</summary>
public interface IArchiveStore
{
    /// <summary>How the source is named in logs and errors.</summary>
    string Describe { get; }

    /// <summary>The inputs, in a stable order, pruned by delivery date where the layout allows.</summary>
    List<ArchiveInput> Scan(DateOnly? from, DateOnly? to, ScanCounts counts);

    /// <summary>Opens an input for reading. A failure that may pass (network) throws; the batch is then redone by a later run.</summary>
    Stream Open(ArchiveInput input);

    /// <summary>True when a read error means the input itself is unreadable (local files): it becomes a reject.</summary>
    bool ReadErrorsAreRejects { get; }
}

/// <summary>A file or directory tree on this machine.</summary>
public sealed class LocalArchiveStore(string source) : IArchiveStore
{
    public string Describe => source;

    public bool ReadErrorsAreRejects => true;

    public List<ArchiveInput> Scan(DateOnly? from, DateOnly? to, ScanCounts counts)
    {
        if (!File.Exists(source) && !Directory.Exists(source))
        {
            throw new IngestException($"source does not exist: {source}");
        }

        try
        {
            return ArchiveScanner.Scan(source, from, to, counts);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IngestException($"cannot list source {source}: {e.Message}", e);
        }
    }

    public Stream Open(ArchiveInput input) =>
        new FileStream(input.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
}
