using System.Net;
using System.Text.Json;

namespace Pipeline.Sqs.Notifications;

/// <summary>An S3 object a notification names.</summary>
/// <param name="Bucket">Its bucket.</param>
/// <param name="Key">Its key, decoded (S3 event notifications URL-encode it).</param>
/// <param name="Size">Bytes, when the notification says (CloudTrail's own notification does not).</param>
/// <param name="VersionId">The version created, in a versioned bucket.</param>
public sealed record ObjectRef(string Bucket, string Key, long? Size, string? VersionId)
{
    public override string ToString() => $"s3://{Bucket}/{Key}";
}

/// <summary>What a queue message is.</summary>
public enum NoticeKind
{
    /// <summary>Names objects to read.</summary>
    Objects,

    /// <summary>S3's <c>s3:TestEvent</c>, sent when a notification is configured: nothing to read, deleted.</summary>
    Test,

    /// <summary>A notification of something other than a new object (a delete, a restore): nothing to read, deleted.</summary>
    Ignored,

    /// <summary>Not a notification this source reads: left on the queue for its redrive policy.</summary>
    NotANotification,
}

/// <summary>A queue message, read.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Objects">The new objects it names (empty unless <see cref="NoticeKind.Objects"/>).</param>
/// <param name="Detail">Why it is not a notification, or what was ignored.</param>
public sealed record Notice(NoticeKind Kind, IReadOnlyList<ObjectRef> Objects, string Detail)
{
    public static Notice NotNotification(string why) => new(NoticeKind.NotANotification, [], why);
}

