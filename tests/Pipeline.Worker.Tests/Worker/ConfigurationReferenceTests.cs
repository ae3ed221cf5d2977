using System.Reflection;
using Pipeline.Ingest;
using Pipeline.Kafka;
using Pipeline.Kinesis.Consumer;
using Pipeline.S3;
using Pipeline.Sqs;
using Pipeline.Worker.Hosting;

namespace Pipeline.Worker.Tests.Worker;

/// <summary>The docs' configuration reference names every setting the worker binds, and nothing it does not; the same for metrics.</summary>
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
    public void Docs_ConfigurationTable_MatchesTheOptionsClasses()
    {
        var readme = File.ReadAllText(Path.Combine(Paths.RepoRoot, "docs", "configuration.md"));
        var documented = System.Text.RegularExpressions.Regex.Matches(readme, @"^\| `(\w+):(\w+)(?::KEY)?` \|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}")
            .ToHashSet(StringComparer.Ordinal);
        var bound = Sections
            .SelectMany(s => s.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => $"{s.Section}:{p.Name}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(bound.Except(documented).Order());
        Assert.Empty(documented.Except(bound).Order());
    }

    [Fact]
    public void Docs_MetricsTable_MatchesTheInstrumentsInTheCode()
    {
        var code = MetricsReference.FromCode();
        var documented = MetricsReference.Documented();

        Assert.True(code.Count >= 20, "the instruments were found: " + string.Join(", ", code));
        Assert.Empty(code.Except(documented).Order(StringComparer.Ordinal));
        Assert.Empty(documented.Except(code).Order(StringComparer.Ordinal));

        // A metric named anywhere in the docs is one of the table's.
        var docs = string.Join('\n', Directory.EnumerateFiles(Path.Combine(Paths.RepoRoot, "docs"), "*.md").Append(Path.Combine(Paths.RepoRoot, "README.md")).Select(File.ReadAllText));
        var mentioned = System.Text.RegularExpressions.Regex.Matches(docs, @"\bpipeline_[a-z_]+").Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(mentioned.Except(documented).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Docs_CommandLineFlags_EveryFlagTheDocsNameExists()
    {
        // Every --flag written in the docs is one some command defines.
        var help = string.Join('\n', new[] { "ingest", "report", "compact", "demo", "feed", "schema athena" }
            .Select(c => CliProcess.Run([.. c.Split(' '), "--help"]).Stdout));
        // Lines of other tools' commands (and their continuations) are not ours to check.
        var ours = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Paths.RepoRoot, "docs"), "*.md").Append(Path.Combine(Paths.RepoRoot, "README.md")))
        {
            var foreign = false;
            foreach (var line in File.ReadLines(file))
            {
                var continued = foreign && (line.StartsWith("  ", StringComparison.Ordinal) || line.StartsWith('\''));
                foreign = continued || System.Text.RegularExpressions.Regex.IsMatch(line, @"(^|[\s`(])(aws|eksctl|kubectl|helm|docker|npm|sed|curl|dotnet (tool|pack|test|build))\s");
                if (!foreign)
                {
                    ours.Add(line);
                }
            }
        }

        var named = System.Text.RegularExpressions.Regex.Matches(string.Join('\n', ours), @"(?<![\w-])--[a-z][a-z0-9-]+").Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        var defined = System.Text.RegularExpressions.Regex.Matches(help, @"(?<![\w-])--[a-z][a-z0-9-]+").Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

        // The benchmark's own flags, as its Program.cs reads them.
        var bench = File.ReadAllText(Path.Combine(Paths.RepoRoot, "bench", "Pipeline.Bench", "Program.cs"));
        defined.UnionWith(System.Text.RegularExpressions.Regex.Matches(bench, @"(?:Arg|ArgText|Contains)\(""(--[a-z-]+)""").Select(m => m.Groups[1].Value));
        string[] notOurs = ["--project", "--version", "--help"];

        var missing = named.Except(defined).Except(notOurs).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "flags the docs name that no command defines: " + string.Join(", ", missing));

        // And every flag a command defines is in the docs.
        var undocumented = defined.Except(named).Except(notOurs).Order(StringComparer.Ordinal).ToList();
        Assert.True(undocumented.Count == 0, "flags no doc names: " + string.Join(", ", undocumented));
    }
}
