using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Buffers;
using Pipeline.Ingest;
using Pipeline.Kinesis.Consumer;
using Pipeline.Lake;

namespace Pipeline.Kinesis;

/// <summary>The rules between fields of <see cref="KinesisSourceOptions"/>, and between them and the lake.</summary>
internal sealed class KinesisSourceRules(IServiceProvider services) : IValidateOptions<KinesisSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, KinesisSourceOptions options)
    {
        if (options.Start == StartPosition.AtTimestamp && options.StartTimestamp is null)
        {
            return ValidateOptionsResult.Fail("Kinesis:Start is AtTimestamp, so Kinesis:StartTimestamp is required");
        }

        if (options.LeaseTable is null && services.GetService<ILakeSink>() is { IsObjectStore: true } lake)
        {
            return ValidateOptionsResult.Fail(
                $"the lake {lake.Describe} is in S3, so Kinesis:LeaseTable is required: the checkpoints must outlive this machine, as the lake does");
        }

        return ValidateOptionsResult.Success;
    }
}

/// <summary>Composition of the Kinesis source, shared by the worker and the CLI.</summary>
public static class KinesisServices
{
    /// <summary>
    /// Adds the Kinesis source (<see cref="KinesisSource"/>) over the lake of <c>AddLake()</c>: options from the
    /// <c>Kinesis</c> section, bound and validated once, at start.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configuration">Section <c>Kinesis</c>.</param>
    /// <param name="configure">Applied after binding (the CLI's source URI and flags).</param>
    public static IServiceCollection AddKinesisIngest(this IServiceCollection services, IConfiguration configuration, Action<KinesisSourceOptions>? configure = null)
    {
        services.AddOptions<KinesisSourceOptions>().Bind(configuration.GetSection(KinesisSourceOptions.Section)).Configure(o => configure?.Invoke(o)).ValidateOnStart();
        services.AddKeyedValidator<KinesisSourceOptions, KinesisSourceOptionsValidator>(KinesisSourceOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KinesisSourceOptions>, KinesisSourceRules>());
        services.TryAddSingleton(sp => new KinesisSource(
            sp.GetRequiredService<IOptions<KinesisSourceOptions>>().Value,
            sp.GetRequiredService<IOptions<IngestOptions>>().Value,
            sp.GetRequiredService<ILakeSink>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            budget: sp.GetRequiredService<MemoryBudget>()));
        return services;
    }
}
