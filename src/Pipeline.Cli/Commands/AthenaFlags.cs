using System.CommandLine;
using Pipeline.Athena;
using Pipeline.Athena.Client;
using Pipeline.Aws;

namespace Pipeline.Cli.Commands;

/// <summary>The flags that say where Athena runs, shared by <c>report --engine athena</c> and <c>schema athena --apply</c>.</summary>
internal sealed class AthenaFlags
{
    public Option<string?> Workgroup { get; } = new("--workgroup") { Description = "athena: the workgroup (default primary)." };

    public Option<string?> Database { get; } = new("--database") { Description = "athena: the database holding tls_events and the views (default pipeline)." };

    public Option<string?> OutputLocation { get; } = new("--output-location") { Description = "athena: s3:// folder for query results (default: the workgroup's)." };

    public Option<string?> Region { get; } = new("--region") { Description = "athena: the region (default AWS_REGION, AWS_DEFAULT_REGION, us-east-1)." };

    public Option<decimal?> UsdPerTb { get; } = new("--usd-per-tb") { Description = "athena: price per TB scanned, for the cost estimates (default 5)." };

    public Option<string?> S3Endpoint { get; } = new("--s3-endpoint") { Description = "athena: endpoint of an S3-compatible server for s3:// locations other than Athena's." };

    public IEnumerable<Option> All => [Workgroup, Database, OutputLocation, Region, UsdPerTb, S3Endpoint];

    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The first of these flags given on the command line, or null (to refuse them where Athena is not used).</summary>
    public Option? FirstGiven(ParseResult parse) => All.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });

    /// <summary>The Athena settings, validated.</summary>
    public AthenaOptions Options(ParseResult parse)
    {
        var options = new AthenaOptions
        {
            Workgroup = parse.GetValue(Workgroup) ?? "primary",
            Database = parse.GetValue(Database) ?? "pipeline",
            OutputLocation = parse.GetValue(OutputLocation),
            UsdPerTerabyte = parse.GetValue(UsdPerTb) ?? 5m,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        return options;
    }

    /// <summary>The Athena client: the region given or the environment's, the endpoint <paramref name="endpoint"/> or Athena's own.</summary>
    public AthenaClient Client(ParseResult parse, string? endpoint) =>
        new(new AthenaClientOptions { Region = AwsDefaults.Region(parse.GetValue(Region)), Endpoint = Url(endpoint, "--endpoint") }, AwsDefaults.Credentials());

    /// <summary>An Athena API failure in one line; an unreachable endpoint says what to check.</summary>
    public static string Describe(AthenaException e) => e.ErrorCode == AthenaException.Network
        ? $"could not reach Athena ({e.Operation}): {e.Message[(e.Message.IndexOf(": NetworkError: ", StringComparison.Ordinal) + ": NetworkError: ".Length)..].Split(" (HTTP", 2)[0]} (check --endpoint, --region and the network)"
        : e.Message;

    /// <summary>The S3 endpoint for s3:// locations read or written beside Athena.</summary>
    public Uri? S3(ParseResult parse) => Url(parse.GetValue(S3Endpoint), "--s3-endpoint");

    private static Uri? Url(string? value, string flag) => value is null
        ? null
        : Uri.TryCreate(value, UriKind.Absolute, out var u) ? u : throw new UsageException($"{flag} '{value}' is not a URL");
}
