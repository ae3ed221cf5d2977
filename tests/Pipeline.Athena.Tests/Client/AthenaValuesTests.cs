using Pipeline.Athena.Client;

namespace Pipeline.Athena.Tests.Client;

public sealed class AthenaValuesTests
{
    [Theory]
    [InlineData("timestamp", "2026-11-23 10:00:00.123", 123)]
    [InlineData("timestamp", "2026-11-23 10:00:00", 0)]
    [InlineData("timestamp(3)", "2026-11-23 10:00:00.5", 500)]
    public void Parse_Timestamp_UtcToTheMillisecond(string type, string text, int millis)
    {
        var value = Assert.IsType<DateTime>(AthenaValues.Parse(new ResultColumn("t", type), text));

        Assert.Equal(new DateTime(2026, 11, 23, 10, 0, 0, millis, DateTimeKind.Utc), value);
        Assert.Equal(DateTimeKind.Utc, value.Kind);
    }

    [Fact]
    public void Parse_TimestampWithTimeZone_KeepsTheInstant()
    {
        var value = Assert.IsType<DateTimeOffset>(AthenaValues.Parse(new ResultColumn("t", "timestamp with time zone"), "2026-11-23 10:00:00.000 UTC"));

        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), value);
    }

    [Fact]
    public void Parse_JsonArrayWithCommasAndQuotes_ListOfTheExactStrings()
    {
        var value = AthenaValues.Parse(new ResultColumn("l", "json"), """["TLSv1, or not","c\"d","=HYPERLINK(1)",null]""");

        Assert.Equal(new List<object?> { "TLSv1, or not", "c\"d", "=HYPERLINK(1)", null }, value);
    }

    [Fact]
    public void Parse_ArrayColumn_RefusedWithTheFix()
    {
        var e = Assert.Throws<FormatException>(() => AthenaValues.Parse(new ResultColumn("versions", "array"), "[TLSv1, TLSv1.1]"));

        Assert.Contains("versions", e.Message, StringComparison.Ordinal);
        Assert.Contains("CAST the column AS JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NullAndEmpty_KeptApart()
    {
        Assert.Null(AthenaValues.Parse(new ResultColumn("s", "varchar"), null));
        Assert.Equal("", AthenaValues.Parse(new ResultColumn("s", "varchar"), ""));
    }

    [Fact]
    public void Parse_BadBigint_NamesTheColumnAndValue()
    {
        var e = Assert.Throws<FormatException>(() => AthenaValues.Parse(new ResultColumn("calls", "bigint"), "12x"));

        Assert.Contains("calls (bigint)", e.Message, StringComparison.Ordinal);
        Assert.Contains("'12x'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 10)] // the 10 MB minimum
    [InlineData(1, 10)]
    [InlineData(10L * 1048576 + 1, 11)] // rounded up to the MB
    public void Cost_Scan_BilledAsAthenaBills(long scanned, long billedMiB)
    {
        Assert.Equal(billedMiB * 1048576m / (1L << 40) * 5m, AthenaQueries.Cost(scanned, 5m));
    }
}
