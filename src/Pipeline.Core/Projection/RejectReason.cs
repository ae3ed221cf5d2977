namespace Pipeline.Projection;

/// <summary>Why an input, or one record of it, did not become a row. Codes are stable: users grep and alert on them.</summary>
public enum RejectReason
{
    /// <summary>Bytes that are not JSON where JSON was expected.</summary>
    NotJson,

    /// <summary>Gzip data that does not decompress.</summary>
    CorruptGzip,

    /// <summary>Gzip data that ends before its stream does.</summary>
    TruncatedGzip,

    /// <summary>An input with no content.</summary>
    EmptyInput,

    /// <summary>A value larger than the configured maximum.</summary>
    TooLarge,

    /// <summary>A record that is not a JSON object.</summary>
    NotAnObject,

    /// <summary>A record without <c>eventTime</c>.</summary>
    MissingEventTime,

    /// <summary>An <c>eventTime</c> that is not an ISO-8601 time.</summary>
    BadEventTime,

    /// <summary>A record without <c>eventID</c>.</summary>
    MissingEventId,

    /// <summary>A record without <c>recipientAccountId</c> and no account known from its location.</summary>
    MissingRecipientAccount,

    /// <summary>A <c>recipientAccountId</c> that is not 12 digits (it names a partition folder, so it must be safe).</summary>
    BadRecipientAccount,

    /// <summary>An EventBridge event whose detail-type is not a CloudTrail one, or an unknown CloudWatch Logs message type.</summary>
    UnsupportedEnvelope,

    /// <summary>A KPL aggregate whose MD5 trailer does not match.</summary>
    KplChecksum,

    /// <summary>A KPL aggregate whose protobuf body cannot be read.</summary>
    KplMalformed,

    /// <summary>A CloudWatch Logs log event without a string message.</summary>
    BadLogEvent,

    /// <summary>An input that could not be read (I/O). No longer written for local or S3 inputs: a read error is retried and, if it persists, fails the run without checkpointing the input.</summary>
    ReadError,

    /// <summary>A symlink in a source tree that leads back to a folder already read (a loop): not followed.</summary>
    SymlinkLoop,

    /// <summary>An S3 object a notification named that no longer exists (deleted or expired before it was read).</summary>
    ObjectMissing,

    /// <summary>A well-formed value that projection could not turn into a row for a reason it did not foresee.</summary>
    ProjectionFailed,
}

/// <summary>Stable kebab-case codes for <see cref="RejectReason"/>.</summary>
public static class RejectReasonCodes
{
    public static string Code(this RejectReason reason) => reason switch
    {
        RejectReason.NotJson => "not-json",
        RejectReason.CorruptGzip => "corrupt-gzip",
        RejectReason.TruncatedGzip => "truncated-gzip",
        RejectReason.EmptyInput => "empty-input",
        RejectReason.TooLarge => "too-large",
        RejectReason.NotAnObject => "not-an-object",
        RejectReason.MissingEventTime => "missing-eventTime",
        RejectReason.BadEventTime => "bad-eventTime",
        RejectReason.MissingEventId => "missing-eventID",
        RejectReason.MissingRecipientAccount => "missing-recipientAccountId",
        RejectReason.BadRecipientAccount => "bad-recipientAccountId",
        RejectReason.UnsupportedEnvelope => "unsupported-envelope",
        RejectReason.KplChecksum => "kpl-checksum",
        RejectReason.KplMalformed => "kpl-malformed",
        RejectReason.BadLogEvent => "bad-log-event",
        RejectReason.ObjectMissing => "object-missing",
        RejectReason.ReadError => "read-error",
        RejectReason.ProjectionFailed => "projection-failed",
        RejectReason.SymlinkLoop => "symlink-loop",
        _ => reason.ToString(),
    };
}
