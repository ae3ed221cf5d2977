using System.Text;
using Pipeline.Projection;

namespace Pipeline.Tests.Projection;

public sealed class RowValidatorTests
{
    [Theory]
    [InlineData("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.0000000Z")]
    [InlineData("2024-05-01T12:00:00.123456Z", "2024-05-01T12:00:00.1234560Z")]
    [InlineData("2024-05-01T23:30:00-02:00", "2024-05-02T01:30:00.0000000Z")]
    [InlineData("2024-05-02T00:30:00+01:00", "2024-05-01T23:30:00.0000000Z")]
    [InlineData("2024-05-01 12:00:00Z", "2024-05-01T12:00:00.0000000Z")]
    [InlineData("2024-05-01T12:00:00", "2024-05-01T12:00:00.0000000Z")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.0000000Z")]
    public void TryParseTime_IsoVariants_GiveUtc(string text, string expected)
    {
        Assert.True(RowValidator.TryParseTime(Encoding.UTF8.GetBytes(text), out var utc));
        Assert.Equal(expected, utc.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("2024-13-01T00:00:00Z")]
    [InlineData("2024-05-01T25:00:00Z")]
    [InlineData("10:00")]
    [InlineData("November 2026")]
    [InlineData("2026-11")]
    [InlineData("2026-11-01")]
    [InlineData("1714564800")]
    [InlineData("Wed, 01 May 2024 12:00:00 GMT")]
    [InlineData("2024-05-01T12:00:00.Z")]
    [InlineData("2024-05-01T12:00:00+0100")]
    [InlineData("2024-05-01T12:00:00Z trailing")]
    public void TryParseTime_Garbage_Fails(string text)
    {
        Assert.False(RowValidator.TryParseTime(Encoding.UTF8.GetBytes(text), out _));
    }

    [Theory]
    [InlineData("123456789012", true)]
    [InlineData("000000000001", true)]
    [InlineData("12345678901", false)]
    [InlineData("1234567890123", false)]
    [InlineData("12345678901 ", false)]
    [InlineData("１２３４５６７８９０１２", false)]
    public void TryParseAccount_OnlyTwelveAsciiDigits(string text, bool ok)
    {
        Assert.Equal(ok, RowValidator.TryParseAccount(Encoding.UTF8.GetBytes(text), out _));
    }
}
