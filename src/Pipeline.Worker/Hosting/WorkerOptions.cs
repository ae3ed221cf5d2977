using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Pipeline.Worker.Hosting;

/// <summary>Which source this worker reads, and how long it may take to stop. Section <c>Worker</c> (the lake's keys are in it too: <see cref="Pipeline.S3.LakeOptions"/>).</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>The source to read: <c>kinesis</c> (section <c>Kinesis</c>), <c>kafka</c> (section <c>Kafka</c>) or <c>sqs</c> (section <c>Sqs</c>).</summary>
    [Required]
    [RegularExpression("^(kinesis|kafka|sqs)$", ErrorMessage = "Worker:Source must be 'kinesis', 'kafka' or 'sqs'")]
    public string Source { get; set; } = "kinesis";

    /// <summary>How long a stop (SIGTERM) may take to flush and checkpoint; the pod's grace period must be longer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Source-generated validation of <see cref="WorkerOptions"/>.</summary>
[OptionsValidator]
public sealed partial class WorkerOptionsValidator : IValidateOptions<WorkerOptions>;
