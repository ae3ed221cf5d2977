using Pipeline.Sources.Files;

namespace Pipeline.Tests.Sources.Files;

public sealed class ArchiveScannerTests
{
    private static ArchiveInput? Classify(string key, long size, ScanCounts counts) => ArchiveScanner.Classify(key, "/data/" + key, size, counts);

    [Fact]
    public void Classify_OrgTrailPath_ReadsAccountAndDeliveryDateAndKeepsIdentityFromAwsLogs()
    {
        var input = Classify("bucket/prefix/AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/11/23/111122223333_CloudTrail_eu-west-1_20261123T0005Z_x.json.gz", 10, new ScanCounts());

        Assert.NotNull(input);
        Assert.Equal(111122223333, input.Account);
        Assert.Equal(new DateOnly(2026, 11, 23), input.DeliveryDate);
        Assert.StartsWith("AWSLogs/o-abc123def4/", input.Identity, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_NonOrgTrailPath_IsRecognised()
    {
        var input = Classify("AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02/f.json.gz", 10, new ScanCounts());

        Assert.Equal(111122223333, input!.Account);
    }

    [Fact]
    public void Classify_DigestInsightAndFolderMarkers_AreSkippedAndCounted()
    {
        var counts = new ScanCounts();

        Assert.Null(Classify("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/02/d.json.gz", 10, counts));
        Assert.Null(Classify("AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/01/02/i.json.gz", 10, counts));
        Assert.Null(Classify("AWSLogs/111122223333/CloudTrail/", 0, counts));
        Assert.Null(Classify("AWSLogs_$folder$", 0, counts));
        Assert.NotNull(Classify("exports/empty.json", 0, counts));

        Assert.Equal((1, 1, 2), (counts.DigestFiles, counts.InsightFiles, counts.FolderMarkers));
    }

    [Fact]
    public void Scan_FromTo_KeepsDeliveryFoldersUpToTheDayAfterTo()
    {
        using var dir = new Support.TempDir();
        foreach (var day in new[] { "01", "02", "03", "04", "05" })
        {
            var folder = Path.Combine(dir.Path, "AWSLogs", "111122223333", "CloudTrail", "us-east-1", "2024", "01", day);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "f.json"), "{}");
        }

        var counts = new ScanCounts();
        var inputs = ArchiveScanner.Scan(dir.Path, new DateOnly(2024, 1, 2), new DateOnly(2024, 1, 3), counts);

        Assert.Equal([2, 3, 4], inputs.Select(i => i.DeliveryDate!.Value.Day));
        Assert.Equal(2, counts.OutsideDateRange);
    }

    [Fact]
    public void Batch_AfterSomeBatchesAreDone_ReturnsExactlyTheRemainingBatchesOfACleanRun()
    {
        var inputs = Enumerable.Range(0, 200)
            .Select(i => new ArchiveInput($"/x/{i}", $"AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/{1 + (i % 5):D2}/f{i:D3}.json.gz", 300_000 + (i * 1000), 111122223333, new DateOnly(2024, 1, 1 + (i % 5))))
            .Concat(Enumerable.Range(0, 50).Select(i => new ArchiveInput($"/y/{i}", $"/exports/{i:D2}.ndjson", 500_000, -1, null)))
            .ToList();
        var clean = ArchiveScanner.Batch(inputs, _ => false, 256L << 20, "f");
        var done = clean.Where((_, i) => i % 3 == 0).SelectMany(b => b.Inputs).ToHashSet();

        var resumed = ArchiveScanner.Batch(inputs, done.Contains, 256L << 20, "f");

        Assert.True(clean.Count >= 16);
        Assert.Equal(clean.Where((_, i) => i % 3 != 0).Select(b => b.Id), resumed.Select(b => b.Id));
        Assert.Equal(inputs.Count, clean.Sum(b => b.Inputs.Count));
        Assert.All(clean, b => Assert.Single(b.Inputs.Select(i => i.GroupKey).Distinct()));
    }

