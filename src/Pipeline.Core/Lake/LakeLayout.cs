using System.Globalization;
using Pipeline.Schema;

namespace Pipeline.Lake;

/// <summary>A (event_date, account_id) partition.</summary>
/// <param name="EventDay">Days since 0001-01-01 (UTC date of eventTime).</param>
/// <param name="AccountId">12-digit recipient account.</param>
public readonly record struct PartitionKey(int EventDay, long AccountId)
{
    public DateOnly Date => DateOnly.FromDayNumber(EventDay);

    public string AccountText => AccountId.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>The partition's folder relative to the lake root, with '/' separators.</summary>
    public string RelativeDirectory =>
        $"{TlsEventSchema.TableName}/{TlsEventSchema.EventDatePartition}={Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}/{TlsEventSchema.AccountIdPartition}={AccountText}";
}

/// <summary>Where things live in a local lake.</summary>
/// <remarks>
/// <c>tls_events/</c> holds the data (Hive partitions); <c>_rejects/</c>, <c>_checkpoints/</c> and
/// <c>_staging/</c> start with an underscore so Athena and DuckDB globs over the table never see them.
/// </remarks>
public sealed class LakeLayout(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string TableDirectory => Path.Combine(Root, TlsEventSchema.TableName);

    public string CheckpointsDirectory => Path.Combine(Root, "_checkpoints");

    public string StagingDirectory => Path.Combine(Root, "_staging");

    /// <summary>Absolute path of a lake-relative path written with '/' separators.</summary>
    public string Resolve(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));
}
