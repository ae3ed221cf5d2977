using System.Text.Json;
using Pipeline.Schema;

namespace Pipeline.Projection;

/// <summary>What a JSON object turned out to be once its keys were read.</summary>
internal enum ObjectKind
{
    /// <summary>A CloudTrail record (or something that has to be judged as one).</summary>
    Record,

    /// <summary>An S3 log file body; the reader stands on the <c>Records</c> array's StartArray.</summary>
    RecordsArray,

    /// <summary>An EventBridge event; the record is the <c>detail</c> range.</summary>
    EventBridge,

    /// <summary>A CloudWatch Logs subscription payload; records are the <c>logEvents[].message</c> strings.</summary>
    CloudWatchLogs,
}

/// <summary>
/// Reads one JSON object with a <see cref="Utf8JsonReader"/> and fills a <see cref="ProjectedRow"/>
/// with the compact schema's fields. Field names are case-exact; unknown fields, nulls, deep nesting and
/// huge numbers are skipped without being materialised.
/// </summary>
internal static class RecordProjector
{
    /// <summary>
    /// Reads the object the reader stands on (StartObject) up to its EndObject, except for a
    /// <c>Records</c> envelope, where it returns on the array so the caller can stream the elements.
    /// </summary>
    public static ObjectKind ReadObject(ref Utf8JsonReader r, ProjectedRow row)
    {
        row.Reset();
        var nameBuf = row.NameBuffer;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = PropertyName(ref r, nameBuf);
            r.Read();
            switch (name.Length)
            {
                case 6 when name.SequenceEqual("detail"u8):
                    if (r.TokenType == JsonTokenType.StartObject)
                    {
                        row.DetailStart = r.TokenStartIndex;
                        r.Skip();
                        row.DetailEnd = r.BytesConsumed;
                    }
                    else
                    {
                        r.Skip();
                    }

                    continue;
                case 7 when name.SequenceEqual("eventID"u8):
                    Take(ref r, row, Col.EventId);
                    break;
                case 7 when name.SequenceEqual("Records"u8):
                    if (r.TokenType == JsonTokenType.StartArray)
                    {
                        return ObjectKind.RecordsArray;
                    }

                    r.Skip();
                    continue;
                case 9 when name.SequenceEqual("eventTime"u8):
                    if (r.TokenType != JsonTokenType.String && r.TokenType != JsonTokenType.Null)
                    {
                        row.EventTimeWrongType = true;
                    }

                    Take(ref r, row, ProjectedRow.EventTime);
                    break;
                case 9 when name.SequenceEqual("awsRegion"u8):
                    Take(ref r, row, Col.Region);
                    break;
                case 9 when name.SequenceEqual("eventName"u8):
                    Take(ref r, row, Col.EventName);
                    break;
                case 9 when name.SequenceEqual("userAgent"u8):
                    Take(ref r, row, Col.UserAgent);
                    break;
                case 9 when name.SequenceEqual("errorCode"u8):
                    Take(ref r, row, Col.ErrorCode);
                    break;
                case 9 when name.SequenceEqual("eventType"u8):
                    Take(ref r, row, Col.EventType);
                    break;
                case 9 when name.SequenceEqual("logEvents"u8):
                    if (r.TokenType == JsonTokenType.StartArray)
                    {
                        row.LogEventsStart = r.TokenStartIndex;
                        r.Skip();
                        row.LogEventsEnd = r.BytesConsumed;
                    }
                    else
                    {
                        r.Skip();
                    }

                    continue;
                case 10 when name.SequenceEqual("tlsDetails"u8):
                    ReadTlsDetails(ref r, row, nameBuf);
                    break;
                case 11 when name.SequenceEqual("eventSource"u8):
                    Take(ref r, row, Col.EventSource);
                    break;
                case 11 when name.SequenceEqual("detail-type"u8):
                    Take(ref r, row, ProjectedRow.DetailType);
                    continue;
                case 11 when name.SequenceEqual("messageType"u8):
                    Take(ref r, row, ProjectedRow.MessageType);
                    continue;
                case 12 when name.SequenceEqual("userIdentity"u8):
                    ReadUserIdentity(ref r, row, nameBuf);
                    break;
                case 13 when name.SequenceEqual("vpcEndpointId"u8):
                    Take(ref r, row, Col.VpcEndpointId);
                    break;
                case 13 when name.SequenceEqual("eventCategory"u8):
                    Take(ref r, row, Col.EventCategory);
                    break;
                case 15 when name.SequenceEqual("sourceIPAddress"u8):
                    Take(ref r, row, Col.SourceIp);
                    break;
                case 18 when name.SequenceEqual("recipientAccountId"u8):
                    Take(ref r, row, ProjectedRow.Recipient);
                    break;
                default:
                    r.Skip();
                    continue;
            }

            row.RecordKeys++;
        }

