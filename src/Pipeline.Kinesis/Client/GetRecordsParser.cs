using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Pipeline.Kinesis.Client;

/// <summary>
/// Reads a GetRecords answer in one pass with <see cref="Utf8JsonReader"/>, decoding every record's base64 payload
/// straight into one pooled buffer instead of an array per record (the deserializer's way), which profiling showed
/// to dominate the stream path's allocations.
/// </summary>
internal static class GetRecordsParser
{
    /// <summary>Parses an answer; its payloads are decoded into a buffer of <paramref name="buffers"/>, given back when the answer is disposed.</summary>
    public static GetRecordsResponse Parse(ReadOnlySpan<byte> json, AnswerBuffers buffers)
    {
        // Decoded payloads are at most 3/4 of their base64 text, itself part of the answer.
        var buffer = buffers.Rent(Math.Max(16, json.Length * 3 / 4));
        var used = 0;
        var records = new List<KinesisRecord>();
        string? next = null;
        long? behind = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("Records"u8))
                {
                    Expect(ref reader, JsonTokenType.StartArray);
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        records.Add(ReadRecord(ref reader, buffer, ref used));
                    }
                }
                else if (reader.ValueTextEquals("NextShardIterator"u8))
                {
                    reader.Read();
                    next = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                }
                else if (reader.ValueTextEquals("MillisBehindLatest"u8))
                {
                    reader.Read();
                    behind = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64();
                }
                else
                {
                    reader.Read();
                    reader.TrySkip();
                }
            }

            return new GetRecordsResponse(records, next, behind, buffer, buffers);
        }
        catch
        {
            buffers.Return(buffer);
            throw;
        }
    }

    private static KinesisRecord ReadRecord(ref Utf8JsonReader reader, byte[] buffer, ref int used)
    {
        string? sequence = null, key = null;
        double? arrival = null;
        ReadOnlyMemory<byte> data = ReadOnlyMemory<byte>.Empty;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Data"u8))
            {
                reader.Read();
                if (reader.ValueIsEscaped || reader.HasValueSequence)
                {
                    data = reader.GetBytesFromBase64();
                }
                else
                {
                    var status = Base64.DecodeFromUtf8(reader.ValueSpan, buffer.AsSpan(used), out _, out var written);
                    if (status != OperationStatus.Done)
                    {
                        throw new JsonException($"record payload is not valid base64 ({status})");
                    }

                    data = buffer.AsMemory(used, written);
                    used += written;
                }
            }
            else if (reader.ValueTextEquals("SequenceNumber"u8))
            {
                reader.Read();
                sequence = reader.GetString();
            }
            else if (reader.ValueTextEquals("PartitionKey"u8))
            {
                reader.Read();
                key = reader.GetString();
            }
            else if (reader.ValueTextEquals("ApproximateArrivalTimestamp"u8))
            {
                reader.Read();
                arrival = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
            }
            else
            {
                reader.Read();
                reader.TrySkip();
            }
        }

        return new KinesisRecord(sequence ?? throw new JsonException("record without SequenceNumber"), key ?? string.Empty, data, arrival);
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new JsonException($"expected {type} in GetRecords answer, found {reader.TokenType}");
        }
    }
}