    [Fact]
    public void Batch_InputSetChangedInsideABatch_KeepsOnlyPendingInputsUnderANewId()
    {
        var inputs = Enumerable.Range(0, 4).Select(i => new ArchiveInput($"/x/{i}", $"/e/{i}.ndjson", 10, -1, null)).ToList();
        var clean = Assert.Single(ArchiveScanner.Batch(inputs, _ => false, 256L << 20, "f"));

        var partial = Assert.Single(ArchiveScanner.Batch(inputs, i => i.Path == "/x/0", 256L << 20, "f"));

        Assert.Equal(3, partial.Inputs.Count);
        Assert.NotEqual(clean.Id, partial.Id);
    }
}

public sealed class ArchiveScannerWalkTests
{
    [Fact]
    public void Scan_SymlinkLoop_IsOneProblemNamingTheLinkAndEveryFileOnce()
    {
        using var dir = new Support.TempDir();
        var root = dir.Sub("tree");
        Directory.CreateDirectory(Path.Combine(root, "a", "b"));
        File.WriteAllText(Path.Combine(root, "a", "b", "events.json"), "{}");
        Directory.CreateSymbolicLink(Path.Combine(root, "a", "b", "up"), Path.Combine(root, "a"));
        var counts = new ScanCounts();

        var inputs = ArchiveScanner.Scan(root, null, null, counts);

        Assert.Equal(Path.Combine(root, "a", "b", "events.json"), Assert.Single(inputs).Path);
        var problem = Assert.Single(counts.Problems);
        Assert.Equal(Path.Combine(root, "a", "b", "up"), problem.Path);
        Assert.Equal(Pipeline.Projection.RejectReason.SymlinkLoop, problem.Reason);
    }

    [Fact]
    public void Scan_TreeGivenThroughALinkWithASecondWayToAFolder_ReadsItsFilesOnce()
    {
        // The tree is named through a link, and one of its folders is linked again beside itself: folders are
        // compared by real path, whether that comes from resolving a link or from the folder they sit in.
        using var dir = new Support.TempDir();
        var real = dir.Sub("real");
        Directory.CreateDirectory(Path.Combine(real, "x", "a"));
        File.WriteAllText(Path.Combine(real, "x", "a", "events.json"), "{}");
        Directory.CreateSymbolicLink(Path.Combine(real, "x", "z-again"), Path.Combine(real, "x", "a"));
        var named = Path.Combine(dir.Path, "named");
        Directory.CreateSymbolicLink(named, real);
        var counts = new ScanCounts();

        var inputs = ArchiveScanner.Scan(named, null, null, counts);

        Assert.Equal(2, Assert.Single(inputs).Size);
        Assert.Equal(Pipeline.Projection.RejectReason.SymlinkLoop, Assert.Single(counts.Problems).Reason);
    }

    [Fact]
    public void Scan_LinkToAFolderOutsideTheTree_IsFollowed()
    {
        using var dir = new Support.TempDir();
        Directory.CreateDirectory(dir.Sub("elsewhere"));
        File.WriteAllText(Path.Combine(dir.Sub("elsewhere"), "x.json"), "{}");
        Directory.CreateDirectory(dir.Sub("tree"));
        Directory.CreateSymbolicLink(Path.Combine(dir.Sub("tree"), "link"), dir.Sub("elsewhere"));
        File.CreateSymbolicLink(Path.Combine(dir.Sub("tree"), "file-link.json"), Path.Combine(dir.Sub("elsewhere"), "x.json"));
        var counts = new ScanCounts();

        var inputs = ArchiveScanner.Scan(dir.Sub("tree"), null, null, counts);

        Assert.Equal(2, inputs.Count);
        Assert.All(inputs, i => Assert.Equal(2, i.Size));
        Assert.Empty(counts.Problems);
    }

    [SkippableFact]
    public void Scan_FifoSocketAndDevice_AreCountedAndNeverOpened()
    {
        Skip.If(OperatingSystem.IsWindows());
        using var dir = new Support.TempDir();
        var root = dir.Sub("tree");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "ok.json"), "{}");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(root, "pipe"))!)
        {
            mkfifo.WaitForExit();
        }

        File.CreateSymbolicLink(Path.Combine(root, "null-device"), "/dev/null");
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(root, "sock")));
        var counts = new ScanCounts();

        var inputs = ArchiveScanner.Scan(root, null, null, counts);

        Assert.Equal("ok.json", Path.GetFileName(Assert.Single(inputs).Path));
        Assert.Equal(3, counts.SpecialFiles);
    }
}
