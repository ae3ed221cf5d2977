using System.Runtime.CompilerServices;
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

    /// <summary>A <c>lookup-events</c> page; the reader stands on the <c>Events</c> array's StartArray.</summary>
    EventsArray,

    /// <summary>One <c>lookup-events</c> event; the record is the <c>CloudTrailEvent</c> string's content.</summary>
    LookupEvent,

    /// <summary>An EventBridge event whose <c>detail-type</c> came first (as AWS writes it); the reader stands on <c>detail</c>'s StartObject.</summary>
    EventBridgeInPlace,

    /// <summary>A CloudWatch Logs payload whose <c>messageType</c> came first (as AWS writes it); the reader stands on <c>logEvents</c>' StartArray.</summary>
    CloudWatchLogsInPlace,
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                case 6 when name.SequenceEqual("Events"u8):
                    if (r.TokenType == JsonTokenType.StartArray)
                    {
                        return ObjectKind.EventsArray;
                    }

                    r.Skip();
                    continue;
                case 15 when name.SequenceEqual("CloudTrailEvent"u8):
                    if (r.TokenType == JsonTokenType.String)
                    {
                        // The raw content between the quotes: unescaped by the decoder only when it is read.
                        row.EmbeddedStart = r.TokenStartIndex + 1;
                        row.EmbeddedEnd = row.EmbeddedStart + r.ValueSpan.Length;
                    }
                    else
                    {
                        r.Skip();
                    }

                    continue;
                case 6 when name.SequenceEqual("detail"u8):
                    // detail-type already read: the detail is read where it stands instead of skipped and read again.
                    if (r.TokenType == JsonTokenType.StartObject && row.Has(ProjectedRow.DetailType))
                    {
                        return ObjectKind.EventBridgeInPlace;
                    }

                    if (TryCaptureRange(ref r, JsonTokenType.StartObject, out var detailStart, out var detailEnd))
                    {
                        (row.DetailStart, row.DetailEnd) = (detailStart, detailEnd);
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
                    if (r.TokenType == JsonTokenType.StartArray && row.Has(ProjectedRow.MessageType))
                    {
                        return ObjectKind.CloudWatchLogsInPlace;
                    }

                    if (TryCaptureRange(ref r, JsonTokenType.StartArray, out var eventsStart, out var eventsEnd))
                    {
                        (row.LogEventsStart, row.LogEventsEnd) = (eventsStart, eventsEnd);
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
                case 28 when name.SequenceEqual("sessionCredentialFromConsole"u8):
                    // "true" in some records, true in others: one spelling in the lake.
                    if (r.TokenType is JsonTokenType.True or JsonTokenType.False)
                    {
                        row.Set(Col.ConsoleSession, r.TokenType == JsonTokenType.True ? "true"u8 : "false"u8);
                    }
                    else
                    {
                        Take(ref r, row, Col.ConsoleSession);
                    }

                    break;
                case 18 when name.SequenceEqual("recipientAccountId"u8):
                    Take(ref r, row, ProjectedRow.Recipient);
                    break;
                default:
                    r.Skip();
                    continue;
            }
        }

        if (row.LogEventsStart >= 0 && row.Has(ProjectedRow.MessageType))
        {
            return ObjectKind.CloudWatchLogs;
        }

        if (row.DetailStart >= 0 && row.Has(ProjectedRow.DetailType))
        {
            return ObjectKind.EventBridge;
        }

        if (row.EmbeddedStart >= 0)
        {
            return ObjectKind.LookupEvent;
        }

        return ObjectKind.Record;
    }

    /// <summary>Skips the current value, noting its byte range when it is of the <paramref name="expected"/> kind.</summary>
    private static bool TryCaptureRange(ref Utf8JsonReader r, JsonTokenType expected, out long start, out long end)
    {
        var matches = r.TokenType == expected;
        start = r.TokenStartIndex;
        r.Skip();
        end = r.BytesConsumed;
        return matches;
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

    /// <summary>The fields wanted from a nested object: leaf names to slots, and nested objects to their own sets.</summary>
    private sealed class FieldSet(params (string Name, int Slot)[] leaves)
    {
        public byte[][] Names { get; } = [.. leaves.Select(l => System.Text.Encoding.UTF8.GetBytes(l.Name))];

        public int[] Slots { get; } = [.. leaves.Select(l => l.Slot)];

        public (byte[] Name, FieldSet Set)[] Children { get; init; } = [];
    }

    private static readonly FieldSet TlsDetails = new(("tlsVersion", Col.TlsVersion), ("cipherSuite", Col.CipherSuite), ("clientProvidedHostHeader", Col.ClientHost));

    private static readonly FieldSet UserIdentity = new(("type", Col.PrincipalType), ("arn", Col.PrincipalArn), ("accountId", Col.CallerAccountId), ("accessKeyId", Col.AccessKeyId))
    {
        Children = [("sessionContext"u8.ToArray(), new FieldSet { Children = [("sessionIssuer"u8.ToArray(), new FieldSet(("arn", Col.SessionIssuerArn)))] })],
    };

    private static void ReadTlsDetails(ref Utf8JsonReader r, ProjectedRow row, byte[] nameBuf) => ReadFields(ref r, row, nameBuf, TlsDetails);

    private static void ReadUserIdentity(ref Utf8JsonReader r, ProjectedRow row, byte[] nameBuf) => ReadFields(ref r, row, nameBuf, UserIdentity);

    /// <summary>Reads a nested object, taking the fields <paramref name="set"/> names and skipping the rest; non-objects are skipped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadFields(ref Utf8JsonReader r, ProjectedRow row, byte[] nameBuf, FieldSet set)
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
            var handled = false;
            for (var i = 0; i < set.Names.Length && !handled; i++)
            {
                if (name.SequenceEqual(set.Names[i]))
                {
                    Take(ref r, row, set.Slots[i]);
                    handled = true;
                }
            }

            foreach (var (childName, child) in set.Children)
            {
                if (!handled && name.SequenceEqual(childName))
                {
                    ReadFields(ref r, row, nameBuf, child);
                    handled = true;
                }
            }

            if (!handled)
            {
                r.Skip();
            }
        }
    }

    /// <summary>
    /// Copies the current value into a slot: strings unescaped and made valid UTF-8 (see <see cref="JsonText"/>),
    /// numbers as their literal text (account IDs written as numbers by some exporters), anything else is absent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Take(ref Utf8JsonReader r, ProjectedRow row, int slot)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.String:
                var raw = r.ValueSpan;
                if (!r.ValueIsEscaped)
                {
                    if (row.Utf8Checked || JsonText.IsValid(raw))
                    {
                        row.Set(slot, raw);
                    }
                    else
                    {
                        Repair(row, slot, raw);
                    }
                }
                else
                {
                    var repaired = 0;
                    var dest = row.Reserve(raw.Length);
                    var written = JsonText.Unescape(raw, dest, ref repaired);
                    row.Repaired += repaired;
                    if (row.Utf8Checked || JsonText.IsValid(dest[..written]))
                    {
                        row.Commit(slot, written);
                    }
                    else
                    {
                        var copy = dest[..written].ToArray();
                        Repair(row, slot, copy);
                    }
                }

                row.Cap(slot);
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

    private static void Repair(ProjectedRow row, int slot, ReadOnlySpan<byte> text)
    {
        var repaired = 0;
        var written = JsonText.Repair(text, row.Reserve(text.Length * 3), ref repaired);
        row.Commit(slot, written);
        row.Repaired += repaired;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<byte> PropertyName(ref Utf8JsonReader r, byte[] buffer)
    {
        if (!r.ValueIsEscaped)
        {
            return r.ValueSpan;
        }

        // An escaped name longer than any name we look for cannot match one; treat it as unknown.
        var repaired = 0;
        return r.ValueSpan.Length <= buffer.Length ? buffer.AsSpan(0, JsonText.Unescape(r.ValueSpan, buffer, ref repaired)) : "\0"u8;
    }
}
