using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Pipeline.Tests.Support;

/// <summary>
/// A trail bucket in s3rver and the queue of its notifications in fauxqs, for one test: CloudTrail log files are put
/// as the org trail lays them out, and notifications of them sent in whatever form a test needs.
/// </summary>
public sealed class TrailQueue : IDisposable
{
    private readonly LocalAws _aws;
    private readonly Uri _sqsEndpoint;
    private int _files;

    private TrailQueue(LocalAws aws, Uri sqsEndpoint, AmazonS3Client s3, AmazonSQSClient sqs, string bucket, string queueName, string queueUrl)
    {
        _aws = aws;
        _sqsEndpoint = sqsEndpoint;
        S3 = s3;
        Sqs = sqs;
        Bucket = bucket;
        QueueName = queueName;
        QueueUrl = queueUrl;
    }

    public AmazonS3Client S3 { get; }

    public AmazonSQSClient Sqs { get; }

    public string Bucket { get; }

    public string QueueName { get; }

    public string QueueUrl { get; }

    /// <summary>Every event ID put so far.</summary>
    public List<string> EventIds { get; } = [];

    /// <summary>The CLI's source URI for this queue.</summary>
    public string Source => $"sqs://{QueueName}?region=us-east-1&endpoint={_sqsEndpoint}";

    /// <summary>The SQS endpoint (fauxqs).</summary>
    public Uri SqsEndpoint => _sqsEndpoint;

    /// <summary>The S3 endpoint of the trail's bucket (s3rver).</summary>
    public Uri S3Endpoint => _aws.S3Endpoint;

    public static async Task<TrailQueue> CreateAsync(LocalAws aws, Uri sqsEndpoint, string name)
    {
        var s3 = aws.S3Client();
        var sqs = new AmazonSQSClient(LocalAws.Credentials, new AmazonSQSConfig { ServiceURL = sqsEndpoint.ToString(), AuthenticationRegion = "us-east-1" });
        var bucket = await LocalAws.NewBucketAsync(s3, "trail");
        var queueName = name + "-" + Guid.NewGuid().ToString("N")[..8];
        var url = (await sqs.CreateQueueAsync(queueName)).QueueUrl;
        return new TrailQueue(aws, sqsEndpoint, s3, sqs, bucket, queueName, url);
    }

    /// <summary>The args of <c>pipeline ingest</c> from this queue into <paramref name="lake"/>.</summary>
    public string[] IngestArgs(string lake, params string[] more) =>
        ["ingest", "--source", Source, "--endpoint", _aws.S3Endpoint.ToString(), "--lake", lake, .. more];

    /// <summary>Puts a gzip CloudTrail log file of <paramref name="events"/> new events of <paramref name="account"/> and returns its key.</summary>
    public async Task<string> PutLogFileAsync(int events, string account = "111122223333", string? key = null)
    {
        var n = Interlocked.Increment(ref _files);
        key ??= string.Create(
            CultureInfo.InvariantCulture,
            $"AWSLogs/o-aa111bb222/{account}/CloudTrail/us-east-1/2026/11/30/{account}_CloudTrail_us-east-1_20261130T1205Z_f{n:D4}.json.gz");
        var records = Enumerable.Range(0, events).Select(i =>
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"{QueueName}-f{n}-e{i}");
            lock (EventIds)
            {
                EventIds.Add(id);
            }

            return Records.Record(id, time: "2026-11-30T12:04:00Z", account: account, tls: i % 3 == 0 ? "TLSv1" : "TLSv1.2");
        }).ToArray();
        await PutAsync(key, Records.Gzip(Records.LogFile(records)));
        return key;
    }

    public async Task PutAsync(string key, byte[] body) =>
        await S3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(body), UseChunkEncoding = false });

    public async Task SendAsync(string body) => await Sqs.SendMessageAsync(QueueUrl, body);

    /// <summary>Messages on the queue, visible or in flight.</summary>
    public async Task<int> CountAsync()
    {
        var a = await Sqs.GetQueueAttributesAsync(QueueUrl, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]);
        return a.ApproximateNumberOfMessages + a.ApproximateNumberOfMessagesNotVisible + a.ApproximateNumberOfMessagesDelayed;
    }

    public void Dispose()
    {
        S3.Dispose();
        Sqs.Dispose();
    }
}
