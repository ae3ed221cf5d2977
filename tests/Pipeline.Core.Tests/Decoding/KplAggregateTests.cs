using Pipeline.Decoding;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Decoding;

public sealed class KplAggregateTests
{
    [Fact]
    public void TryDeaggregate_RoundTrip_ReturnsEachRecordsData()
    {
        var blob = KplAggregate.Aggregate([("a", Utf8("one")), ("b", Utf8("two")), ("a", [])]);
        var ranges = new List<Range>();

        Assert.True(KplAggregate.TryDeaggregate(blob, ranges, out _, out var error), error);

        Assert.Equal(["one", "two", ""], ranges.Select(r => System.Text.Encoding.UTF8.GetString(blob.AsSpan()[r])));
    }

    [Fact]
    public void TryDeaggregate_TooShort_FailsWithReason()
    {
        var ranges = new List<Range>();

        Assert.False(KplAggregate.TryDeaggregate([0xF3, 0x89, 0x9A, 0xC2, 1, 2], ranges, out var checksum, out var error));
        Assert.False(checksum);
        Assert.Contains("shorter", error, StringComparison.Ordinal);
    }
}
