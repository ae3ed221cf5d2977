using System.Text.Json;

namespace Pipeline.Tests.Support;

/// <summary>
/// Queue message bodies in the shapes AWS documents: S3 event notifications
/// (docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html), S3 events in EventBridge
/// (…/userguide/ev-events.html), SNS envelopes (docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html)
/// and CloudTrail's log delivery notification (docs.aws.amazon.com/awscloudtrail/latest/userguide/configure-sns-notifications-for-cloudtrail.html).
/// </summary>
public static class Notices
{
    public static string S3Event(string key, string eventName = "ObjectCreated:Put", string bucket = "org-trail", long size = 1024, string? versionId = null) =>
        "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\",\"eventTime\":\"2026-11-30T12:05:31.123Z\","
        + $"\"eventName\":\"{eventName}\",\"userIdentity\":{{\"principalId\":\"AWS:AROAEXAMPLE:regionalDeliverySession\"}},"
        + "\"requestParameters\":{\"sourceIPAddress\":\"10.0.0.1\"},\"responseElements\":{\"x-amz-request-id\":\"C3D13FE58DE4C810\",\"x-amz-id-2\":\"FMyUVURIY8\"},"
        + $"\"s3\":{{\"s3SchemaVersion\":\"1.0\",\"configurationId\":\"trail-to-sqs\",\"bucket\":{{\"name\":\"{bucket}\",\"ownerIdentity\":{{\"principalId\":\"A3NL1KOZZKExample\"}},\"arn\":\"arn:aws:s3:::{bucket}\"}},"
        + $"\"object\":{{\"key\":\"{key}\",\"size\":{size},\"eTag\":\"d41d8cd98f00b204e9800998ecf8427e\",{(versionId is null ? string.Empty : $"\"versionId\":\"{versionId}\",")}\"sequencer\":\"0055AED6DCD90281E5\"}}}}}}]}}";

    public static string TestEvent(string bucket = "org-trail") =>
        $"{{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-30T12:00:00.000Z\",\"Bucket\":\"{bucket}\",\"RequestId\":\"5582815E1AEA5ADF\",\"HostId\":\"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE\"}}";

    public static string Sns(string message, string type = "Notification") =>
        "{\"Type\":\"" + type + "\",\"MessageId\":\"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\",\"TopicArn\":\"arn:aws:sns:us-east-1:111122223333:org-trail-events\","
        + "\"Subject\":\"Amazon S3 Notification\",\"Message\":" + JsonSerializer.Serialize(message) + ",\"Timestamp\":\"2026-11-30T12:05:32.000Z\","
        + "\"SignatureVersion\":\"1\",\"Signature\":\"EXAMPLEpH+..\",\"SigningCertURL\":\"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem\","
        + "\"UnsubscribeURL\":\"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:111122223333:org-trail-events:1\"}";

    public static string EventBridgeObject(string key, string detailType = "Object Created", string bucket = "org-trail", long size = 1024) =>
        "{\"version\":\"0\",\"id\":\"17793124-05d4-b198-2fde-7ededc63b103\",\"detail-type\":\"" + detailType + "\",\"source\":\"aws.s3\",\"account\":\"111122223333\","
        + "\"time\":\"2026-11-30T12:05:31Z\",\"region\":\"us-east-1\",\"resources\":[\"arn:aws:s3:::" + bucket + "\"],"
        + "\"detail\":{\"version\":\"0\",\"bucket\":{\"name\":\"" + bucket + "\"},\"object\":{\"key\":" + JsonSerializer.Serialize(key) + ",\"size\":" + size
        + ",\"etag\":\"b1946ac92492d2347c6235b4d2611184\",\"sequencer\":\"00617F08299329D189\"},\"request-id\":\"N4N7GDK58NMKJ12R\",\"requester\":\"cloudtrail.amazonaws.com\",\"reason\":\"PutObject\"}}";

    public static string CloudTrailNotice(string bucket, params string[] keys) =>
        "{\"s3Bucket\":\"" + bucket + "\",\"s3ObjectKey\":[" + string.Join(",", keys.Select(k => JsonSerializer.Serialize(k))) + "]}";
}
