using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Pipeline.Parquet;

namespace Pipeline.Ingest;

/// <summary>Tunables of an ingest run. Bound from the <c>Ingest</c> configuration section or CLI flags, validated at start.</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";
    public const int DefaultMemoryBudgetMiB = 192;
    public const int DefaultMaxRowsPerFile = 1_000_000;
    public const int DefaultMaxBatchMiB = 256;
    public const int DefaultMaxDocumentMiB = 512;
    public const int DefaultMaxLineMiB = 64;

    /// <summary>Batches read at once; defaults to the number of cores.</summary>
    [Range(1, 256)]
    public int Parallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Memory for buffered rows across all workers and partitions; the largest partition is flushed past it.</summary>
    [Range(16, 1024 * 1024)]
    public int MemoryBudgetMiB { get; set; } = DefaultMemoryBudgetMiB;

    /// <summary>Rows in one output file at most (its legacy-TLS and other row groups together).</summary>
    [Range(1000, 50_000_000)]
    public int MaxRowsPerFile { get; set; } = DefaultMaxRowsPerFile;

    /// <summary>Compressed input bytes in one batch at most (an account's delivery day is cut past it).</summary>
    [Range(1, 64 * 1024)]
    public int MaxBatchMiB { get; set; } = DefaultMaxBatchMiB;

    /// <summary>Largest JSON document read whole (a decompressed S3 log file).</summary>
    [Range(1, 2047)]
    public int MaxDocumentMiB { get; set; } = DefaultMaxDocumentMiB;

    /// <summary>Largest line of newline-delimited input.</summary>
    [Range(1, 2047)]
    public int MaxLineMiB { get; set; } = DefaultMaxLineMiB;

    /// <summary>
    /// Nominal size of the parts a large newline-delimited file is read in (<see cref="Sources.Files.InputSplitter"/>).
    /// Not a setting: a resumed run must plan the parts of the run it resumes; tests make it small.
    /// </summary>
    internal long PartBytes { get; set; } = Sources.Files.InputSplitter.PartBytes;

    /// <summary>Compressed size from which a gzip input is inflated ahead on a thread of its own (<see cref="Decoding.DecoderLimits.InflateAheadBytes"/>); tests make it small.</summary>
    internal long InflateAheadBytes { get; set; } = new Decoding.DecoderLimits().InflateAheadBytes;

    /// <summary>Nominal decompressed size of the chunks a large gzip file is read in (<see cref="Sources.Files.InflatedSplitter"/>); tests make it small.</summary>
    internal long InflatedPartBytes { get; set; } = Sources.Files.InflatedSplitter.PartBytes;

    /// <summary>The decoder's limits these options set.</summary>
    internal Decoding.DecoderLimits DecoderLimits() =>
        new((long)MaxDocumentMiB * 1024 * 1024, (long)MaxLineMiB * 1024 * 1024, InflateAheadBytes);

    /// <summary>Output compression.</summary>
    public ParquetCodec Compression { get; set; } = ParquetCodec.Snappy;

    /// <summary>ZSTD level when <see cref="Compression"/> is Zstd.</summary>
    [Range(1, 22)]
    public int ZstdLevel { get; set; } = 3;
}

/// <summary>Source-generated validation of <see cref="IngestOptions"/>.</summary>
[OptionsValidator]
public sealed partial class IngestOptionsValidator : IValidateOptions<IngestOptions>;
