namespace Pipeline.Sqs.Tests;

public sealed class SqsSourceOptionsTests
{
    [Fact]
    public void ApplyUri_NameRegionEndpoint_AllSet()
    {
        var o = new SqsSourceOptions();
        o.ApplyUri("sqs://org-trail-objects?region=eu-west-1&endpoint=http://127.0.0.1:4566");

        Assert.Equal("org-trail-objects", o.Queue);
        Assert.Equal("eu-west-1", o.ResolveRegion());
        Assert.Equal(new Uri("http://127.0.0.1:4566"), o.Endpoint);
    }

    [Fact]
    public void ApplyUri_QueueUrl_RegionFromItsHost()
    {
        var o = new SqsSourceOptions();
        o.ApplyUri("sqs://https://sqs.ap-southeast-2.amazonaws.com/111122223333/org-trail-objects");

        Assert.Equal("https://sqs.ap-southeast-2.amazonaws.com/111122223333/org-trail-objects", o.Queue);
        Assert.Equal("ap-southeast-2", o.ResolveRegion());
    }

    [Theory]
    [InlineData("sqs://", "needs a queue")]
    [InlineData("sqs://q?endpoint=not a url", "is not a URL")]
    [InlineData("sqs://q?group=x", "'group=x' is not known")]
    [InlineData("kafka://h:1/t", "not an sqs:// source")]
    public void ApplyUri_Bad_FormatExceptionNamingTheProblem(string uri, string message)
    {
        var e = Assert.Throws<FormatException>(() => new SqsSourceOptions().ApplyUri(uri));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OutOfRange_MessageNamesTheKey()
    {
        var result = new Pipeline.Ingest.KeyedValidator<SqsSourceOptions>(SqsSourceOptions.Section, new SqsSourceOptionsValidator()).Validate(null, new SqsSourceOptions { Queue = "q", Receivers = 0, Visibility = TimeSpan.FromSeconds(1) });

        Assert.True(result.Failed);
        Assert.Contains("Sqs:Receivers: The field", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Sqs:Visibility", result.FailureMessage, StringComparison.Ordinal);
    }
}
