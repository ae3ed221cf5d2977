using System.Reflection;
using Pipeline.Ingest;
using Pipeline.Kafka;
using Pipeline.Kinesis.Consumer;
using Pipeline.S3;
using Pipeline.Sqs;
using Pipeline.Worker.Hosting;

namespace Pipeline.Worker.Tests.Worker;

/// <summary>The README's configuration reference names every setting the worker binds, and nothing it does not.</summary>
public sealed class ConfigurationReferenceTests
{
    private static readonly (string Section, Type Options)[] Sections =
    [
        (WorkerOptions.Section, typeof(WorkerOptions)),
        (LakeOptions.Section, typeof(LakeOptions)),
        (KinesisSourceOptions.Section, typeof(KinesisSourceOptions)),
        (KafkaSourceOptions.Section, typeof(KafkaSourceOptions)),
        (SqsSourceOptions.Section, typeof(SqsSourceOptions)),
        (IngestOptions.Section, typeof(IngestOptions)),
    ];

    [Fact]
    public void Readme_ConfigurationTable_MatchesTheOptionsClasses()
    {
        var readme = File.ReadAllText(Path.Combine(Paths.RepoRoot, "README.md"));
        var documented = System.Text.RegularExpressions.Regex.Matches(readme, @"^\| `(\w+):(\w+)(?::KEY)?` \|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}")
            .ToHashSet(StringComparer.Ordinal);
        var bound = Sections
            .SelectMany(s => s.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => $"{s.Section}:{p.Name}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(bound.Except(documented).Order());
        Assert.Empty(documented.Except(bound).Order());
    }
}