/// <summary>
/// Reads, by content, every body AWS sends to a queue about new objects of a trail's bucket:
/// <list type="bullet">
/// <item>S3 event notifications (<c>{"Records":[{"eventSource":"aws:s3","s3":{…}}]}</c>, keys URL-encoded);
/// S3's <c>s3:TestEvent</c>;</item>
/// <item>the same wrapped by SNS (<c>{"Type":"Notification","Message":"&lt;json&gt;"}</c>; with raw message
/// delivery on, the bare body);</item>
/// <item>EventBridge "Object Created" events (<c>detail.bucket.name</c>, <c>detail.object.key</c>);</item>
/// <item>CloudTrail's own SNS notification of log delivery (<c>{"s3Bucket":…,"s3ObjectKey":[…]}</c>).</item>
/// </list>
/// Anything else is <see cref="NoticeKind.NotANotification"/> with the reason.
/// </summary>
public static class NotificationReader
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32 };

    public static Notice Read(string body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, Options);
        }
        catch (JsonException e)
        {
            return Notice.NotNotification($"not JSON: {e.Message}");
        }

        using (doc)
        {
            return Read(doc.RootElement, snsDepth: 0);
        }
    }

    private static Notice Read(JsonElement root, int snsDepth)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Notice.NotNotification($"a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
        }

        if (Text(root, "Type") is { } snsType && root.TryGetProperty("TopicArn", out _))
        {
            return Sns(root, snsType, snsDepth);
        }

        if (Text(root, "Event") == "s3:TestEvent")
        {
            return new Notice(NoticeKind.Test, [], "s3:TestEvent");
        }

        if (root.TryGetProperty("Records", out var records) && records.ValueKind == JsonValueKind.Array)
        {
            return S3Event(records);
        }

        if (Text(root, "source") == "aws.s3" && Text(root, "detail-type") is { } detailType && root.TryGetProperty("detail", out var detail))
        {
            return EventBridge(detailType, detail);
        }

        if (Text(root, "s3Bucket") is { } bucket && root.TryGetProperty("s3ObjectKey", out var keys))
        {
            return CloudTrail(bucket, keys);
        }

        return Notice.NotNotification("names no S3 object: neither an S3 event notification, an SNS notification, an EventBridge S3 event nor CloudTrail's log delivery notification");
    }

    private static Notice Sns(JsonElement root, string type, int depth)
    {
        if (type != "Notification")
        {
            // SubscriptionConfirmation, UnsubscribeConfirmation: a person has to act on them.
            return Notice.NotNotification($"an SNS {type} message, not a notification (confirm the subscription, or turn on raw message delivery)");
        }

        if (depth > 0)
        {
            return Notice.NotNotification("an SNS notification inside an SNS notification");
        }

        if (Text(root, "Message") is not { } message)
        {
            return Notice.NotNotification("an SNS notification without a string Message");
        }

        JsonDocument inner;
        try
        {
            inner = JsonDocument.Parse(message, Options);
        }
        catch (JsonException e)
        {
            return Notice.NotNotification($"an SNS notification whose Message is not JSON: {e.Message}");
        }

        using (inner)
        {
            return Read(inner.RootElement, depth + 1);
        }
    }

    private static Notice S3Event(JsonElement records)
    {
        var objects = new List<ObjectRef>();
        var ignored = new List<string>();
        foreach (var record in records.EnumerateArray())
        {
            if (record.ValueKind != JsonValueKind.Object || !record.TryGetProperty("s3", out var s3) || s3.ValueKind != JsonValueKind.Object)
            {
                return Notice.NotNotification("Records without s3 entries: not an S3 event notification (CloudTrail records sent to the queue directly are not read from it)");
            }

            var name = Text(record, "eventName") ?? string.Empty;
            if (!name.StartsWith("ObjectCreated:", StringComparison.Ordinal))
            {
                ignored.Add(name.Length == 0 ? "an S3 event without eventName" : name);
                continue;
            }

            if (!s3.TryGetProperty("bucket", out var b) || Text(b, "name") is not { } bucket
                || !s3.TryGetProperty("object", out var o) || Text(o, "key") is not { } key)
            {
                return Notice.NotNotification($"an S3 {name} event without s3.bucket.name and s3.object.key");
            }

            objects.Add(new ObjectRef(bucket, WebUtility.UrlDecode(key), Number(o, "size"), Text(o, "versionId")));
        }

        return Found(objects, ignored);
    }

    private static Notice EventBridge(string detailType, JsonElement detail)
    {
        if (detailType != "Object Created")
        {
            return new Notice(NoticeKind.Ignored, [], $"EventBridge S3 event '{detailType}'");
        }

        if (detail.ValueKind != JsonValueKind.Object
            || !detail.TryGetProperty("bucket", out var b) || Text(b, "name") is not { } bucket
            || !detail.TryGetProperty("object", out var o) || Text(o, "key") is not { } key)
        {
            return Notice.NotNotification("an EventBridge 'Object Created' event without detail.bucket.name and detail.object.key");
        }

        return new Notice(NoticeKind.Objects, [new ObjectRef(bucket, key, Number(o, "size"), Text(o, "version-id"))], string.Empty);
    }

    private static Notice CloudTrail(string bucket, JsonElement keys)
    {
        if (keys.ValueKind != JsonValueKind.Array)
        {
            return Notice.NotNotification("a CloudTrail notification whose s3ObjectKey is not a list");
        }

        var objects = new List<ObjectRef>();
        foreach (var key in keys.EnumerateArray())
        {
            if (key.ValueKind != JsonValueKind.String || key.GetString() is not { Length: > 0 } k)
            {
                return Notice.NotNotification("a CloudTrail notification with an s3ObjectKey entry that is not a key");
            }

            objects.Add(new ObjectRef(bucket, k, null, null));
        }

        return Found(objects, []);
    }

    private static Notice Found(List<ObjectRef> objects, List<string> ignored) =>
        objects.Count > 0 ? new Notice(NoticeKind.Objects, objects, string.Empty)
        : ignored.Count > 0 ? new Notice(NoticeKind.Ignored, [], string.Join(", ", ignored.Distinct(StringComparer.Ordinal)))
        : new Notice(NoticeKind.Ignored, [], "a notification naming no object");

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
}
