using Pipeline.Ingest;
using Pipeline.Sources.Files;

namespace Pipeline.Sources;

/// <summary>Where archive inputs come from: a local file tree or an object store (the org trail's S3 bucket).</summary>
public interface IArchiveStore
{
    /// <summary>How the source is named in logs and errors.</summary>
    string Describe { get; }

    /// <summary>The inputs, in a stable order, pruned by delivery date where the layout allows.</summary>
    Task<List<ArchiveInput>> ScanAsync(DateOnly? firstDay, DateOnly? lastDay, ScanCounts counts, CancellationToken cancellationToken);

    /// <summary>
    /// Opens an input for reading. A failure to open it (I/O, permissions, the object store's errors after its own
    /// retries) is an <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>: it says nothing of the
    /// content, so the input is retried and, if it still fails, left unchecked for the next run, never rejected.
    /// </summary>
    Task<Stream> OpenAsync(ArchiveInput input, CancellationToken cancellationToken);
}

/// <summary>A file or directory tree on this machine.</summary>
public sealed class LocalArchiveStore(string source) : IArchiveStore
{
    public string Describe => source;

    public Task<List<ArchiveInput>> ScanAsync(DateOnly? firstDay, DateOnly? lastDay, ScanCounts counts, CancellationToken cancellationToken)
    {
        if (!File.Exists(source) && !Directory.Exists(source))
        {
            throw new IngestException($"source does not exist: {source}");
        }

        try
        {
            return Task.FromResult(ArchiveScanner.Scan(source, firstDay, lastDay, counts));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IngestException($"cannot list source {source}: {e.Message}", e);
        }
    }

    public Task<Stream> OpenAsync(ArchiveInput input, CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new FileStream(input.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));
}
