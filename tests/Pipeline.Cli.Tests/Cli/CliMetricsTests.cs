using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cli;

/// <summary>The CLI's metrics reach an OTLP/HTTP collector when one is configured by the standard environment variables.</summary>
public sealed class CliMetricsTests
{
    [Fact]
    public async Task Ingest_OtlpEndpointSet_ExportsIngestCountersAtTheEnd()
    {
        using var tmp = new TempDir();
        var file = tmp.Sub("in.json");
        await File.WriteAllTextAsync(file, Records.LogFile(Records.Record("a"), Records.Record("b")));
        using var collector = new OtlpCollector();

        var run = CliProcess.RunWith(collector.Variables, "ingest", "--source", file, "--lake", tmp.Sub("lake"));

        Assert.True(run.ExitCode == 0, run.Stderr);
        var text = collector.ReceivedText();
        Assert.Contains("pipeline.events.written", text, StringComparison.Ordinal);
        Assert.Contains("pipeline.records", text, StringComparison.Ordinal);
    }
}
