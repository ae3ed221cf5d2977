using Pipeline.Ingest;
using Pipeline.Sources;
using Pipeline.Sources.Files;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Ingest;

/// <summary>A read that fails is not a judgement of the content: the input is retried, left unchecked, and read by the next run.</summary>
public sealed class TransientReadTests
{
    /// <summary>A local tree whose named inputs cannot be opened (a file removed and restored, a flaky mount).</summary>
    private sealed class FlakyStore(string source, HashSet<string> failing) : IArchiveStore
    {
        private readonly LocalArchiveStore _inner = new(source);

        public int Opens { get; private set; }

        public string Describe => _inner.Describe;

        public Task<List<ArchiveInput>> ScanAsync(DateOnly? firstDay, DateOnly? lastDay, ScanCounts counts, CancellationToken cancellationToken) => _inner.ScanAsync(firstDay, lastDay, counts, cancellationToken);

        public Task<Stream> OpenAsync(ArchiveInput input, CancellationToken cancellationToken)
        {
            Opens++;
            return failing.Contains(Path.GetFileName(input.Path)) ? throw new IOException("Input/output error") : _inner.OpenAsync(input, cancellationToken);
        }
    }

    private static void WriteInputs(string dir)
    {
        Directory.CreateDirectory(dir);
        for (var f = 0; f < 4; f++)
        {
            File.WriteAllText(Path.Combine(dir, $"f{f}.ndjson"), string.Join("\n", Enumerable.Range(0, 25).Select(i => Record($"f{f}-{i}"))) + "\n");
        }
    }

    [Fact]
    public async Task RunAsync_InputThatCannotBeOpened_IsNotCheckpointedAndTheNextRunReadsIt()
    {
        using var dir = new TempDir();
        WriteInputs(dir.Sub("in"));
        var options = new IngestOptions { Parallelism = 2 };
        var flaky = new FlakyStore(dir.Sub("in"), ["f2.ndjson"]);

        var first = await new ArchiveIngest(options, TimeProvider.System).RunAsync(new IngestRequest(dir.Sub("in"), dir.Sub("lake")), CancellationToken.None, flaky);

        Assert.False(first.Complete);
        Assert.EndsWith("f2.ndjson", Assert.Single(first.Unreadable).Input, StringComparison.Ordinal);
        Assert.Equal(0, first.Stats.RejectTotal);
        Assert.Equal(75, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Equal(4 + 3, flaky.Opens);

        var second = await new ArchiveIngest(options, TimeProvider.System).RunAsync(new IngestRequest(dir.Sub("in"), dir.Sub("lake")), CancellationToken.None);

        Assert.True(second.Complete);
        Assert.Equal(3, second.Stats.InputsAlreadyDone);
        Assert.Equal(100, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Equal(100, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(dir.Sub("lake"))}"));
    }
}
