using System.Net;

namespace Pipeline.Kinesis.Client;

/// <summary>An error the Kinesis API returned, with its AWS error code and request ID.</summary>
public sealed class KinesisException(string operation, HttpStatusCode status, string errorCode, string message, string? requestId, Exception? inner = null)
    : Exception($"Kinesis {operation} failed: {errorCode}: {message} (HTTP {(int)status}, request id {requestId ?? "none"})", inner)
{
    public string Operation { get; } = operation;

    public HttpStatusCode Status { get; } = status;

    /// <summary>The AWS error code without its namespace, e.g. <c>ProvisionedThroughputExceededException</c>.</summary>
    public string ErrorCode { get; } = errorCode;

    public string? RequestId { get; } = requestId;

    /// <summary>Throttling: retried with jittered backoff.</summary>
    public bool IsThrottling => ErrorCode is KinesisErrors.ProvisionedThroughputExceeded or KinesisErrors.LimitExceeded or "ThrottlingException";

    /// <summary>Worth retrying: throttling, server-side errors and network failures.</summary>
    public bool IsRetryable => IsThrottling || (int)Status >= 500 || Status == 0 || ErrorCode is "InternalFailure" or "ServiceUnavailable" or "KMSThrottlingException";
}

/// <summary>Error codes the consumer handles by name.</summary>
public static class KinesisErrors
{
    public const string ProvisionedThroughputExceeded = "ProvisionedThroughputExceededException";
    public const string LimitExceeded = "LimitExceededException";
    public const string ExpiredIterator = "ExpiredIteratorException";
    public const string ResourceNotFound = "ResourceNotFoundException";
    public const string ResourceInUse = "ResourceInUseException";
    public const string InvalidArgument = "InvalidArgumentException";
    public const string Network = "NetworkError";
}
