using Pipeline.Sqs.Notifications;

namespace Pipeline.Sqs.Tests.Notifications;

/// <summary>Every body AWS sends to a queue about new objects (<see cref="Notices"/>), and bodies that are not notifications.</summary>
public sealed class NotificationReaderTests
{
    private const string TrailKey = "AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/2026/11/30/111122223333_CloudTrail_us-east-1_20261130T1205Z_Ab3dE.json.gz";

    [Fact]
    public void Read_S3EventNotification_BucketKeySizeAndVersion()
    {
        var notice = NotificationReader.Read(Notices.S3Event(TrailKey, versionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"));

        Assert.Equal(NoticeKind.Objects, notice.Kind);
        var o = Assert.Single(notice.Objects);
        Assert.Equal(new ObjectRef("org-trail", TrailKey, 1024, "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"), o);
    }

    [Fact]
    public void Read_S3EventKeyUrlEncoded_KeyDecoded()
    {
        // S3 URL-encodes keys in event notifications: "red flower+1=2.json" arrives as "red+flower%2B1%3D2.json".
        var notice = NotificationReader.Read(Notices.S3Event("exports/red+flower%2B1%3D2.json"));

        Assert.Equal("exports/red flower+1=2.json", Assert.Single(notice.Objects).Key);
    }

    [Fact]
    public void Read_EventBridgeObjectCreated_KeyTakenAsIs()
    {
        var notice = NotificationReader.Read(Notices.EventBridgeObject("exports/a+b.json", size: 77));

        Assert.Equal(new ObjectRef("org-trail", "exports/a+b.json", 77, null), Assert.Single(notice.Objects));
    }

    [Fact]
    public void Read_SnsWrappedS3Event_Unwrapped()
    {
        var notice = NotificationReader.Read(Notices.Sns(Notices.S3Event(TrailKey)));

        Assert.Equal(TrailKey, Assert.Single(notice.Objects).Key);
    }

    [Fact]
    public void Read_CloudTrailDeliveryNotification_EveryKeyWithoutSize()
    {
        var second = TrailKey.Replace("Ab3dE", "Zz9yX", StringComparison.Ordinal);
        var raw = NotificationReader.Read(Notices.CloudTrailNotice("org-trail", TrailKey, second));
        var wrapped = NotificationReader.Read(Notices.Sns(Notices.CloudTrailNotice("org-trail", TrailKey, second)));

        Assert.Equal([new ObjectRef("org-trail", TrailKey, null, null), new ObjectRef("org-trail", second, null, null)], raw.Objects);
        Assert.Equal(raw.Objects, wrapped.Objects);
    }

    [Fact]
    public void Read_S3TestEvent_TestNotObjects()
    {
        Assert.Equal(NoticeKind.Test, NotificationReader.Read(Notices.TestEvent()).Kind);
        Assert.Equal(NoticeKind.Test, NotificationReader.Read(Notices.Sns(Notices.TestEvent())).Kind);
    }

    [Theory]
    [InlineData("ObjectRemoved:Delete")]
    [InlineData("ObjectRestore:Completed")]
    public void Read_S3EventOtherThanCreated_Ignored(string eventName)
    {
        var notice = NotificationReader.Read(Notices.S3Event(TrailKey, eventName));

        Assert.Equal(NoticeKind.Ignored, notice.Kind);
        Assert.Contains(eventName, notice.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EventBridgeObjectDeleted_Ignored()
    {
        Assert.Equal(NoticeKind.Ignored, NotificationReader.Read(Notices.EventBridgeObject(TrailKey, "Object Deleted")).Kind);
    }

    [Theory]
    [InlineData("hello", "not JSON")]
    [InlineData("[1,2]", "not an object")]
    [InlineData("{\"Records\":[{\"eventVersion\":\"1.08\",\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"AssumeRole\"}]}", "not an S3 event notification")]
    [InlineData("{\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.sts\",\"detail\":{}}", "names no S3 object")]
    [InlineData("{\"s3Bucket\":\"b\",\"s3ObjectKey\":\"one-key\"}", "not a list")]
    [InlineData("{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{}}}]}", "without s3.bucket.name")]
    public void Read_NotANotification_LeftWithTheReason(string body, string reason)
    {
        var notice = NotificationReader.Read(body);

        Assert.Equal(NoticeKind.NotANotification, notice.Kind);
        Assert.Contains(reason, notice.Detail, StringComparison.Ordinal);
        Assert.Empty(notice.Objects);
    }

    [Fact]
    public void Read_SnsSubscriptionConfirmation_NotANotificationSayingWhatToDo()
    {
        var notice = NotificationReader.Read(Notices.Sns("You have chosen to subscribe to the topic", "SubscriptionConfirmation"));

        Assert.Equal(NoticeKind.NotANotification, notice.Kind);
        Assert.Contains("SubscriptionConfirmation", notice.Detail, StringComparison.Ordinal);
        Assert.Contains("confirm", notice.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HostileBodies_NotANotificationNeverAThrow()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        var snsInSns = Notices.Sns(Notices.Sns(Notices.S3Event(TrailKey)));
        var snsNotJson = Notices.Sns("{not json");

        Assert.Equal(NoticeKind.NotANotification, NotificationReader.Read(deep).Kind);
        Assert.Contains("inside an SNS notification", NotificationReader.Read(snsInSns).Detail, StringComparison.Ordinal);
        Assert.Contains("Message is not JSON", NotificationReader.Read(snsNotJson).Detail, StringComparison.Ordinal);
        Assert.Equal(NoticeKind.NotANotification, NotificationReader.Read(string.Empty).Kind);
    }
}
