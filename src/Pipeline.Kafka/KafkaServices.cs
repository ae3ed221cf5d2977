using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Buffers;
using Pipeline.Ingest;
using Pipeline.Lake;

namespace Pipeline.Kafka;

/// <summary>Composition of the Kafka source, shared by the worker and the CLI.</summary>
public static class KafkaServices
{
    /// <summary>
    /// Adds the Kafka source (<see cref="KafkaIngest"/>) over the lake of <c>AddLake()</c>: options from the
    /// <c>Kafka</c> section, bound and validated once, at start.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configuration">Section <c>Kafka</c>.</param>
    /// <param name="configure">Applied after binding (the CLI's source URI and flags).</param>
    public static IServiceCollection AddKafkaIngest(this IServiceCollection services, IConfiguration configuration, Action<KafkaSourceOptions>? configure = null)
    {
        services.AddOptions<KafkaSourceOptions>().Bind(configuration.GetSection(KafkaSourceOptions.Section)).Configure(o => configure?.Invoke(o)).ValidateOnStart();
        services.AddKeyedValidator<KafkaSourceOptions, KafkaSourceOptionsValidator>(KafkaSourceOptions.Section);
        services.TryAddSingleton(sp => new KafkaIngest(
            sp.GetRequiredService<IOptions<KafkaSourceOptions>>().Value,
            sp.GetRequiredService<IOptions<IngestOptions>>().Value,
            sp.GetRequiredService<ILakeSink>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<KafkaIngest>>(),
            sp.GetRequiredService<MemoryBudget>()));
        return services;
    }
}
