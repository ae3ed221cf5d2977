using Pipeline.Kinesis.Client;
using Testcontainers.LocalStack;

namespace Pipeline.Kinesis.Tests.Consumer;

/// <summary>The stream scenarios against LocalStack's Kinesis and DynamoDB, where Docker exists.</summary>
public sealed class LocalStackTests
{
    [SkippableFact]
    public async Task RunAsync_LocalStackWithLeaseTable_EveryEventOnce()
    {
        Skip.If(DockerProbe.UnavailableReason is not null, DockerProbe.UnavailableReason);
        await using var localstack = new LocalStackBuilder("localstack/localstack:4").Build();
        await localstack.StartAsync();
        var endpoint = new Uri(localstack.GetConnectionString());
        var aws = new EndpointsOnly(endpoint);
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("ls");
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = endpoint }, LocalAws.Credentials);
        await client.CreateStreamAsync(name, 2, CancellationToken.None);
        await client.WaitForActiveAsync(new StreamRef(name, null), TimeSpan.FromSeconds(60), CancellationToken.None);
        var feeder = new StreamFeeder(client, new StreamRef(name, null));
        await feeder.PutMixedAsync(2_000);

        var options = StreamHarness.Options(aws.Servers, name, "leases-" + name);
        await StreamHarness.RunAsync(options, tmp.Path);

        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
    }

    /// <summary>LocalStack serves Kinesis and DynamoDB on one endpoint.</summary>
    private sealed class EndpointsOnly(Uri endpoint)
    {
        public LocalAws Servers { get; } = LocalAws.At(endpoint, endpoint);
    }
}
