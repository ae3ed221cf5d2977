using System.ComponentModel.DataAnnotations;
using Amazon.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pipeline.Buffers;
using Pipeline.Ingest;
using Pipeline.Lake;

namespace Pipeline.S3;

/// <summary>Where a process writes: a lake folder or <c>s3://BUCKET/PREFIX</c>. Keys of the <c>Worker</c> section (the chart's).</summary>
public sealed class LakeOptions
{
    public const string Section = "Worker";

    /// <summary>The lake: a folder, or <c>s3://BUCKET/PREFIX</c> (what Athena reads).</summary>
    [Required(ErrorMessage = "Worker:Lake is required: a folder or s3://BUCKET/PREFIX")]
    public string Lake { get; set; } = string.Empty;

    /// <summary>An s3:// lake: the local folder where files are staged before they are uploaded; default under the temp folder.</summary>
    public string? Staging { get; set; }

    /// <summary>An s3:// lake: endpoint of an S3-compatible server (LocalStack, MinIO); default AWS in the region.</summary>
    public Uri? S3Endpoint { get; set; }

    /// <summary>An s3:// lake: its region; default <c>AWS_REGION</c>, then us-east-1.</summary>
    public string? S3Region { get; set; }

    /// <summary>Whether <see cref="Lake"/> is in S3.</summary>
    public bool IsS3 => Lake.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Source-generated validation of <see cref="LakeOptions"/>.</summary>
[OptionsValidator]
public sealed partial class LakeOptionsValidator : IValidateOptions<LakeOptions>;

/// <summary>An s3:// lake must name a bucket.</summary>
internal sealed class LakeLocationValidator : IValidateOptions<LakeOptions>
{
    public ValidateOptionsResult Validate(string? name, LakeOptions options)
    {
        if (!options.IsS3)
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            _ = S3ArchiveLocation.Parse(options.Lake);
            return ValidateOptionsResult.Success;
        }
        catch (FormatException e)
        {
            return ValidateOptionsResult.Fail($"Worker:Lake: {e.Message}");
        }
    }
}

/// <summary>The lake a process writes into, with the S3 client it owns for an s3:// lake.</summary>
internal sealed class LakeConnection : IDisposable
{
    private readonly AmazonS3Client? _client;

    public LakeConnection(IOptions<LakeOptions> options)
    {
        var o = options.Value;
        if (!o.IsS3)
        {
            Sink = new LocalLake(o.Lake);
            return;
        }

        _client = S3Clients.Create(o.S3Region, o.S3Endpoint);
        Sink = new S3Lake(_client, o.Lake, o.Staging);
    }

    public ILakeSink Sink { get; }

    public void Dispose() => _client?.Dispose();
}

/// <summary>Composition of the lake side, shared by the worker and the CLI.</summary>
public static class LakeServices
{
    /// <summary>
    /// Adds the lake (<see cref="ILakeSink"/>: a folder or S3), the ingest options (section <c>Ingest</c>) and the
    /// process's one <see cref="MemoryBudget"/>, each option bound and validated once, at start.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configuration">Sections <c>Worker</c> (the lake) and <c>Ingest</c>.</param>
    /// <param name="configureLake">Applied after binding (the CLI's flags).</param>
    /// <param name="configureIngest">Applied after binding (the CLI's flags).</param>
    public static IServiceCollection AddLake(
        this IServiceCollection services, IConfiguration configuration, Action<LakeOptions>? configureLake = null, Action<IngestOptions>? configureIngest = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<LakeOptions>().Bind(configuration.GetSection(LakeOptions.Section)).Configure(o => configureLake?.Invoke(o)).ValidateOnStart();
        services.AddKeyedValidator<LakeOptions, LakeOptionsValidator>(LakeOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LakeOptions>, LakeLocationValidator>());
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.Section)).Configure(o => configureIngest?.Invoke(o)).ValidateOnStart();
        services.AddKeyedValidator<IngestOptions, IngestOptionsValidator>(IngestOptions.Section);
        services.TryAddSingleton(sp => MemoryBudget.FromMiB(sp.GetRequiredService<IOptions<IngestOptions>>().Value.MemoryBudgetMiB));
        services.TryAddSingleton<LakeConnection>();
        services.TryAddSingleton(sp => sp.GetRequiredService<LakeConnection>().Sink);
        return services;
    }
}
