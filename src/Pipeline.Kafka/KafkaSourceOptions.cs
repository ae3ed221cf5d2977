using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Pipeline.Kafka;

/// <summary>
/// A Kafka source: brokers, topic, consumer group, librdkafka settings passed through (SASL/TLS for MSK, …), flush
/// policy. Bound from the <c>Kafka</c> configuration section or parsed from a <c>kafka://</c> URI; validated at start.
/// </summary>
public sealed class KafkaSourceOptions
{
    public const string Section = "Kafka";

    /// <summary>Bootstrap servers, <c>host:port,host:port</c>.</summary>
    [Required]
    public string BootstrapServers { get; set; } = string.Empty;

    /// <summary>The topic CloudTrail arrives on.</summary>
    [Required]
    public string Topic { get; set; } = string.Empty;

    /// <summary>Consumer group: run N workers with the same group and Kafka assigns them partitions.</summary>
    [Required]
    public string Group { get; set; } = "pipeline";

    /// <summary>Any librdkafka setting (e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>, <c>group.protocol</c>).</summary>
    public Dictionary<string, string> Settings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Topic that gets rejected messages as they were, with the reason in headers; none: rejects file only.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>Flush the consumer's batch (all its partitions) once it is this old.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan FlushAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Flush the consumer's batch once it holds this many MiB of messages.</summary>
    [Range(1, 4096)]
    public int FlushMiB { get; set; } = 64;

    /// <summary>Exit once every assigned partition is at its end and idle this long; none: run until stopped.</summary>
    public TimeSpan? UntilIdle { get; set; }

    /// <summary>
    /// Parses <c>kafka://HOST:PORT[,HOST:PORT…]/TOPIC?group=G&amp;dead-letter-topic=T&amp;KEY=VALUE…</c>, where
    /// any other KEY is a librdkafka setting (<c>security.protocol=SASL_SSL</c>, <c>sasl.mechanism=…</c>).
    /// </summary>
    public static KafkaSourceOptions FromUri(string source)
    {
        var options = new KafkaSourceOptions();
        options.ApplyUri(source);
        return options;
    }

    /// <summary>Sets what a <c>kafka://</c> source URI names (see <see cref="FromUri"/>) on these options.</summary>
    public void ApplyUri(string source)
    {
        const string scheme = "kafka://";
        if (!source.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"not a kafka:// source: {source}");
        }

        var rest = source[scheme.Length..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? rest : rest[..q];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == path.Length - 1)
        {
            throw new FormatException("kafka:// source needs brokers and a topic: kafka://HOST:PORT[,HOST:PORT]/TOPIC?group=NAME");
        }

        foreach (var broker in path[..slash].Split(','))
        {
            // librdkafka takes "host:notaport" and retries it forever, ~19 warnings a second: refuse it here.
            var colon = broker.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(broker.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException($"kafka:// broker '{broker}' is not HOST:PORT with a port from 1 to 65535");
            }
        }

        BootstrapServers = path[..slash];
        Topic = Uri.UnescapeDataString(path[(slash + 1)..]);
        if (q >= 0)
        {
            foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new FormatException($"kafka:// parameter '{pair}' has no value");
                }

                var name = Uri.UnescapeDataString(pair[..eq]);
                var value = Uri.UnescapeDataString(pair[(eq + 1)..]);
                switch (name)
                {
                    case "group": Group = value; break;
                    case "dead-letter-topic": DeadLetterTopic = value; break;
                    default: Settings[name] = value; break;
                }
            }
        }
    }

    /// <summary>The host name of this process, for client IDs.</summary>
    public static string ClientId => $"pipeline-{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>Source-generated validation of <see cref="KafkaSourceOptions"/>.</summary>
[OptionsValidator]
public sealed partial class KafkaSourceOptionsValidator : IValidateOptions<KafkaSourceOptions>;
