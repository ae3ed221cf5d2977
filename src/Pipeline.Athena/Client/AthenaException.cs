using System.Net;

namespace Pipeline.Athena.Client;

/// <summary>An error the Athena API returned, with its AWS error code and request ID.</summary>
public sealed class AthenaException(string operation, HttpStatusCode status, string errorCode, string message, string? requestId, Exception? inner = null)
    : Exception($"Athena {operation} failed: {errorCode}: {message} (HTTP {(int)status}, request id {requestId ?? "none"})", inner)
{
    public const string Network = "NetworkError";

    public string Operation { get; } = operation;

    public HttpStatusCode Status { get; } = status;

    /// <summary>The AWS error code without its namespace, e.g. <c>TooManyRequestsException</c>.</summary>
    public string ErrorCode { get; } = errorCode;

    public string? RequestId { get; } = requestId;

    /// <summary>Worth retrying: throttling, server-side errors and network failures.</summary>
    public bool IsRetryable =>
        ErrorCode is "TooManyRequestsException" or "ThrottlingException" or "InternalServerException" or "ServiceUnavailable" or Network
        || (int)Status >= 500 || Status == HttpStatusCode.TooManyRequests;
}

/// <summary>A query Athena ran and did not finish: its state, Athena's reason and the query ID.</summary>
public sealed class AthenaQueryException(string name, string queryId, string state, string? reason)
    : Exception($"Athena query {name} {state}: {reason ?? "no reason given"} (query id {queryId})")
{
    public string QueryId { get; } = queryId;

    public string State { get; } = state;

    public string? Reason { get; } = reason;
}
