using System.Globalization;
using System.Text;
using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Lake;
using Pipeline.Projection;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Buffers;

public sealed class MemoryBudgetTests
{
    // A buffer's count may run ahead of its report by the report granularity and its interners' re-count lag.
    private const long Slack = MemoryBudget.ReportGranularity + (512L * 1024);

    [Fact]
    public void Append_ManyBuffersOneBudget_TotalStaysWithinLimit()
    {
        var budget = MemoryBudget.FromMiB(16);
        var targets = Enumerable.Range(0, 6).Select(_ => new CountingTarget()).ToList();
        var buffers = targets.Select(t => new PartitionBuffers(budget, 1_000_000) { Target = t }).ToList();
        try
        {
            Assert.Equal(6, budget.Holders);
            Assert.Equal(budget.LimitBytes / 6, budget.Share);

            // Interleaved, as shards of one worker are: 6 buffers × 300 lake partitions, long distinct values.
            for (var round = 0; round < 4; round++)
            {
                for (var b = 0; b < buffers.Count; b++)
                {
                    Feed(buffers[b], accounts: 300, perAccount: 20, seed: (round * 10) + b);
                    Assert.True(budget.UsedBytes <= budget.LimitBytes + (buffers.Count * Slack), $"used {budget.UsedBytes} of {budget.LimitBytes}");
                }
            }

            // Each buffer was fed about as much as the whole limit: without one shared budget the total would be ~6x it.
            Assert.True(budget.PeakBytes <= budget.LimitBytes + (buffers.Count * Slack), $"peak {budget.PeakBytes} of {budget.LimitBytes}");
            Assert.True(budget.PeakBytes >= budget.LimitBytes / 2, $"the feed should have filled the budget, peak {budget.PeakBytes}");
            Assert.All(buffers, b => Assert.True(b.BufferedBytes <= budget.Share + Slack, $"{b.BufferedBytes} over a share of {budget.Share}"));
            Assert.All(targets, t => Assert.True(t.Rows > 0));
        }
        finally
        {
            buffers.ForEach(b => b.Dispose());
        }

        Assert.Equal(0, budget.Holders);
        Assert.Equal(0, budget.UsedBytes);
    }

    [Fact]
    public void Relieve_AnotherBufferJoined_FlushesDownToTheNewShare()
    {
        var budget = MemoryBudget.FromMiB(8);
        var first = new CountingTarget();
        using var alone = new PartitionBuffers(budget, 1_000_000) { Target = first };
        Feed(alone, accounts: 50, perAccount: 400, seed: 1);
        var held = alone.BufferedBytes;
        Assert.True(held > budget.LimitBytes / 3, $"the first buffer should hold most of the budget alone, holds {held}");

        // Three more shards taken: the first buffer's share is a quarter now, and it gives the rest back while idle.
        var others = Enumerable.Range(0, 3).Select(_ => new PartitionBuffers(budget, 1_000_000) { Target = new CountingTarget() }).ToList();
        try
        {
            var flushedBefore = first.Rows;
            alone.Relieve();
            Assert.True(alone.BufferedBytes <= budget.Share, $"{alone.BufferedBytes} still over a share of {budget.Share}");
            Assert.True(first.Rows > flushedBefore);
        }
        finally
        {
            others.ForEach(b => b.Dispose());
        }

        Assert.Equal(1, budget.Holders);
        Assert.Equal(budget.LimitBytes, budget.Share);
    }

    [Fact]
    public void Dispose_Twice_GivesTheShareBackOnce()
    {
        var budget = MemoryBudget.FromMiB(16);
        var keep = new PartitionBuffers(budget, 1_000_000) { Target = new CountingTarget() };
        var gone = new PartitionBuffers(budget, 1_000_000) { Target = new CountingTarget() };
        Feed(gone, accounts: 5, perAccount: 2000, seed: 2);
        gone.Dispose();
        gone.Dispose();
        Assert.Equal(1, budget.Holders);
        Assert.Equal(0, budget.UsedBytes);
        keep.Dispose();
        Assert.Equal(0, budget.Holders);
    }

    /// <summary>Decodes records of <paramref name="accounts"/> accounts into the buffers, each with a long distinct user agent.</summary>
    private static void Feed(PartitionBuffers buffers, int accounts, int perAccount, int seed)
    {
        var text = new StringBuilder("{\"Records\":[");
        for (var a = 0; a < accounts; a++)
        {
            var account = (100000000000L + a).ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < perAccount; i++)
            {
                if (text.Length > 12)
                {
                    text.Append(',');
                }

                var agent = $",\"x\":\"{new string('a', 10)}\"";
                text.Append(Records.Record(id: $"e-{seed}-{a}-{i}", account: account, extra: agent).Replace(
                    "aws-cli/1.16.96 Python/2.7.5", $"agent/{seed}-{a}-{i}-{new string('z', 300)}", StringComparison.Ordinal));
            }
        }

        text.Append("]}");
        var sink = new BufferSink(buffers);
        new RecordDecoder().Decode(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), new InputContext($"feed-{seed}"), sink);
        Assert.Equal(0, sink.Rejects);
    }

    private sealed class BufferSink(PartitionBuffers buffers) : IRecordSink
    {
        public int Rejects { get; private set; }

        public void Accept(ProjectedRow row, in RowKey key) => buffers.Append(row, key);

        public void Reject(string input, in RecordPosition position, RejectReason reason, string? detail) => Rejects++;

        public void Skip(SkipKind kind)
        {
        }
    }

    private sealed class CountingTarget : IPartitionFlushTarget
    {
        public long Rows { get; private set; }

        public void Flush(PartitionKey key, TlsEventColumns rows) => Rows += rows.Count;
    }
}
