using Pipeline.Lake;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Lake;

public sealed class CheckpointTests
{
    private const string Nov20 = "AWSLogs/o-a1b2c3d4e5/111111111111/CloudTrail/us-east-1/2026/11/20/111111111111_CloudTrail_us-east-1_20261120T0005Z_a.json.gz|2048|";
    private const string Nov21 = "AWSLogs/o-a1b2c3d4e5/111111111111/CloudTrail/eu-west-1/2026/11/21/111111111111_CloudTrail_eu-west-1_20261121T0005Z_b.json.gz|4096|";
    private const string Export = "exports/cloudtrail-2026.ndjson.gz|100|";

    [Theory]
    [InlineData(Nov20, "2026-11-20")]
    [InlineData("s3://trail-bucket/AWSLogs/o-x/222222222222/CloudTrail/us-east-1/2026/01/02/f.json.gz|1|", "2026-01-02")]
    [InlineData("2026/11/22/f.json|1|", "2026-11-22")]
    [InlineData(Export, CheckpointDay.Other)]
    [InlineData("exports/x.json|1|from=2026/11/20/", CheckpointDay.Other)] // the filter part is not the path
    public void Of_Key_IsTheDeliveryDayOfItsPath(string key, string shard) => Assert.Equal(shard, CheckpointDay.Of(key));

    [Fact]
    public void MarkDone_KeysOfSeveralDays_OneFilePerDayAndANewInstanceKnowsThem()
    {
        using var dir = new TempDir();
        var folder = dir.Sub("files");

        new FileCheckpoint(folder).MarkDone([("b1", Nov20), ("b1", Nov21), ("b2", Export), ("b2", Nov20)]);
        var again = new FileCheckpoint(folder);

        Assert.Equal(["2026-11-20.jsonl", "2026-11-21.jsonl", "other.jsonl"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Single(File.ReadAllLines(Path.Combine(folder, "2026-11-20.jsonl")));
        Assert.True(again.IsDone(Nov20));
        Assert.True(again.IsDone(Nov21));
        Assert.True(again.IsDone(Export));
        Assert.False(again.IsDone(Nov20.Replace("_a.json.gz", "_c.json.gz", StringComparison.Ordinal)));
    }

    [Fact]
    public void IsDone_KeyOfOneDay_ReadsThatDaysFileWhenFirstMet()
    {
        using var dir = new TempDir();
        var folder = dir.Sub("files");
        var writer = new FileCheckpoint(folder);
        writer.MarkDone([("b1", Nov20)]);
        var reader = new FileCheckpoint(folder);
        Assert.True(reader.IsDone(Nov20));

        // Written after the reader started: it reads the 21st's file only now, when it first meets that day.
        writer.MarkDone([("b2", Nov21)]);

        Assert.True(reader.IsDone(Nov21));
    }

    [Fact]
    public void IsDone_LakeWithTheSingleCheckpointFileOfOlderVersions_StillKnowsItsInputs()
    {
        using var dir = new TempDir();
        var legacy = dir.Sub("files.jsonl");
        File.WriteAllText(legacy, "{\"key\":\"" + Nov21 + "\",\"batch\":\"b0\"}\n{\"key\":\"torn");

        var checkpoint = new FileCheckpoint(dir.Sub("files"), legacyFile: legacy);

        Assert.True(checkpoint.IsDone(Nov21));
        Assert.False(checkpoint.IsDone(Nov20));
    }
}
