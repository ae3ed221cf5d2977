namespace Pipeline.Ingest;

/// <summary>A run that could not be done, with a message meant for the user (no stack trace needed).</summary>
public sealed class IngestException(string message, Exception? inner = null) : Exception(message, inner);
