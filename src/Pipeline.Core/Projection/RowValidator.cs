using System.Runtime.CompilerServices;
using System.Text;
using Pipeline.Schema;

namespace Pipeline.Projection;

/// <summary>The partition and time facts of a row that passed validation.</summary>
/// <param name="EventTimeUtc">eventTime in UTC.</param>
/// <param name="EventDay">Days since 0001-01-01 of the UTC date (the <c>event_date</c> partition).</param>
/// <param name="AccountId">The 12-digit recipient account as a number (the <c>account_id</c> partition).</param>
internal readonly record struct RowKey(DateTime EventTimeUtc, int EventDay, long AccountId);

/// <summary>Checks a projected row has what a row needs: a time, an ID and a safe recipient account.</summary>
internal static class RowValidator
{
    /// <summary>
    /// Validates <paramref name="row"/>. <paramref name="fallbackAccount"/> is the account that the input's
    /// location names (an org trail's <c>AWSLogs/…/ACCOUNT/CloudTrail/</c> path), used only when the record has
    /// no <c>recipientAccountId</c> of its own; dates never come from the location.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryValidate(ProjectedRow row, long fallbackAccount, out RowKey key, out RejectReason reason, out string? detail)
    {
        key = default;
        detail = null;
        if (!row.Has(ProjectedRow.EventTime))
        {
            reason = row.EventTimeWrongType ? RejectReason.BadEventTime : RejectReason.MissingEventTime;
            return false;
        }

        var timeText = row.Get(ProjectedRow.EventTime);
        if (row.EventTimeWrongType || !TryParseTime(timeText, out var utc))
        {
            reason = RejectReason.BadEventTime;
            detail = Preview(timeText);
            return false;
        }

        if (row.Get(Col.EventId).IsEmpty)
        {
            reason = RejectReason.MissingEventId;
            return false;
        }

        long account;
        if (row.Has(ProjectedRow.Recipient))
        {
            var text = row.Get(ProjectedRow.Recipient);
            if (!TryParseAccount(text, out account))
            {
                reason = RejectReason.BadRecipientAccount;
                detail = Preview(text);
                return false;
            }
        }
        else if (fallbackAccount >= 0)
        {
            account = fallbackAccount;
        }
        else
        {
            reason = RejectReason.MissingRecipientAccount;
            return false;
        }

        key = new RowKey(utc, (int)(utc.Ticks / TimeSpan.TicksPerDay), account);
        reason = default;
        return true;
    }

    /// <summary>Exactly 12 ASCII digits: an AWS account ID, and safe as a folder name.</summary>
    public static bool TryParseAccount(ReadOnlySpan<byte> text, out long account)
    {
        account = 0;
        if (text.Length != 12 || text.ContainsAnyExcept(ProjectedRow.Digits))
        {
            return false;
        }

        foreach (var b in text)
        {
            account = (account * 10) + (b - '0');
        }

        return true;
    }

    /// <summary>
    /// Parses the times CloudTrail writes and the RFC 3339 profile exporters re-write them in, and only those:
    /// <c>yyyy-MM-ddTHH:mm:ssZ</c>, with an optional fraction of a second (1 to 9 digits), <c>Z</c> or an offset
    /// <c>±HH:MM</c>; a space for the <c>T</c> and no zone (taken as UTC, as every CloudTrail export writes) are
    /// accepted. Anything else (<c>"10:00"</c>, <c>"November 2026"</c>, an epoch number) is false, so the record is
    /// rejected by name; no clock is ever read to fill a gap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseTime(ReadOnlySpan<byte> s, out DateTime utc)
    {
        utc = default;
        if (s.Length >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't' || s[10] == ' ') && s[13] == ':' && s[16] == ':'
            && TryDigits(s, 0, 4, out var year) && TryDigits(s, 5, 2, out var month) && TryDigits(s, 8, 2, out var day)
            && TryDigits(s, 11, 2, out var hour) && TryDigits(s, 14, 2, out var minute) && TryDigits(s, 17, 2, out var second)
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            && hour < 24 && minute < 60 && second < 60)
        {
            var i = 19;
            long fractionTicks = 0;
            if (i < s.Length && s[i] == '.')
            {
                i++;
                var scale = TimeSpan.TicksPerSecond / 10;
                var start = i;
                while (i < s.Length && (uint)(s[i] - '0') <= 9)
                {
                    fractionTicks += (s[i] - '0') * scale;
                    scale /= 10;
                    i++;
                }

                if (i == start || i - start > 9)
                {
                    return false;
                }
            }

            long offsetTicks = 0;
            if (i == s.Length || (i == s.Length - 1 && (s[i] == 'Z' || s[i] == 'z')))
            {
                // UTC
            }
            else if (i == s.Length - 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':'
                     && TryDigits(s, i + 1, 2, out var oh) && TryDigits(s, i + 4, 2, out var om) && oh < 24 && om < 60)
            {
                offsetTicks = ((oh * 60) + om) * TimeSpan.TicksPerMinute * (s[i] == '+' ? 1 : -1);
            }
            else
            {
                return false;
            }

            var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fractionTicks - offsetTicks;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            {
                return false;
            }

            utc = new DateTime(ticks, DateTimeKind.Utc);
            return true;
        }

        return false;
    }

    private static bool TryDigits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = (uint)(s[i] - '0');
            if (d > 9)
            {
                return false;
            }

            value = (value * 10) + (int)d;
        }

        return true;
    }

    /// <summary>A short, printable excerpt of a hostile value for a reject's detail.</summary>
    public static string Preview(ReadOnlySpan<byte> value)
    {
        var text = Encoding.UTF8.GetString(value.Length > 80 ? value[..80] : value);
        return value.Length > 80 ? text + "…" : text;
    }
}