        if (row.LogEventsStart >= 0 && row.Has(ProjectedRow.MessageType))
        {
            return ObjectKind.CloudWatchLogs;
        }

        if (row.DetailStart >= 0 && row.Has(ProjectedRow.DetailType))
        {
            return ObjectKind.EventBridge;
        }

        return ObjectKind.Record;
    }

    /// <summary>Reads the remaining properties of the current object up to its EndObject.</summary>
    public static void SkipRestOfObject(ref Utf8JsonReader r)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            r.Read();
            r.Skip();
        }
    }

    private static void ReadTlsDetails(ref Utf8JsonReader r, ProjectedRow row, byte[] nameBuf)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            r.Skip();
            return;
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = PropertyName(ref r, nameBuf);
            r.Read();
            if (name.SequenceEqual("tlsVersion"u8))
            {
                Take(ref r, row, Col.TlsVersion);
            }
            else if (name.SequenceEqual("cipherSuite"u8))
            {
                Take(ref r, row, Col.CipherSuite);
            }
            else if (name.SequenceEqual("clientProvidedHostHeader"u8))
            {
                Take(ref r, row, Col.ClientHost);
            }
            else
            {
                r.Skip();
            }
        }
    }

    private static void ReadUserIdentity(ref Utf8JsonReader r, ProjectedRow row, byte[] nameBuf)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            r.Skip();
            return;
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = PropertyName(ref r, nameBuf);
            r.Read();
            if (name.SequenceEqual("type"u8))
            {
                Take(ref r, row, Col.PrincipalType);
            }
            else if (name.SequenceEqual("arn"u8))
            {
                Take(ref r, row, Col.PrincipalArn);
            }
            else if (name.SequenceEqual("accountId"u8))
            {
                Take(ref r, row, Col.CallerAccountId);
            }
            else if (name.SequenceEqual("accessKeyId"u8))
            {
                Take(ref r, row, Col.AccessKeyId);
            }
            else if (name.SequenceEqual("sessionContext"u8))
            {
                ReadSessionContext(ref r, row, nameBuf);
            }
            else
            {
                r.Skip();
            }
        }
    }

    private static void ReadSessionContext(ref Utf8JsonReader r, ProjectedRow row, byte[] nameBuf)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            r.Skip();
            return;
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = PropertyName(ref r, nameBuf);
            r.Read();
            if (name.SequenceEqual("sessionIssuer"u8) && r.TokenType == JsonTokenType.StartObject)
            {
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    var inner = PropertyName(ref r, nameBuf);
                    r.Read();
                    if (inner.SequenceEqual("arn"u8))
                    {
                        Take(ref r, row, Col.SessionIssuerArn);
                    }
                    else
                    {
                        r.Skip();
                    }
                }
            }
            else
            {
                r.Skip();
            }
        }
    }

    /// <summary>
    /// Copies the current value into a slot: strings unescaped, numbers as their literal text (account
    /// IDs written as numbers by some exporters), anything else is absent.
    /// </summary>
    private static void Take(ref Utf8JsonReader r, ProjectedRow row, int slot)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.String:
                var raw = r.ValueSpan;
                if (!r.ValueIsEscaped)
                {
                    row.Set(slot, raw);
                }
                else
                {
                    var dest = row.Reserve(raw.Length);
                    var written = r.CopyString(dest);
                    row.Commit(slot, written);
                }

                break;
            case JsonTokenType.Number:
                row.Set(slot, r.ValueSpan);
                break;
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                r.Skip();
                row.Clear(slot);
                break;
            default:
                row.Clear(slot);
                break;
        }
    }

    private static ReadOnlySpan<byte> PropertyName(ref Utf8JsonReader r, byte[] buffer)
    {
        if (!r.ValueIsEscaped)
        {
            return r.ValueSpan;
        }

        // An escaped name longer than any name we look for cannot match one; treat it as unknown.
        return r.ValueSpan.Length <= buffer.Length ? buffer.AsSpan(0, r.CopyString(buffer)) : "\0"u8;
    }
}
