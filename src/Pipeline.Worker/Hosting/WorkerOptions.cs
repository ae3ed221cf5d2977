using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Pipeline.Worker.Hosting;

/// <summary>Which source this worker reads and where it writes. Section <c>Worker</c>.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>The source to read: <c>kinesis</c> (section <c>Kinesis</c>) or <c>kafka</c> (section <c>Kafka</c>).</summary>
    [Required]
    [RegularExpression("^(kinesis|kafka)$", ErrorMessage = "Worker:Source must be 'kinesis' or 'kafka'")]
    public string Source { get; set; } = "kinesis";

    /// <summary>The lake: a folder, or <c>s3://BUCKET/PREFIX</c> (what Athena reads).</summary>
    [Required]
    public string Lake { get; set; } = string.Empty;

    /// <summary>An s3:// lake: the local folder where files are staged before they are uploaded; default under the temp folder.</summary>
    public string? Staging { get; set; }

    /// <summary>An s3:// lake: endpoint of an S3-compatible server (LocalStack, MinIO); default AWS in <c>AWS_REGION</c>.</summary>
    public Uri? S3Endpoint { get; set; }

    /// <summary>Whether <see cref="Lake"/> is in S3.</summary>
    public bool IsS3Lake => Lake.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);

    /// <summary>How long a stop (SIGTERM) may take to flush and checkpoint; the pod's grace period must be longer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Source-generated validation of <see cref="WorkerOptions"/>.</summary>
[OptionsValidator]
public sealed partial class WorkerOptionsValidator : IValidateOptions<WorkerOptions>;

/// <summary>
/// An s3:// lake must name a bucket, and a Kinesis worker writing to one needs a lease table: its checkpoints must
/// outlive the pod, as the lake does (the local checkpoint file would be lost with the pod's staging folder).
/// </summary>
public sealed class WorkerLakeValidator(IConfiguration configuration) : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        if (!options.IsS3Lake)
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            Pipeline.S3.S3ArchiveLocation.Parse(options.Lake);
        }
        catch (FormatException e)
        {
            return ValidateOptionsResult.Fail($"Worker:Lake: {e.Message}");
        }

        if (options.Source == "kinesis" && string.IsNullOrWhiteSpace(configuration["Kinesis:LeaseTable"]))
        {
            return ValidateOptionsResult.Fail("Worker:Lake is an s3:// lake, so Kinesis:LeaseTable is required: the checkpoints must outlive this pod, as the lake does");
        }

        return ValidateOptionsResult.Success;
    }
}
