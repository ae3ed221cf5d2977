using ParquetSharp;
using Pipeline.Buffers;

namespace Pipeline.Tests.Buffers;

public sealed class ColumnArrayPoolTests
{
    [Fact]
    public void RentStrings_AfterAReturnOfTheSameSize_ReusesTheArray()
    {
        var pool = new ColumnArrayPool(1024 * 1024);
        var first = pool.RentStrings(100);
        Assert.Equal(128, first.Length);
        pool.Return(first);
        Assert.Equal(128 * 16, pool.RetainedBytes);

        Assert.Same(first, pool.RentStrings(65));
        Assert.Equal(0, pool.RetainedBytes);
        Assert.NotSame(first, pool.RentStrings(65));
    }

    [Fact]
    public void RentLongs_ArraysOfAnotherSizeOrType_AreNotHandedOut()
    {
        var pool = new ColumnArrayPool(1024 * 1024);
        var longs = pool.RentLongs(16);
        pool.Return(longs);
        pool.Return(pool.RentStrings(16));

        Assert.Equal(32, pool.RentLongs(17).Length);
        Assert.Same(longs, pool.RentLongs(16));
    }

    [Fact]
    public void Return_PastTheBound_KeepsNoMore()
    {
        // Room for one array of 128 values (2 KiB), not two.
        var pool = new ColumnArrayPool(3 * 1024);
        var a = pool.RentStrings(128);
        var b = pool.RentStrings(128);
        pool.Return(a);
        pool.Return(b);
        Assert.Equal(2048, pool.RetainedBytes);

        Assert.Same(a, pool.RentStrings(128));
        Assert.NotSame(b, pool.RentStrings(128));
    }

    [Fact]
    public void Return_NotOneOfThePools_IsNotKept()
    {
        var pool = new ColumnArrayPool(1024 * 1024);
        pool.Return(new ByteArray[100]);
        pool.Return(new long[8]);
        Assert.Equal(0, pool.RetainedBytes);
        Assert.Equal(0, ColumnArrayPool.None.RetainedBytes);
        ColumnArrayPool.None.Return(new ByteArray[64]);
        Assert.Equal(0, ColumnArrayPool.None.RetainedBytes);
    }
}
