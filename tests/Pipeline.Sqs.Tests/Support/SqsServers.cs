using Amazon.SQS;

namespace Pipeline.Tests.Support;

/// <summary>fauxqs (SQS) beside s3rver (the trail's bucket and S3 lakes), started once for this assembly on 127.0.0.1.</summary>
public sealed class SqsServers : IAsyncLifetime
{
    public LocalAws Aws { get; } = new();

    public Uri SqsEndpoint { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Aws.InitializeAsync();
        SqsEndpoint = await Aws.StartFauxqsAsync();
    }

    public Task DisposeAsync() => Aws.DisposeAsync();

    /// <summary>A client of fauxqs with the static credentials.</summary>
    public AmazonSQSClient SqsClient() => new(LocalAws.Credentials, new AmazonSQSConfig { ServiceURL = SqsEndpoint.ToString(), AuthenticationRegion = "us-east-1" });
}

/// <summary>Tests of this assembly that share the servers.</summary>
[CollectionDefinition(Name)]
public sealed class SqsCollection : ICollectionFixture<SqsServers>
{
    public const string Name = "sqs";
}
