namespace Pipeline.Parquet;

/// <summary>Codec for output files.</summary>
public enum ParquetCodec
{
    /// <summary>Snappy: fast, what Athena users expect by default.</summary>
    Snappy,

    /// <summary>ZSTD: smaller files for a little more CPU.</summary>
    Zstd,

    /// <summary>No compression.</summary>
    None,
}

/// <summary>How output files are encoded.</summary>
/// <param name="Codec">Compression codec.</param>
/// <param name="ZstdLevel">ZSTD level (1 fastest … 22 smallest); only with <see cref="ParquetCodec.Zstd"/>.</param>
public sealed record ParquetSettings(ParquetCodec Codec = ParquetCodec.Snappy, int ZstdLevel = 3);
