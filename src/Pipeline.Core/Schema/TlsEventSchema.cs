namespace Pipeline.Schema;

/// <summary>
/// The compact <c>tls_events</c> schema. Column names are a contract with Athena, the reducer and
/// <c>schemas/tls_events.schema.json</c>; a test compares the three.
/// </summary>
public static class TlsEventSchema
{
    /// <summary>Folder of the table inside the lake.</summary>
    public const string TableName = "tls_events";

    /// <summary>
    /// Bumped whenever a column is added, removed or changes meaning; part of every output file name hash. 2 added
    /// <c>console_session</c>; the reducer reads lakes that mix versions (a missing column reads as NULL).
    /// </summary>
    public const int Version = 2;

    /// <summary>Hive partition column holding the UTC date of <c>eventTime</c>.</summary>
    public const string EventDatePartition = "event_date";

    /// <summary>Hive partition column holding <c>recipientAccountId</c>.</summary>
    public const string AccountIdPartition = "account_id";

    /// <summary>The string columns, in file order, after <c>event_time</c>.</summary>
    public static readonly IReadOnlyList<StringColumn> StringColumns =
    [
        new("event_id", "eventID", Dictionary: false),
        new("region", "awsRegion"),
        new("event_source", "eventSource"),
        new("event_name", "eventName"),
        new("tls_version", "tlsDetails.tlsVersion"),
        new("cipher_suite", "tlsDetails.cipherSuite"),
        new("client_host", "tlsDetails.clientProvidedHostHeader"),
        new("user_agent", "userAgent"),
        new("source_ip", "sourceIPAddress"),
        new("principal_type", "userIdentity.type"),
        new("principal_arn", "userIdentity.arn"),
        new("caller_account_id", "userIdentity.accountId"),
        new("access_key_id", "userIdentity.accessKeyId"),
        new("vpc_endpoint_id", "vpcEndpointId"),
        new("error_code", "errorCode"),
        new("session_issuer_arn", "userIdentity.sessionContext.sessionIssuer.arn"),
        new("event_type", "eventType"),
        new("event_category", "eventCategory"),
        new("console_session", "sessionCredentialFromConsole"),
    ];

    /// <summary>Name of the timestamp column (INT64 micros, adjusted to UTC).</summary>
    public const string EventTimeColumn = "event_time";

    /// <summary>All data columns (not partitions) in file order.</summary>
    public static IEnumerable<string> ColumnNames => [EventTimeColumn, .. StringColumns.Select(c => c.Name)];
}

/// <summary>One UTF-8 string column of the compact schema.</summary>
/// <param name="Name">Column name in Parquet and Athena.</param>
/// <param name="SourceField">The CloudTrail field path it comes from.</param>
/// <param name="Dictionary">Whether the column is dictionary-encoded (low cardinality).</param>
public sealed record StringColumn(string Name, string SourceField, bool Dictionary = true);

/// <summary>Indexes of the string columns, fixed so the projector can address them without lookups.</summary>
internal static class Col
{
    public const int EventId = 0;
    public const int Region = 1;
    public const int EventSource = 2;
    public const int EventName = 3;
    public const int TlsVersion = 4;
    public const int CipherSuite = 5;
    public const int ClientHost = 6;
    public const int UserAgent = 7;
    public const int SourceIp = 8;
    public const int PrincipalType = 9;
    public const int PrincipalArn = 10;
    public const int CallerAccountId = 11;
    public const int AccessKeyId = 12;
    public const int VpcEndpointId = 13;
    public const int ErrorCode = 14;
    public const int SessionIssuerArn = 15;
    public const int EventType = 16;
    public const int EventCategory = 17;
    public const int ConsoleSession = 18;
    public const int Count = 19;
}
