using System.Text;
using Pipeline.Projection;

namespace Pipeline.Decoding;

/// <summary>What the decoder knows about the input it reads.</summary>
/// <param name="Name">How the input is named in rejects and logs (a path, an S3 key, or a stream partition's prefix).</param>
/// <param name="FallbackAccount">The recipient account the input's location names (org-trail path), or -1.</param>
/// <param name="Suffix">
/// Appended to <paramref name="Name"/> when the name is needed (a sequence number or offset), so that a stream
/// message's name costs nothing unless the message is rejected.
/// </param>
/// <param name="BaseOffset">
/// Where the bytes read begin in the named input (a part of a split file): added to the byte offsets of rejects.
/// </param>
public readonly record struct InputContext(string Name, long FallbackAccount = -1, string? Suffix = null, long BaseOffset = 0)
{
    /// <summary>The input's full name, built when a reject needs it.</summary>
    public string Describe() => Suffix is null ? Name : Name + Suffix;
}

/// <summary>Where in an input a record sat. Turned into text only when a reject is written.</summary>
/// <param name="Line">1-based line in a newline-delimited input, or 0.</param>
/// <param name="Offset">Byte offset in the decoded (decompressed) input or message, or -1.</param>
/// <param name="LogEvent">Index in a CloudWatch Logs payload's <c>logEvents</c>, or -1.</param>
/// <param name="KplRecord">Index of the user record in a KPL aggregate, or -1.</param>
/// <param name="Member">Index of the gzip member (RFC 1952) the reject is about, or -1.</param>
/// <param name="Event">Index in a lookup-events page's <c>Events</c>, or -1.</param>
public readonly record struct RecordPosition(long Line = 0, long Offset = -1, int LogEvent = -1, int KplRecord = -1, int Member = -1, int Event = -1)
{
    /// <summary>The whole input (a reject of a file or message, not of one record in it).</summary>
    public static readonly RecordPosition WholeInput = new(0, -1, -1, -1, -1, -1);

    /// <summary>True for <see cref="WholeInput"/>.</summary>
    public bool IsWholeInput => this == WholeInput;

    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Member >= 0)
        {
            sb.Append("gzip member ").Append(Member);
        }

        if (KplRecord >= 0)
        {
            Sep(sb).Append("kpl record ").Append(KplRecord);
        }

        if (Line > 0)
        {
            Sep(sb).Append("line ").Append(Line);
        }

        if (Offset >= 0)
        {
            Sep(sb).Append("byte ").Append(Offset);
        }

        if (LogEvent >= 0)
        {
            Sep(sb).Append("logEvents[").Append(LogEvent).Append(']');
        }

        if (Event >= 0)
        {
            Sep(sb).Append("Events[").Append(Event).Append(']');
        }

        return sb.Length == 0 ? "whole input" : sb.ToString();
    }

    private static StringBuilder Sep(StringBuilder sb) => sb.Length > 0 ? sb.Append(", ") : sb;
}

/// <summary>Things the decoder passes over on purpose; counted, not rejected.</summary>
public enum SkipKind
{
    /// <summary>A CloudWatch Logs CONTROL_MESSAGE (health check of the subscription).</summary>
    ControlMessage,

    /// <summary>A CloudTrail Insights record or file.</summary>
    Insight,
}

/// <summary>Receives what the decoder finds. Implementations decide where rows and rejects go.</summary>
internal interface IRecordSink
{
    /// <summary>A valid row; <paramref name="row"/> is reused after the call returns.</summary>
    void Accept(ProjectedRow row, in RowKey key);

    /// <summary>A record or input that could not become a row.</summary>
    void Reject(string input, in RecordPosition position, RejectReason reason, string? detail);

    /// <summary>Something passed over on purpose.</summary>
    void Skip(SkipKind kind);
}
