using System.Globalization;
using Pipeline.Decoding;

namespace Pipeline.Tests.Support;

/// <summary>
/// Stream messages in every form a stream carries CloudTrail in: EventBridge events, raw records, CloudWatch Logs
/// subscription payloads (gzip, with control messages and <c>policyLevel</c>) and KPL aggregates. Remembers the
/// event IDs it made, so tests can assert a lake exactly.
/// </summary>
public sealed class MixedMessages
{
    private static readonly string[] Accounts = ["111111111111", "222222222222", "333333333333"];
    private static readonly string[] Tls = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
    private int _next;
    private int _form;

    public List<string> EventIds { get; } = [];

    public int ControlMessages { get; private set; }

    /// <summary>Messages carrying <paramref name="events"/> CloudTrail events, cycling through the forms.</summary>
    public List<(string Key, byte[] Data)> Next(int events)
    {
        var messages = new List<(string, byte[])>();
        var made = 0;
        while (made < events)
        {
            var take = Math.Min(events - made, (_form % 4) switch { 1 => 3, 2 => 5, _ => 1 });
            var ids = Enumerable.Range(0, take).Select(_ => NextId()).ToList();
            var records = ids.Select(Event).ToList();
            byte[] data = (_form % 4) switch
            {
                0 => Records.Utf8(Records.EventBridge(records[0])),
                1 => Records.Gzip(Records.CloudWatchLogs([.. records])),
                2 => KplAggregate.Aggregate([.. records.Select((r, i) => ($"pk{i}", Records.Utf8(i % 2 == 0 ? r : Records.EventBridge(r))))]),
                _ => Records.Utf8(records[0]),
            };
            messages.Add((ids[0], data));
            made += take;
            _form++;
            if (_form % 97 == 0)
            {
                messages.Add(("control", Records.Gzip("""{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}""")));
                ControlMessages++;
            }
        }

        return messages;
    }

    public string NextId()
    {
        var id = "ev-" + _next.ToString("D6", CultureInfo.InvariantCulture);
        _next++;
        EventIds.Add(id);
        return id;
    }

    /// <summary>A CloudTrail record for an event ID of the form <c>ev-NNNNNN</c>, spread over accounts, days and TLS versions.</summary>
    public static string Event(string id)
    {
        var n = int.Parse(id.AsSpan(3), CultureInfo.InvariantCulture);
        var time = new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc).AddMinutes(n % (3 * 24 * 60)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return Records.Record(id, time, Accounts[n % Accounts.Length], Tls[n % Tls.Length]);
    }
}
