using Pipeline.Kinesis.Consumer;

namespace Pipeline.Kinesis.Tests.Consumer;

public sealed class KinesisSourceOptionsTests
{
    [Fact]
    public void FromUri_AllParameters_Parsed()
    {
        var o = KinesisSourceOptions.FromUri("kinesis://org-trail?region=eu-west-1&endpoint=http://127.0.0.1:4567&lease-table=leases&dynamodb-endpoint=http%3A%2F%2F127.0.0.1%3A4568&start=at-timestamp:2026-11-20T10:00:00Z");

        Assert.Equal("org-trail", o.Stream);
        Assert.Equal("eu-west-1", o.ResolveRegion());
        Assert.Equal(new Uri("http://127.0.0.1:4567"), o.Endpoint);
        Assert.Equal("leases", o.LeaseTable);
        Assert.Equal(new Uri("http://127.0.0.1:4568"), o.DynamoDbEndpoint);
        Assert.Equal(StartPosition.AtTimestamp, o.Start);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), o.StartTimestamp);
    }

    [Fact]
    public void FromUri_StreamArn_RegionTakenFromArn()
    {
        var o = KinesisSourceOptions.FromUri("kinesis://arn:aws:kinesis:ap-southeast-2:123456789012:stream/org-trail");

        Assert.Equal("ap-southeast-2", o.ResolveRegion());
        Assert.Equal("org-trail", Pipeline.Kinesis.Client.StreamRef.Parse(o.Stream).DisplayName);
    }

    [Theory]
    [InlineData("kinesis://", "names no stream")]
    [InlineData("kinesis://s?regoin=us-east-1", "unknown kinesis:// parameter 'regoin'")]
    [InlineData("kinesis://s?endpoint=ftp://x", "not an http(s) URL")]
    [InlineData("kinesis://s?start=yesterday", "start 'yesterday'")]
    public void FromUri_Invalid_ClearError(string uri, string expected)
    {
        var e = Assert.Throws<FormatException>(() => KinesisSourceOptions.FromUri(uri));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
