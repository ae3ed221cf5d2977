using Microsoft.Extensions.Logging;

namespace Pipeline.Diagnostics;

/// <summary>Log messages of the core, with stable event IDs.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Ingest of {Source} into {Lake}: {Inputs} inputs in {Batches} batches ({AlreadyDone} already done)")]
    public static partial void IngestStarting(ILogger logger, string source, string lake, int inputs, int batches, int alreadyDone);

    [LoggerMessage(1008, LogLevel.Information, "{Input}: {Bytes} bytes of newline-delimited JSON, read in {Parts} parts in parallel")]
    public static partial void InputSplit(ILogger logger, string input, long bytes, int parts);

    [LoggerMessage(1009, LogLevel.Information, "{Input}: {Chunks} chunks of JSON values ({Bytes} bytes decompressed), read in parallel as the file was inflated or read")]
    public static partial void InputInflatedInChunks(ILogger logger, string input, int chunks, long bytes);

    [LoggerMessage(1002, LogLevel.Information, "Recovered staging: {Finished} committed batches finished, {Discarded} uncommitted discarded")]
    public static partial void StagingRecovered(ILogger logger, int finished, int discarded);

    [LoggerMessage(1003, LogLevel.Debug, "Batch {BatchId} committed: {Inputs} inputs, {Files} files")]
    public static partial void BatchCommitted(ILogger logger, string batchId, int inputs, int files);

    [LoggerMessage(1004, LogLevel.Error, "Batch {BatchId} failed; it stays unchecked and is redone on the next run")]
    public static partial void BatchFailed(ILogger logger, string batchId, Exception exception);

    [LoggerMessage(1006, LogLevel.Warning, "Not read: {Path}: {Reason}: {Detail}")]
    public static partial void ScanProblem(ILogger logger, string path, string reason, string detail);

    [LoggerMessage(1007, LogLevel.Error, "Input {Input} could not be opened after {Attempts} attempts ({Error}); it is not checkpointed and the next run reads it")]
    public static partial void InputUnreadable(ILogger logger, string input, int attempts, string error);
}
