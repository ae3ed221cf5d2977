using Amazon.S3;
using Microsoft.Extensions.Options;
using Pipeline.S3;
using Pipeline.Sources.Streams;

namespace Pipeline.Worker.Hosting;

/// <summary>
/// Where the worker's files go: the lake folder itself, or, for an s3:// lake, a local staging folder whose batches
/// are uploaded (objects complete before the checkpoint moves) through <see cref="Remote"/>.
/// </summary>
internal sealed class WorkerLake : IDisposable
{
    private readonly AmazonS3Client? _client;

    public WorkerLake(IOptions<WorkerOptions> options)
    {
        var o = options.Value;
        if (!o.IsS3Lake)
        {
            Root = o.Lake;
            return;
        }

        _client = S3Clients.Create(null, o.S3Endpoint);
        var lake = new S3Lake(_client, o.Lake, o.Staging);
        Remote = lake;
        Root = lake.Local.Root;
    }

    /// <summary>The folder the source writes and checkpoints into.</summary>
    public string Root { get; }

    /// <summary>The S3 lake the files are published to, or null for a local lake.</summary>
    public IRemoteLake? Remote { get; }

    public void Dispose() => _client?.Dispose();
}
