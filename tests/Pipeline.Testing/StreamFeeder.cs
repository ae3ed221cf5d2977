using Pipeline.Kinesis.Client;

namespace Pipeline.Tests.Support;

/// <summary>
/// Creates streams on the local Kinesis and puts CloudTrail events in every form a stream carries: EventBridge
/// events, raw records, CloudWatch Logs subscription payloads (gzip, with control messages and
/// <c>policyLevel</c>) and KPL aggregates. Remembers which event IDs it put, so tests can assert the lake exactly.
/// </summary>
public sealed class StreamFeeder(KinesisClient client, StreamRef stream)
{
    private readonly MixedMessages _messages = new();

    public List<string> EventIds => _messages.EventIds;

    public int ControlMessages => _messages.ControlMessages;

    public static async Task<(KinesisClient Client, StreamFeeder Feeder)> CreateAsync(LocalAws aws, string name, int shards, HttpMessageHandler? handler = null)
    {
        var client = new KinesisClient(new KinesisClientOptions { Endpoint = aws.KinesisEndpoint, Region = "us-east-1" }, LocalAws.Credentials, handler);
        await client.CreateStreamAsync(name, shards, CancellationToken.None);
        await client.WaitForActiveAsync(new StreamRef(name, null), TimeSpan.FromSeconds(30), CancellationToken.None);
        return (client, new StreamFeeder(client, new StreamRef(name, null)));
    }

    /// <summary>Puts records until <paramref name="events"/> CloudTrail events went in, cycling through the forms.</summary>
    public async Task PutMixedAsync(int events, CancellationToken ct = default)
    {
        foreach (var chunk in _messages.Next(events).Chunk(400))
        {
            await PutRawAsync(chunk, ct);
        }
    }

    /// <summary>Puts raw payloads as they are (malformed-input tests).</summary>
    public async Task PutRawAsync(IReadOnlyList<(string Key, byte[] Data)> records, CancellationToken ct = default)
    {
        List<(string, ReadOnlyMemory<byte>)> pending = [.. records.Select(r => (r.Key, (ReadOnlyMemory<byte>)r.Data))];
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            var response = await client.PutRecordsAsync(stream, pending, ct);
            pending = [.. pending.Where((_, i) => response.Records[i].ErrorCode is not null)];
            if (attempt > 20)
            {
                throw new InvalidOperationException("PutRecords keeps failing");
            }
        }
    }

    public static string Event(string id) => MixedMessages.Event(id);

    /// <summary>Reserves the next event ID, so a test can put its own record for it and still assert the lake exactly.</summary>
    public string NextEventId() => _messages.NextId();
}
