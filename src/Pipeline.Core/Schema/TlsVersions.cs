namespace Pipeline.Schema;

/// <summary>What a <c>tls_version</c> value means for the report.</summary>
public enum TlsClass
{
    /// <summary>No <c>tlsDetails</c>: the service did not report TLS. Never counted as fine.</summary>
    Unknown,

    /// <summary>SSL 3.0, TLS 1.0 or TLS 1.1 in one of the spellings seen.</summary>
    Legacy,

    /// <summary>TLS 1.2 or 1.3 in one of the spellings seen.</summary>
    Current,

    /// <summary>Any other value (a placeholder such as <c>tlsVersion</c>, a new spelling): shown with unknown, never as current.</summary>
    Unrecognised,
}

/// <summary>
/// The one classification of <c>tls_version</c> values, used by the lake writer (legacy rows first), the report's SQL
/// (generated from these lists) and the renderers. The raw value stays in the lake. Matching is exact: a spelling not
/// listed here is <see cref="TlsClass.Unrecognised"/>, so a new one shows up in the report instead of passing as fine.
/// </summary>
public static class TlsVersions
{
    /// <summary>Legacy spellings and the protocol each names. CloudTrail writes <c>TLSv1</c> and <c>TLSv1.1</c>.</summary>
    public static IReadOnlyList<(string Value, string Protocol)> LegacySpellings { get; } =
    [
        ("TLSv1", "TLS 1.0"), ("TLSv1.0", "TLS 1.0"), ("TLS1.0", "TLS 1.0"), ("TLS 1.0", "TLS 1.0"), ("1.0", "TLS 1.0"),
        ("TLSv1.1", "TLS 1.1"), ("TLS1.1", "TLS 1.1"), ("TLS 1.1", "TLS 1.1"), ("1.1", "TLS 1.1"),
        ("SSLv3", "SSL 3.0"), ("SSLv3.0", "SSL 3.0"), ("SSL3", "SSL 3.0"), ("SSL 3.0", "SSL 3.0"),
    ];

    /// <summary>Current spellings and the protocol each names. CloudTrail writes <c>TLSv1.2</c> and <c>TLSv1.3</c>.</summary>
    public static IReadOnlyList<(string Value, string Protocol)> CurrentSpellings { get; } =
    [
        ("TLSv1.2", "TLS 1.2"), ("TLS1.2", "TLS 1.2"), ("TLS 1.2", "TLS 1.2"), ("1.2", "TLS 1.2"),
        ("TLSv1.3", "TLS 1.3"), ("TLS1.3", "TLS 1.3"), ("TLS 1.3", "TLS 1.3"), ("1.3", "TLS 1.3"),
    ];

    private static readonly byte[][] Legacy = [.. LegacySpellings.Select(s => System.Text.Encoding.UTF8.GetBytes(s.Value))];
    private static readonly byte[][] Current = [.. CurrentSpellings.Select(s => System.Text.Encoding.UTF8.GetBytes(s.Value))];

    /// <summary>The class of a UTF-8 value; <paramref name="present"/> false means the record had no TLS version.</summary>
    public static TlsClass Classify(ReadOnlySpan<byte> version, bool present = true)
    {
        if (!present)
        {
            return TlsClass.Unknown;
        }

        // CloudTrail's two common values first: this runs once per row when the writer orders a row group.
        if (version.SequenceEqual("TLSv1.2"u8) || version.SequenceEqual("TLSv1.3"u8))
        {
            return TlsClass.Current;
        }

        foreach (var s in Legacy)
        {
            if (version.SequenceEqual(s))
            {
                return TlsClass.Legacy;
            }
        }

        foreach (var s in Current)
        {
            if (version.SequenceEqual(s))
            {
                return TlsClass.Current;
            }
        }

        return TlsClass.Unrecognised;
    }

    /// <summary>Whether the UTF-8 <paramref name="version"/> is SSL 3.0, TLS 1.0 or TLS 1.1.</summary>
    public static bool IsLegacy(ReadOnlySpan<byte> version) => Classify(version) == TlsClass.Legacy;

    /// <summary>The protocol a value names (<c>TLS 1.0</c>), or the value itself when it is not recognised.</summary>
    public static string Protocol(string version) =>
        LegacySpellings.Concat(CurrentSpellings).FirstOrDefault(s => s.Value == version).Protocol ?? version;
}
