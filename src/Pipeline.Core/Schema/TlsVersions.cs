namespace Pipeline.Schema;

/// <summary>
/// The <c>tls_version</c> values CloudTrail writes. Legacy means exactly <c>TLSv1</c> or <c>TLSv1.1</c>, as in the
/// report's SQL; a missing version is unknown, never legacy.
/// </summary>
public static class TlsVersions
{
    public const string Tls10 = "TLSv1";
    public const string Tls11 = "TLSv1.1";

    /// <summary>Whether the UTF-8 <paramref name="version"/> is TLS 1.0 or 1.1.</summary>
    public static bool IsLegacy(ReadOnlySpan<byte> version) => version.SequenceEqual("TLSv1"u8) || version.SequenceEqual("TLSv1.1"u8);
}
