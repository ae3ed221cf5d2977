using Microsoft.Extensions.Time.Testing;
using Pipeline.Cli.Console;
using Pipeline.Ingest;

namespace Pipeline.Tests.Cli;

public sealed class ProgressDisplayTests
{
    [Fact]
    public void Tick_NotATerminal_WritesAPlainLineEveryTenSecondsAndNothingAfterFinish()
    {
        var time = new FakeTimeProvider();
        var stats = new IngestStats { InputsTotal = 10, BytesTotal = 1000 };
        var output = new StringWriter();
        using var progress = new ProgressDisplay(stats, output, time, interactive: false);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(string.Empty, output.ToString());
        stats.InputDone(500);
        time.Advance(TimeSpan.FromSeconds(1));
        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("50 % 1/10 files", line, StringComparison.Ordinal);
        Assert.Contains("ETA 00:10", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", line, StringComparison.Ordinal);

        progress.Finish();
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Tick_Terminal_RewritesOneLineWithABar()
    {
        var time = new FakeTimeProvider();
        var stats = new IngestStats { InputsTotal = 4, BytesTotal = 400 };
        var output = new StringWriter();
        using var progress = new ProgressDisplay(stats, output, time, interactive: true);

        stats.InputDone(100);
        time.Advance(TimeSpan.FromMilliseconds(250));
        time.Advance(TimeSpan.FromMilliseconds(250));

        var text = output.ToString();
        Assert.Equal(2, text.Count(c => c == '\r'));
        Assert.DoesNotContain("\n", text, StringComparison.Ordinal);
        Assert.Contains("[######..................] 25 %", text, StringComparison.Ordinal);
    }
}
