using Pipeline.Reporting.Model;
using Pipeline.Reporting.Rules;

namespace Pipeline.Tests.Reporting;

/// <summary>User agents of today's SDKs and of the stacks AWS names as TLS 1.0/1.1 clients.</summary>
public sealed class ClientRulesTests
{
    private static readonly ClientRules Rules = ClientRules.Load();

    [Theory]
    [InlineData("aws-sdk-java/2.20.162 ua/2.0 os/Linux#5.10.201-191.748.amzn2.x86_64 lang/java#17.0.9 md/OpenJDK_64-Bit_Server_VM#17.0.9+8-LTS md/vendor#Amazon.com_Inc. md/en_US exec-env/AWS_Lambda_java17 api/s3#2.20.162 m/D",
        "aws-sdk-java/2.20.162", "java 17.0.9", "Linux 5.10.201-191.748.amzn2.x86_64", "AWS_Lambda_java17")]
    [InlineData("Boto3/1.34.14 md/Botocore#1.34.14 ua/2.0 os/linux#6.1.61-85.141.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.1 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.14",
        "Boto3/1.34.14", "python 3.12.1", "linux 6.1.61-85.141.amzn2023.x86_64", null)]
    [InlineData("aws-sdk-js/3.470.0 ua/2.0 os/linux#5.10.198-187.748.amzn2.x86_64 lang/js md/nodejs#18.18.2 api/s3#3.470.0 exec-env/AWS_ECS_FARGATE",
        "aws-sdk-js/3.470.0", "nodejs 18.18.2", "linux 5.10.198-187.748.amzn2.x86_64", "AWS_ECS_FARGATE")]
    [InlineData("aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.47.7",
        "aws-sdk-go-v2/1.24.0", "go 1.21.5", "linux", null)]
    [InlineData("aws-sdk-java/1.11.119 Linux/3.10.0 Java_HotSpot(TM)_64-Bit_Server_VM/24.80-b11 java/1.7.0_80",
        "aws-sdk-java/1.11.119", "java/1.7.0_80", "Linux/3.10.0", null)]
    [InlineData("AWSPowerShell/3.3.283.0 .NET_Runtime/4.0 .NET_Framework/4.0 OS/Microsoft_Windows_NT_6.1.7601.65536 WindowsPowerShell/5.1",
        "AWSPowerShell/3.3.283.0", ".NET_Runtime/4.0", "OS/Microsoft_Windows_NT_6.1.7601.65536", null)]
    public void Classify_UserAgentForms_ReadsSdkRuntimeOsAndEnvironment(string ua, string sdk, string runtime, string os, string? env)
    {
        var c = Rules.Classify(ua);

        Assert.Equal(sdk, c.Sdk);
        Assert.Equal(runtime, c.Runtime);
        Assert.Equal(os, c.Os);
        Assert.Equal(env, c.ExecEnv);
    }

    [Theory]
    [InlineData("aws-sdk-dotnet-45/3.3.0.0 aws-sdk-dotnet-core/3.3.0.0 .NET_Runtime/4.0 .NET_Framework/4.5.1 OS/Microsoft_Windows_NT_6.3.9600.0", "dotnet-framework-pre-462")]
    [InlineData("aws-sdk-dotnet-framework/3.7.0 ua/2.0 os/windows#6.3 lang/.NET_Framework#4.6.1", "dotnet-framework-pre-462")]
    [InlineData("aws-sdk-dotnet-45/3.7.0 .NET_Runtime/4.0 .NET_Framework/4.0", "dotnet-framework")]
    [InlineData("aws-sdk-java/2.17.0 ua/2.0 os/Linux#3.10 lang/java#1.7.0_80", "java-6-7")]
    [InlineData("Boto3/1.17.0 md/Botocore#1.20.0 ua/2.0 os/linux#3.10 lang/python#2.7.18 Botocore/1.20.0", "boto-python2")]
    [InlineData("aws-cli/1.29.0 Python/3.8.10 Linux/5.4.0 botocore/1.31.0", "aws-cli-v1")]
    [InlineData("my-tool/1.0 Python/2.7.18", "python-2")]
    [InlineData("AWSPowerShell/3.3.563.1 .NET_Runtime/4.0 .NET_Framework/4.0", "powershell-old")]
    [InlineData("aws-sdk-nodejs/2.1000.0 linux/v10.24.1 exec-env/AWS_Lambda_nodejs10.x", "nodejs-old")]
    [InlineData("aws-sdk-js/3.0.0 ua/2.0 os/linux lang/js md/nodejs#12.22.0", "nodejs-old")]
    [InlineData("aws-sdk-go/1.30.0 (go1.13.15; linux; amd64)", "go-old")]
    [InlineData("aws-sdk-ruby2/2.11.0 ruby/2.0.0 x86_64-linux", "ruby-old")]
    [InlineData("aws-sdk-php/3.0.0 GuzzleHttp/6 curl/7.29.0 PHP/5.6.40", "php-5")]
    [InlineData("aws-sdk-php2/2.8.31 Guzzle/3.9.3 curl/7.19.7 PHP/5.3.3", "aws-sdk-php-v2")]
    public void Classify_StacksThatSpeakOldTls_MatchTheirRule(string ua, string rule) => Assert.Contains(rule, Rules.Classify(ua).RuleIds);

    [Fact]
    public void Classify_CliV1OnPython2_GetsOneFamilyNotThree()
    {
        var c = Rules.Classify("aws-cli/1.16.96 Python/2.7.5 Linux/3.10.0 botocore/1.12.86");

        Assert.Equal(["aws-cli-v1-python2"], c.RuleIds);
        Assert.Single(c.Advice);
    }

    [Theory]
    [InlineData("aws-sdk-dotnet-coreclr/3.7.300.0 ua/2.0 os/linux#5.10 md/aws-sdk-dotnet-core#3.7 lang/.NET_Core#8.0.0")]
    [InlineData("aws-sdk-java/2.25.0 ua/2.0 os/Linux#6.1 lang/java#21.0.2")]
    [InlineData("aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2023")]
    [InlineData("aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22.5")]
    public void Classify_CurrentStacks_MatchNoLegacyRule(string ua) => Assert.Empty(Rules.Classify(ua).RuleIds);

    [Fact]
    public void Classify_ConsoleAndAnonymousClients_LeadWithTheirOwnAdvice()
    {
        var console = Rules.Classify(CallerKind.Console, ["Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36"]);
        var anonymous = Rules.Classify(CallerKind.Anonymous, ["curl/7.29.0"]);

        Assert.Equal("Console session", console.Family);
        Assert.Contains("browser", console.Advice[0], StringComparison.Ordinal);
        Assert.Contains("windows-7-2008r2", console.RuleIds);
        Assert.Equal("Anonymous (no AWS identity)", anonymous.Family);
        Assert.Contains("s3:TlsVersion", anonymous.Advice[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_SeveralUserAgents_AdviceFromEachFamilyOnce()
    {
        var c = Rules.Classify(CallerKind.Sdk, ["aws-sdk-java/1.11.0 java/1.7.0_80", "aws-sdk-java/1.11.1 java/1.7.0_79", "aws-sdk-php/3.0.0 PHP/5.6.40"]);

        Assert.Equal("Java 6/7 + AWS SDK for Java 1.11 or older", c.Family);
        Assert.Equal(3, c.Advice.Count); // Java 6/7, SDK for Java 1.11, PHP 5: the second Java agent adds nothing new
    }
}
