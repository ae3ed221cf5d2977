using System.Globalization;
using Pipeline.Decoding;
using Pipeline.Kinesis.Client;

namespace Pipeline.Kinesis.Tests.Support;

/// <summary>
/// Creates streams on the local Kinesis and puts CloudTrail events in every form a stream carries: EventBridge
/// events, raw records, CloudWatch Logs subscription payloads (gzip, with control messages and
/// <c>policyLevel</c>) and KPL aggregates. Remembers which event IDs it put, so tests can assert the lake exactly.
/// </summary>
internal sealed class StreamFeeder(KinesisClient client, StreamRef stream)
{
    private static readonly string[] Accounts = ["111111111111", "222222222222", "333333333333"];
    private static readonly string[] Tls = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
    private int _next;

    public List<string> EventIds { get; } = [];

    public int ControlMessages { get; private set; }

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
        var batch = new List<(string, ReadOnlyMemory<byte>)>();
        var put = 0;
        var form = 0;
        while (put < events)
        {
            var take = Math.Min(events - put, (form % 4) switch { 1 => 3, 2 => 5, _ => 1 });
            var ids = Enumerable.Range(0, take).Select(_ => NextId()).ToList();
            var records = ids.Select(Event).ToList();
            byte[] data = (form % 4) switch
            {
                0 => Records.Utf8(Records.EventBridge(records[0])),
                1 => Records.Gzip(Records.CloudWatchLogs([.. records])),
                2 => KplAggregate.Aggregate([.. records.Select((r, i) => ($"pk{i}", Records.Utf8(i % 2 == 0 ? r : Records.EventBridge(r))))]),
                _ => Records.Utf8(records[0]),
            };
            batch.Add((ids[0], data));
            put += take;
            form++;
            if (form % 97 == 0)
            {
                batch.Add(("control", Records.Gzip("""{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}""")));
                ControlMessages++;
            }

            if (batch.Count >= 400)
            {
                await PutAsync(batch, ct);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await PutAsync(batch, ct);
        }
    }

    /// <summary>Puts raw payloads as they are (malformed-input tests).</summary>
    public Task PutRawAsync(IReadOnlyList<(string Key, byte[] Data)> records, CancellationToken ct = default) =>
        PutAsync([.. records.Select(r => (r.Key, (ReadOnlyMemory<byte>)r.Data))], ct);

    public string NextId()
    {
        var id = "ev-" + _next.ToString("D6", CultureInfo.InvariantCulture);
        _next++;
        EventIds.Add(id);
        return id;
    }

    public static string Event(string id)
    {
        var n = int.Parse(id.AsSpan(3), CultureInfo.InvariantCulture);
        var time = new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc).AddMinutes(n % (3 * 24 * 60)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return Records.Record(id, time, Accounts[n % Accounts.Length], Tls[n % Tls.Length]);
    }

    private async Task PutAsync(List<(string, ReadOnlyMemory<byte>)> records, CancellationToken ct)
    {
        var pending = records;
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
}
