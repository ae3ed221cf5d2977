using System.Globalization;

namespace Pipeline.Demo;

/// <summary>The shape of a synthetic organization.</summary>
/// <param name="Accounts">Member accounts.</param>
/// <param name="Days">Days of events, ending on <paramref name="LastDay"/>.</param>
/// <param name="EventsPerAccountDay">Average events per account and day.</param>
/// <param name="LastDay">Last UTC day with events.</param>
/// <param name="Seed">Everything derives from it: the same shape writes the same bytes.</param>
/// <param name="AwkwardCases">Add digest and insight files, folder markers, a duplicate delivery, corrupt and truncated
/// gzip, a non-JSON file, bad records, hostile user agents, EventBridge and CloudWatch Logs captures.</param>
/// <param name="Format">How the events are laid out.</param>
public sealed record DemoShape(
    int Accounts,
    int Days,
    int EventsPerAccountDay,
    DateOnly LastDay,
    int Seed = 42,
    bool AwkwardCases = true,
    DemoFormat Format = DemoFormat.S3LogFiles);

/// <summary>Layout of generated events.</summary>
public enum DemoFormat
{
    /// <summary>An org trail archive: <c>AWSLogs/o-…/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/*.json.gz</c>.</summary>
    S3LogFiles,

    /// <summary>Gzip newline-delimited records, one file per account and day.</summary>
    NdjsonGzip,

    /// <summary>Plain newline-delimited records, one file per account and day.</summary>
    Ndjson,
}

/// <summary>One client that calls AWS: who, from where, with what, over which TLS.</summary>
internal sealed record DemoClient(
    string PrincipalType,
    string? PrincipalArn,
    string CallerAccount,
    string? AccessKeyId,
    string? SessionIssuerArn,
    string UserAgent,
    string SourceIp,
    string? VpcEndpointId,
    string TlsVersion,
    string CipherSuite,
    (string Source, string[] Names)[] Services,
    int FirstDay,
    int LastDay,
    double Weight);

/// <summary>Accounts, clients and user agents of the synthetic organization.</summary>
internal static class DemoCatalog
{
    public static readonly string[] Regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"];

    public static readonly string[] Teams = ["payments", "identity", "search", "data-platform", "mobile-backend", "billing", "ml-training", "observability", "shared-services", "marketing-web", "logistics", "hr-systems"];

    public static readonly (string Source, string[] Names)[] Services =
    [
        ("s3.amazonaws.com", ["GetObject", "PutObject", "ListObjects", "HeadObject", "GetBucketLocation"]),
        ("dynamodb.amazonaws.com", ["GetItem", "PutItem", "Query", "DescribeTable", "UpdateItem"]),
        ("sts.amazonaws.com", ["AssumeRole", "GetCallerIdentity", "GetSessionToken"]),
        ("ec2.amazonaws.com", ["DescribeInstances", "DescribeVolumes", "DescribeSecurityGroups", "RunInstances"]),
        ("kms.amazonaws.com", ["Decrypt", "GenerateDataKey", "Encrypt", "DescribeKey"]),
        ("sqs.amazonaws.com", ["SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes"]),
        ("lambda.amazonaws.com", ["Invoke", "GetFunction", "ListFunctions20150331"]),
        ("secretsmanager.amazonaws.com", ["GetSecretValue", "DescribeSecret"]),
        ("ssm.amazonaws.com", ["GetParameter", "GetParameters", "DescribeInstanceInformation"]),
        ("iam.amazonaws.com", ["GetRole", "ListRoles", "GetUser", "ListAttachedRolePolicies"]),
        ("logs.amazonaws.com", ["PutLogEvents", "CreateLogStream", "DescribeLogGroups"]),
        ("cloudformation.amazonaws.com", ["DescribeStacks", "ListStacks"]),
        ("sns.amazonaws.com", ["Publish", "ListTopics"]),
        ("elasticloadbalancing.amazonaws.com", ["DescribeLoadBalancers", "DescribeTargetHealth"]),
    ];

    /// <summary>Services that do not report tlsDetails for some calls in this organization (an unknown, not a pass).</summary>
    public static readonly HashSet<string> NoTlsDetails = ["logs.amazonaws.com", "sns.amazonaws.com"];

    public static readonly string[] ModernAgents =
    [
        "aws-cli/2.15.30 Python/3.11.8 Linux/5.10.210-201.852.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off command/s3.ls",
        "aws-sdk-java/2.25.10 Linux/5.10.213-201.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard",
        "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
        "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/dynamodb#1.31.0",
        "aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 lang/js md/nodejs#20.11.1 api/s3#3.540.0",
        "aws-sdk-dotnet-coreclr/3.7.300.57 aws-sdk-dotnet-core/3.7.302.15 .NET_Core/8.0.3 OS/Linux_5.10.210-201.852.amzn2.x86_64_#1_SMP ClientAsync",
        "aws-sdk-java/1.12.687 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/11.0.22+7-LTS java/11.0.22 vendor/Amazon.com_Inc. cfg/retry-mode/standard",
        "Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1",
        "aws-sdk-rust/1.1.8 os/linux lang/rust/1.76.0",
    ];

    /// <summary>Old stacks that still negotiate TLS 1.0/1.1: the clients the report exists to find.</summary>
    public static readonly (string Agent, string Tls)[] LegacyAgents =
    [
        ("aws-sdk-java/1.11.119 Linux/3.10.0-1160.el7.x86_64 Java_HotSpot(TM)_64-Bit_Server_VM/24.80-b11 java/1.7.0_80", "TLSv1"),
        ("aws-sdk-java/1.10.77 Linux/2.6.32-754.el6.x86_64 Java_HotSpot(TM)_64-Bit_Server_VM/20.45-b01 java/1.6.0_45", "TLSv1"),
        ("aws-sdk-dotnet-45/3.3.104.22 aws-sdk-dotnet-core/3.3.103.43 .NET_Runtime/4.0 .NET_Framework/4.0 OS/Microsoft_Windows_NT_6.1.7601.65536 ClientAsync", "TLSv1"),
        ("AWSPowerShell/3.3.283.0 .NET_Runtime/4.0 .NET_Framework/4.0 OS/Microsoft_Windows_NT_6.1.7601.65536 WindowsPowerShell/5.1", "TLSv1.1"),
        ("aws-cli/1.16.96 Python/2.7.5 Linux/3.10.0-957.el7.x86_64 botocore/1.12.86", "TLSv1"),
        ("Boto3/1.4.4 Python/2.7.12 Linux/4.4.0-1049-aws Botocore/1.5.75", "TLSv1.1"),
        ("aws-sdk-php/2.8.31 Guzzle/3.9.3 curl/7.29.0 PHP/5.4.16", "TLSv1"),
        ("aws-sdk-ruby2/2.3.22 ruby/2.0.0 x86_64-linux", "TLSv1.1"),
    ];

    /// <summary>Hostile user agents: what an attacker can put in a field that ends up in reports.</summary>
    public static readonly string[] HostileAgents =
    [
        "<script>alert('ua')</script> aws-cli/1.16.96 Python/2.7.5",
        "=HYPERLINK(\"http://evil.example/x\",\"click me\") aws-sdk-java/1.11.119 java/1.7.0_80",
        "line one\nline two [link](http://evil.example) ![img](http://evil.example/i.png)",
        "Ünïcödé-クライアント/1.0 \u202Eevil\u202C aws-sdk-php/2.8.31",
    ];

    public static string AccountId(int index) => (100000000000L + (index * 7919L) + 1234).ToString(CultureInfo.InvariantCulture);
}
