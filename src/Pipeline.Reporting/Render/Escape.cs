using System.Globalization;
using System.Net;
using System.Text;

namespace Pipeline.Reporting.Render;

/// <summary>
/// User agents, ARNs and hosts come from whoever made the call: they are attacker-controlled. Every value from the
/// lake goes through one of these before it reaches an output.
/// </summary>
public static class Escape
{
    /// <summary>Longest value shown in a report; the rest is cut (the lake keeps it whole).</summary>
    public const int MaxShown = 400;

    /// <summary>Control and bidi-override characters as visible <c>&lt;U+XXXX&gt;</c>; long values cut.</summary>
    public static string Clean(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var sb = new StringBuilder(Math.Min(value.Length, MaxShown + 16));
        foreach (var rune in value.EnumerateRunes())
        {
            if (sb.Length >= MaxShown)
            {
                sb.Append('…');
                break;
            }

            var v = rune.Value;
            var invisible = Rune.IsControl(rune) || v is >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069 or 0x200E or 0x200F or 0xFEFF;
            if (invisible)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<U+{v:X4}>");
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// A value for JSON output: cut like <see cref="Clean"/> (at <see cref="MaxShown"/> characters, never inside a
    /// surrogate pair) but otherwise as it is, since the serializer escapes it.
    /// </summary>
    public static string? Cut(string? value) => Cut(value, MaxShown);

    /// <summary><paramref name="value"/> cut at <paramref name="max"/> characters (on a character boundary), ending in "…".</summary>
    public static string? Cut(string? value, int max)
    {
        if (value is null || value.Length <= max)
        {
            return value;
        }

        var end = char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
        return string.Concat(value.AsSpan(0, end), "…");
    }

    public static string Html(string? value) => WebUtility.HtmlEncode(Clean(value));

    /// <summary>
    /// Text in Markdown prose or a heading: every character Markdown or inline HTML gives a meaning to is escaped, so
    /// an account name from an owners file (<c>[x](http://…)</c>, <c>&lt;img …&gt;</c>, <c>**</c>) shows as written.
    /// </summary>
    public static string MdText(string? value)
    {
        var text = Clean(value);
        var sb = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case '&':
                    sb.Append("&amp;");
                    break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '(' or ')' or '#' or '!' or '|' or '~' or '{' or '}' or '+' or '-' or '.':
                    sb.Append('\\').Append(c);
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>A Markdown code span: nothing inside renders (no links, images, HTML or emphasis).</summary>
    public static string MdCode(string? value)
    {
        var text = Clean(value).Replace("|", "\\|", StringComparison.Ordinal);
        if (text.Length == 0)
        {
            return "*(none)*";
        }

        var longest = 0;
        var run = 0;
        foreach (var ch in text)
        {
            run = ch == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', longest + 1);
        return $"{fence} {text} {fence}";
    }

    /// <summary>
    /// A CSV cell, quoted. A cell a spreadsheet would treat as a formula (starting with =, +, -, @, tab or CR)
    /// gets a leading apostrophe so it is shown as text.
    /// </summary>
    public static string Csv(string? value)
    {
        var text = Clean(value).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        if ((text.Length > 0 && text[0] is '=' or '+' or '-' or '@') || (value is { Length: > 0 } && value[0] is '\t' or '\r'))
        {
            text = "'" + text;
        }

        return "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A CSV cell holding multi-line text we wrote (Jira descriptions): formula-safe, line breaks kept.</summary>
    public static string CsvText(string text)
    {
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }

        return "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Text for inside a Jira <c>{noformat}</c> block: shown literally, so only the block's own end is removed.</summary>
    public static string Jira(string? value) => Clean(value).Replace("{noformat}", "{ noformat }", StringComparison.OrdinalIgnoreCase);
}
