using Pipeline.Kinesis.Client;

namespace Pipeline.Kinesis.Tests.Client;

public sealed class AnswerBuffersTests
{
    [Fact]
    public void Rent_AfterReturn_GetsTheSmallestFreeBufferThatFits()
    {
        var buffers = new AnswerBuffers(keep: 4);
        var small = buffers.Rent(3000);
        var large = buffers.Rent(3_000_000);
        buffers.Return(large);
        buffers.Return(small);

        Assert.Same(small, buffers.Rent(2000));
        Assert.Same(large, buffers.Rent(5000));
        Assert.Equal(0, buffers.FreeCount);
    }

    [Fact]
    public void Rent_NothingFreeFits_AllocatesAtLeastTheMinimum()
    {
        var buffers = new AnswerBuffers(keep: 4);
        buffers.Return(new byte[1024]);

        var rented = buffers.Rent(5000);

        Assert.True(rented.Length >= 5000);
        Assert.Equal(1, buffers.FreeCount);
    }

    [Fact]
    public void Return_MoreThanKept_KeepsOnlyTheLargest()
    {
        var buffers = new AnswerBuffers(keep: 2);
        byte[] a = new byte[1000], b = new byte[4000], c = new byte[2000], d = new byte[500];

        buffers.Return(a);
        buffers.Return(b);
        buffers.Return(c);
        buffers.Return(d);

        Assert.Equal(2, buffers.FreeCount);
        Assert.Same(c, buffers.Rent(1500));
        Assert.Same(b, buffers.Rent(1500));
        Assert.Equal(0, buffers.FreeCount);
    }

    [Fact]
    public async Task Return_FromManyThreadsAtOnce_NeverKeepsMoreThanKept()
    {
        var buffers = new AnswerBuffers(keep: 3);

        await Parallel.ForAsync(0, 2000, async (i, ct) =>
        {
            var buffer = buffers.Rent(1024 + (i % 7 * 4096));
            await Task.Yield();
            buffers.Return(buffer);
        });

        Assert.InRange(buffers.FreeCount, 1, 3);
    }
}
