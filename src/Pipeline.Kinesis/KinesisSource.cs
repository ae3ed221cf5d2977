using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Logging;
using Pipeline.Buffers;
using Pipeline.Ingest;
using Pipeline.Kinesis.Client;
using Pipeline.Kinesis.Consumer;
using Pipeline.Kinesis.Leases;
using Pipeline.Lake;

namespace Pipeline.Kinesis;

/// <summary>
/// Builds a ready <see cref="KinesisIngest"/> from options: credentials from AWSSDK.Core's default chain (environment,
/// profile, web identity/IRSA, container and instance roles), the Kinesis client, and the lease store (DynamoDB when
/// a lease table is named, else the lake's local checkpoint file). The CLI and the worker both start streams here.
/// </summary>
public sealed class KinesisSource : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public KinesisSource(
        KinesisSourceOptions options, IngestOptions ingest, ILakeSink lake, TimeProvider time, ILoggerFactory loggers,
        AWSCredentials? credentials = null, HttpMessageHandler? kinesisHandler = null, MemoryBudget? budget = null)
    {
        var region = options.ResolveRegion();
        credentials ??= ResolveCredentials();
        Client = new KinesisClient(new KinesisClientOptions { Region = region, Endpoint = options.Endpoint, AnswersInFlight = options.AnswersInFlight }, credentials, kinesisHandler, time);
        _owned.Add(Client);

        string owner;
        if (options.LeaseTable is { } table)
        {
            var config = new AmazonDynamoDBConfig();
            if (options.DynamoDbEndpoint is { } endpoint)
            {
                config.ServiceURL = endpoint.ToString();
                config.AuthenticationRegion = region;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            }

            var dynamo = new AmazonDynamoDBClient(credentials, config);
            _owned.Add(dynamo);
            Store = new DynamoDbLeaseStore(dynamo, table, StreamRef.Parse(options.Stream).DisplayName);
            owner = options.ResolveWorkerId();
        }
        else
        {
            var local = new LocalLeaseStore(lake.Local.CheckpointsDirectory, StreamRef.Parse(options.Stream).DisplayName);
            _owned.Add(local);
            Store = local;
            owner = "local";
        }

        WorkerId = owner;
        Ingest = new KinesisIngest(options, ingest, Client, Store, owner, lake, time, loggers.CreateLogger<KinesisIngest>(), budget);
        _owned.Add(Ingest);
    }

    public KinesisClient Client { get; }

    public ILeaseStore Store { get; }

    public KinesisIngest Ingest { get; }

    public string WorkerId { get; }

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned))
        {
            d.Dispose();
        }
    }

    /// <summary>The default credential chain; a clear error when it finds nothing.</summary>
    public static AWSCredentials ResolveCredentials() => Pipeline.Aws.AwsDefaults.Credentials();

}
