using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Worker.Tests.Deployment;

/// <summary>
/// The CloudFormation templates of charts/aws: each reference resolves (Ref, Fn::GetAtt, Fn::Sub variables) to a
/// parameter, a resource or a pseudo parameter, every parameter is used, and the resources are of types the
/// deployment needs. (No CloudFormation service answers here; these checks catch what a typo breaks.)
/// </summary>
public sealed partial class AwsTemplatesTests
{
    private static readonly string Dir = Path.Combine(Paths.RepoRoot, "charts", "aws");

    private static readonly HashSet<string> Pseudo = ["AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix", "AWS::NoValue"];

    private static readonly HashSet<string> Types =
    [
        "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::Athena::WorkGroup", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::Events::Rule",
        "AWS::Kinesis::Stream", "AWS::IAM::Role", "AWS::DynamoDB::Table", "AWS::Logs::SubscriptionFilter",
    ];

    [GeneratedRegex(@"\$\{([^}!][^}]*)\}")]
    private static partial Regex SubVariable();

    public static TheoryData<string> Templates() => [.. Directory.GetFiles(Dir, "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Templates_EveryWayIn_OneTemplateEach()
    {
        Assert.Equal(
            ["kinesis-cloudwatch-logs.json", "kinesis-eventbridge.json", "lake.json", "sqs-notifications.json", "worker-role.json"],
            Directory.GetFiles(Dir, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Template_References_ResolveAndEveryParameterIsUsed(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, name)));
        var root = doc.RootElement;
        Assert.Equal("2010-09-09", root.GetProperty("AWSTemplateFormatVersion").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("Description").GetString()));
        var parameters = root.TryGetProperty("Parameters", out var ps) ? ps.EnumerateObject().Select(p => p.Name).ToHashSet() : [];
        var resources = root.GetProperty("Resources").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);
        Assert.All(resources, r => Assert.Contains(r.Value.GetProperty("Type").GetString()!, Types));

        var used = new HashSet<string>();
        var broken = new List<string>();
        void Check(string target, string how, IReadOnlySet<string>? locals = null)
        {
            var id = target.Split('.')[0];
            used.Add(id);
            if (!parameters.Contains(id) && !resources.ContainsKey(id) && !Pseudo.Contains(target) && locals?.Contains(id) != true)
            {
                broken.Add($"{how} {target}");
            }
        }

        void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        if (p.Name == "Ref")
                        {
                            Check(p.Value.GetString()!, "Ref");
                        }
                        else if (p.Name == "Fn::GetAtt")
                        {
                            Check(p.Value[0].GetString()!, "Fn::GetAtt");
                        }
                        else if (p.Name == "Fn::Sub")
                        {
                            var text = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value[0].GetString()!;
                            var locals = p.Value.ValueKind == JsonValueKind.Array ? p.Value[1].EnumerateObject().Select(v => v.Name).ToHashSet() : [];
                            foreach (Match m in SubVariable().Matches(text))
                            {
                                Check(m.Groups[1].Value, "Fn::Sub", locals);
                            }

                            if (p.Value.ValueKind == JsonValueKind.Array)
                            {
                                Walk(p.Value[1]);
                            }

                            continue;
                        }

                        Walk(p.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray())
                    {
                        Walk(item);
                    }

                    break;
            }
        }

        Walk(root.GetProperty("Resources"));
        if (root.TryGetProperty("Outputs", out var outputs))
        {
            Walk(outputs);
        }

        Assert.Empty(broken);
        Assert.Empty(parameters.Except(used).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("kinesis-eventbridge.json")]
    [InlineData("kinesis-cloudwatch-logs.json")]
    public void LeaseTable_KeyIsTheOneTheWorkersUse(string name)
    {
        var store = File.ReadAllText(Path.Combine(Paths.RepoRoot, "src", "Pipeline.Kinesis", "Leases", "DynamoDbLeaseStore.cs"));
        var key = Regex.Match(store, @"private const string Key = ""(\w+)"";").Groups[1].Value;
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, name)));
        var table = doc.RootElement.GetProperty("Resources").GetProperty("LeaseTable").GetProperty("Properties");

        Assert.NotEmpty(key);
        Assert.Equal(key, table.GetProperty("KeySchema")[0].GetProperty("AttributeName").GetString());
        Assert.Equal("PAY_PER_REQUEST", table.GetProperty("BillingMode").GetString());
    }

    [Fact]
    public void Lake_StagingLeftoversExpireAndTheLakeIsKeptOnDelete()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "lake.json")));
        var lake = doc.RootElement.GetProperty("Resources").GetProperty("LakeBucket");
        var rules = lake.GetProperty("Properties").GetProperty("LifecycleConfiguration").GetProperty("Rules").EnumerateArray().ToList();

        Assert.Equal("Retain", lake.GetProperty("DeletionPolicy").GetString());
        Assert.Contains(rules, r => r.TryGetProperty("Prefix", out var p) && p.GetString() == "_staging/");
        Assert.DoesNotContain(rules, r => r.TryGetProperty("Prefix", out var p) && p.GetString() is "_checkpoints/" or "");
    }
}
