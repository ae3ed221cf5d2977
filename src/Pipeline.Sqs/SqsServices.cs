using Amazon;
using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Buffers;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.S3;

namespace Pipeline.Sqs;

/// <summary>The SQS client of the queue and the S3 client of the objects, owned by the container.</summary>
internal sealed class SqsConnection : IDisposable
{
    public SqsConnection(IOptions<SqsSourceOptions> options)
    {
        var o = options.Value;
        var region = o.ResolveRegion();
        var config = new AmazonSQSConfig();
        if (o.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        Sqs = new AmazonSQSClient(config);
        S3 = S3Clients.Create(o.S3Region ?? region, o.S3Endpoint);
    }

    public AmazonSQSClient Sqs { get; }

    public AmazonS3Client S3 { get; }

    public void Dispose()
    {
        Sqs.Dispose();
        S3.Dispose();
    }
}

/// <summary>Composition of the SQS source, shared by the worker and the CLI.</summary>
public static class SqsServices
{
    /// <summary>
    /// Adds the SQS source (<see cref="SqsIngest"/>) over the lake of <c>AddLake()</c>: options from the <c>Sqs</c>
    /// section, bound and validated once, at start.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configuration">Section <c>Sqs</c>.</param>
    /// <param name="configure">Applied after binding (the CLI's source URI and flags).</param>
    public static IServiceCollection AddSqsIngest(this IServiceCollection services, IConfiguration configuration, Action<SqsSourceOptions>? configure = null)
    {
        services.AddOptions<SqsSourceOptions>().Bind(configuration.GetSection(SqsSourceOptions.Section)).Configure(o => configure?.Invoke(o)).ValidateOnStart();
        services.AddKeyedValidator<SqsSourceOptions, SqsSourceOptionsValidator>(SqsSourceOptions.Section);
        services.TryAddSingleton<SqsConnection>();
        services.TryAddSingleton(sp => new SqsIngest(
            sp.GetRequiredService<IOptions<SqsSourceOptions>>().Value,
            sp.GetRequiredService<IOptions<IngestOptions>>().Value,
            sp.GetRequiredService<ILakeSink>(),
            sp.GetRequiredService<SqsConnection>().Sqs,
            sp.GetRequiredService<SqsConnection>().S3,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SqsIngest>>(),
            sp.GetRequiredService<MemoryBudget>()));
        return services;
    }
}
