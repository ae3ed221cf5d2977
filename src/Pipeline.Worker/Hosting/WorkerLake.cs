using Amazon.S3;
using Microsoft.Extensions.Options;
using Pipeline.S3;
using Pipeline.Lake;

namespace Pipeline.Worker.Hosting;

/// <summary>
/// Where the worker's files go: the lake folder itself, or, for an s3:// lake, a local staging folder whose batches
/// are uploaded (objects complete before the checkpoint moves).
/// </summary>
internal sealed class WorkerLake : IDisposable
{
    private readonly AmazonS3Client? _client;

    public WorkerLake(IOptions<WorkerOptions> options)
    {
        var o = options.Value;
        if (!o.IsS3Lake)
        {
            Sink = new LocalLake(o.Lake);
            return;
        }

        _client = S3Clients.Create(null, o.S3Endpoint);
        Sink = new S3Lake(_client, o.Lake, o.Staging);
    }

    /// <summary>The lake the source writes into: a folder, or S3 (staging in a local folder).</summary>
    public ILakeSink Sink { get; }

    public void Dispose() => _client?.Dispose();
}
