using Pipeline.Reporting.Owners;
using Pipeline.Reporting.Render;
using Pipeline.Reporting.Rules;
using Pipeline.Reporting.Weeks;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Reporting;

public sealed class ReportPartsTests
{
    [Theory]
    [InlineData("2026-W47", "2026-11-16", "2026-11-22")]
    [InlineData("2026-W01", "2025-12-29", "2026-01-04")]
    [InlineData("2020-W53", "2020-12-28", "2021-01-03")]
    public void TryParse_IsoWeek_GivesMondayToSunday(string text, string monday, string sunday)
    {
        Assert.True(IsoWeek.TryParse(text, out var week));
        Assert.Equal(DateOnly.Parse(monday, System.Globalization.CultureInfo.InvariantCulture), week.Monday);
        Assert.Equal(DateOnly.Parse(sunday, System.Globalization.CultureInfo.InvariantCulture), week.Sunday);
        Assert.Equal(text, week.ToString());
    }

    [Theory]
    [InlineData("2026-47")]
    [InlineData("2026-W54")]
    [InlineData("2021-W53")]
    [InlineData("last week")]
    public void TryParse_BadWeek_Fails(string text) => Assert.False(IsoWeek.TryParse(text, out _));

    [Fact]
    public void LastComplete_OnAMonday_IsTheWeekThatJustEnded()
    {
        Assert.Equal(new IsoWeek(2026, 47), IsoWeek.LastComplete(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new IsoWeek(2026, 47), IsoWeek.LastComplete(new DateTimeOffset(2026, 11, 29, 23, 59, 59, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("aws-sdk-java/1.11.119 Linux/3.10 Java_HotSpot(TM)_64-Bit_Server_VM/24.80-b11 java/1.7.0_80", "java-6-7", "java/1.7.0_80")]
    [InlineData("aws-sdk-dotnet-45/3.3.104.22 aws-sdk-dotnet-core/3.3.103.43 .NET_Runtime/4.0 .NET_Framework/4.0 OS/Microsoft_Windows_NT_6.1.7601.65536 ClientAsync", "dotnet-framework", ".NET_Runtime/4.0")]
    [InlineData("aws-cli/1.16.96 Python/2.7.5 Linux/3.10.0-957.el7.x86_64 botocore/1.12.86", "aws-cli-v1-python2", "Python/2.7.5")]
    [InlineData("Boto3/1.4.4 Python/2.7.12 Linux/4.4.0-1049-aws Botocore/1.5.75", "boto-python2", "Python/2.7.12")]
    public void Classify_KnownLegacyStacks_MatchTheirRule(string ua, string rule, string runtime)
    {
        var c = ClientRules.Load().Classify(ua);

        Assert.Contains(rule, c.RuleIds);
        Assert.Equal(runtime, c.Runtime);
    }

    [Fact]
    public void Classify_DotNetFramework_NeverClaimsTheExactVersionAndCoversWindows7()
    {
        var c = ClientRules.Load().Classify("aws-sdk-dotnet-45/3.3.104.22 .NET_Runtime/4.0 .NET_Framework/4.0 OS/Microsoft_Windows_NT_6.1.7601.65536");

        Assert.Equal(["dotnet-framework", "windows-7-2008r2"], c.RuleIds);
        Assert.Contains("4.6.2", c.Advice[0], StringComparison.Ordinal);
        Assert.Contains("SchUseStrongCrypto", c.Advice[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_Unknown_GetsTheGenericAdvice()
    {
        var c = ClientRules.Load().Classify("my-homegrown-client/0.1");

        Assert.Empty(c.RuleIds);
        Assert.Equal("Other client", c.Family);
        Assert.Single(c.Advice);
    }

    [Fact]
    public void Load_UserRulesFile_ComesFirst()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("rules.json"), """{"rules":[{"id":"ours","match":"homegrown","family":"Our client","advice":"Rebuild with libssl 3."}]}""");

        var c = ClientRules.Load(dir.Sub("rules.json")).Classify("my-homegrown-client/0.1");

        Assert.Equal(["ours"], c.RuleIds);
    }

    [Fact]
    public void Load_OwnersCsvWithBadId_FailsNamingTheLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("o.csv"), "account_id,name\n123,x\n");

        var e = Assert.Throws<FormatException>(() => OwnerDirectory.Load(dir.Sub("o.csv")));

        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=1+1", "\"'=1+1\"")]
    [InlineData("+1", "\"'+1\"")]
    [InlineData("-1", "\"'-1\"")]
    [InlineData("@SUM(A1)", "\"'@SUM(A1)\"")]
    [InlineData("\tx", "\"'<U+0009>x\"")]
    [InlineData("a,\"b\"", "\"a,\"\"b\"\"\"")]
    [InlineData("a\nb", "\"a<U+000A>b\"")]
    public void Csv_FormulaAndQuotes_AreNeutralised(string value, string expected) => Assert.Equal(expected, Escape.Csv(value));

    [Fact]
    public void MdCode_ValueWithBackticks_UsesALongerFence()
    {
        Assert.Equal("`` a`b ``", Escape.MdCode("a`b"));
        Assert.Equal("` [x](http://e) `", Escape.MdCode("[x](http://e)"));
    }
}
