using System.Globalization;
using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Pipeline.Schema;

namespace Pipeline.Sources.Files;

/// <summary>One input file of a file-tree or archive source.</summary>
/// <param name="Path">Where to read it.</param>
/// <param name="Identity">
/// What names it across runs and machines: from <c>AWSLogs/</c> on for CloudTrail's own layout (globally unique
/// names, the same in a local copy and in the bucket), else the full path.
/// </param>
/// <param name="Size">Bytes.</param>
/// <param name="Account">Account in an <c>AWSLogs/…/ACCOUNT/CloudTrail/</c> path, or -1.</param>
/// <param name="DeliveryDate">The date folder in such a path: the delivery date, not the events' date.</param>
/// <param name="Part">The byte range read when a large newline-delimited file is split for the cores, else null.</param>
public sealed record ArchiveInput(string Path, string Identity, long Size, long Account, DateOnly? DeliveryDate, ArchivePart? Part = null)
{
    /// <summary>
    /// A large gzip file read in chunks of its decompressed bytes as it is inflated (<see cref="InflatedSplitter"/>),
    /// or a large plain file that no line break cuts by range (concatenated JSON) read in chunks in order: it is a
    /// batch of its own, and each chunk becomes a batch with its own checkpoint.
    /// </summary>
    public bool SplitWhenInflated { get; init; }

    /// <summary>The bytes this input reads: its part's, or the whole file's.</summary>
    public long ReadBytes => Part?.Length ?? Size;

    /// <summary>How rejects and errors name it: the identity, and the part's first byte when it is one.</summary>
    public string Describe => Part is { } p ? Identity + p.Label : Identity;

    /// <summary>
    /// Group of inputs that are batched together: a delivery day of the archive (all accounts and regions, so each
    /// partition gets few, large files), or all other files, in path order. A commit costs a handful of fsyncs and
    /// every batch writes its own file per partition, so a batch should cover many small inputs.
    /// </summary>
    public string GroupKey => Account >= 0 && DeliveryDate is { } d
        ? $"AWSLogs@{d:yyyy-MM-dd}"
        : "other";
}

/// <summary>
/// A byte range of a large newline-delimited file, read on its own so that one file uses every core. It starts and
/// ends at a line break between two complete JSON values (<see cref="InputSplitter"/>), so its rows are the ones
/// the whole file gives for that range.
/// </summary>
/// <param name="Start">First byte.</param>
/// <param name="Length">Bytes.</param>
/// <param name="Index">0-based index among the file's parts.</param>
/// <param name="Count">How many parts the file has (0 for a chunk of a gzip file: not known before the end).</param>
/// <param name="Inflated">A chunk of a gzip file's decompressed bytes: <paramref name="Start"/> and <paramref name="Length"/> count decompressed bytes.</param>
/// <param name="ToEnd">The chunk runs to the end of the input (no later cut was found).</param>
public sealed record ArchivePart(long Start, long Length, int Index, int Count, bool Inflated = false, bool ToEnd = false)
{
    public long End => Start + Length;

    /// <summary>What follows the file's name where the part is named (rejects, errors).</summary>
    public string Label => Inflated ? $" [part from decompressed byte {Start}]" : $" [part from byte {Start}]";

    /// <summary>The range in checkpoint keys and batch IDs.</summary>
    public string Key => Inflated ? $"inflated={Start}-{(ToEnd ? "end" : End)}" : $"bytes={Start}-{End}";
}

/// <summary>A unit of work: inputs whose rows are written and committed together.</summary>
/// <param name="Id">Deterministic ID from the inputs, their sizes, the filters and the schema version.</param>
/// <param name="Inputs">In the order they are read.</param>
public sealed record ArchiveBatch(string Id, IReadOnlyList<ArchiveInput> Inputs)
{
    public long Bytes => Inputs.Sum(i => i.ReadBytes);
}

/// <summary>What a scan found besides inputs.</summary>
public sealed class ScanCounts
{
    public int DigestFiles { get; set; }

    public int InsightFiles { get; set; }

    public int FolderMarkers { get; set; }

    public int OutsideDateRange { get; set; }

    /// <summary>FIFOs, sockets and devices in a tree: never opened (a FIFO would block the run), counted.</summary>
    public int SpecialFiles { get; set; }

    /// <summary>Symlinks that lead back into a folder already walked: each is reported once, never followed.</summary>
    public List<ScanProblem> Problems { get; } = [];
}

/// <summary>Something in a tree that is not read, with why.</summary>
/// <param name="Path">The entry (for a loop, the link).</param>
/// <param name="Reason">The reject reason.</param>
/// <param name="Detail">What it points at.</param>
public sealed record ScanProblem(string Path, Projection.RejectReason Reason, string Detail);

/// <summary>
/// Walks a file or directory tree and returns the inputs to read, grouped into batches. Recognises CloudTrail's
/// S3 layout (<c>AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/…</c>) to skip digest and insight files
/// and to prune by delivery date, but reads every other file too: its form is decided by content.
/// </summary>
public static partial class ArchiveScanner
{
    [GeneratedRegex(@"(?:^|/)(AWSLogs/(?:(o-[a-z0-9]{4,32})/)?(\d{12})/CloudTrail/([A-Za-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/[^/]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex CloudTrailPath();

    /// <summary>Lists the inputs under <paramref name="source"/> in a stable order.</summary>
    public static List<ArchiveInput> Scan(string source, DateOnly? from, DateOnly? to, ScanCounts counts)
    {
        var full = System.IO.Path.GetFullPath(source);
        IEnumerable<(string Path, long Size)> files;
        if (Directory.Exists(full))
        {
            files = Walk(full, counts);
        }
        else if (File.Exists(full))
        {
            files = FileKinds.Of(full, out var fileSize) == FileKind.Regular ? [(full, fileSize)] : Special(counts);
        }
        else
        {
            throw new FileNotFoundException($"source does not exist: {source}", source);
        }

        var inputs = new List<ArchiveInput>();
        foreach (var (path, size) in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var unix = path.Replace('\\', '/');
            var input = Classify(unix, path, size, counts);
            if (input is null)
            {
                continue;
            }

            // Files are named by delivery time, which trails the events: a day's events can arrive the next day.
            if (input.DeliveryDate is { } delivered
                && ((from is { } f && delivered < f) || (to is { } t && delivered > t.AddDays(1))))
            {
                counts.OutsideDateRange++;
                continue;
            }

            inputs.Add(input);
        }

        return inputs;
    }

    private static (string, long)[] Special(ScanCounts counts)
    {
        counts.SpecialFiles++;
        return [];
    }

    /// <summary>
    /// Every regular file below <paramref name="root"/>. Symlinks are followed, but a link to a folder already walked
    /// (a loop, or a second way to the same folder, whose files would be read twice under other names) is a problem
    /// naming the link; FIFOs, sockets and devices are counted and never opened.
    /// </summary>
    /// <returns>Each file's path and size (its final target's, for a link).</returns>
    private static List<(string Path, long Size)> Walk(string root, ScanCounts counts)
    {
        var files = new List<(string Path, long Size)>();
        var walked = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(string Path, string Real)>();
        var rootReal = FileKinds.RealPath(root) ?? root;
        pending.Push((root, rootReal));
        walked.Add(rootReal);
        var options = new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = FileAttributes.None, RecurseSubdirectories = false };
        while (pending.Count > 0)
        {
            var (dir, dirReal) = pending.Pop();
            // The entry's type comes with the directory listing: only links need resolving (a realpath costs a
            // readlink per component, and an org trail's archive has tens of thousands of folders).
            var entries = new FileSystemEnumerable<(string Path, string Name)>(dir, (ref FileSystemEntry e) => (e.ToFullPath(), e.FileName.ToString()), options);
            foreach (var (path, name) in entries)
            {
                var kind = FileKinds.Of(path, out var size);
                switch (kind)
                {
                    case FileKind.Regular:
                        files.Add((path, size));
                        break;
                    case FileKind.Directory:
                        var real = FileKinds.IsLink(path) ? FileKinds.RealPath(path) ?? path : System.IO.Path.Join(dirReal, name);
                        if (walked.Add(real))
                        {
                            pending.Push((path, real));
                        }
                        else
                        {
                            counts.Problems.Add(new ScanProblem(path, Projection.RejectReason.SymlinkLoop, $"links to {real}, a folder already read: not followed, so its files are not read twice"));
                        }

                        break;
                    case FileKind.Missing:
                        // A dangling link (or an entry removed while walking): nothing to read.
                        break;
                    default:
                        counts.SpecialFiles++;
                        break;
                }
            }
        }

        return files;
    }

    /// <summary>Classifies one object by its key or path; null for objects that are not inputs.</summary>
    public static ArchiveInput? Classify(string key, string path, long size, ScanCounts counts)
    {
        if (key.Contains("/CloudTrail-Digest/", StringComparison.Ordinal))
        {
            counts.DigestFiles++;
            return null;
        }

        if (key.Contains("/CloudTrail-Insight/", StringComparison.Ordinal))
        {
            counts.InsightFiles++;
            return null;
        }

        if (size == 0 && (key.EndsWith('/') || key.EndsWith("_$folder$", StringComparison.Ordinal)))
        {
            counts.FolderMarkers++;
            return null;
        }

        var m = CloudTrailPath().Match(key);
        if (m.Success
            && DateOnly.TryParseExact($"{m.Groups[5].Value}-{m.Groups[6].Value}-{m.Groups[7].Value}", "yyyy-MM-dd",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var delivered))
        {
            return new ArchiveInput(path, m.Groups[1].Value, size, long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), delivered);
        }

        return new ArchiveInput(path, key, size, -1, null);
    }

    /// <summary>
    /// Groups inputs into batches and leaves out what is done. Batches are cut from the whole input set (an archive's
    /// delivery day together, other files in path order), at a size from that set's total (at least 16 batches'
    /// worth for the workers, at most <paramref name="maxBatchBytes"/>), and only then are finished ones dropped: a
    /// resumed run gets the very batches, and so the very file names, of an uninterrupted one, whatever the
    /// parallelism. A batch whose inputs are partly done (the input set changed) keeps only the rest, under a new ID.
    /// </summary>
    public static List<ArchiveBatch> Batch(IReadOnlyList<ArchiveInput> inputs, Func<ArchiveInput, bool> isDone, long maxBatchBytes, string filterText)
    {
        const long minBatchBytes = 1024 * 1024;
        var cut = Math.Clamp(inputs.Sum(i => i.ReadBytes) / 16, minBatchBytes, Math.Max(minBatchBytes, maxBatchBytes));
        var batches = new List<ArchiveBatch>();
        foreach (var group in inputs.GroupBy(i => i.GroupKey, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var current = new List<ArchiveInput>();
            long bytes = 0;
            foreach (var input in group.OrderBy(i => i.Identity, StringComparer.Ordinal).ThenBy(i => i.Part?.Start ?? 0))
            {
                // A gzip file read in chunks as it is inflated is a batch of its own.
                if (current.Count > 0 && (bytes + input.ReadBytes > cut || input.SplitWhenInflated || current[^1].SplitWhenInflated))
                {
                    AddPending(current);
                    current = [];
                    bytes = 0;
                }

                current.Add(input);
                bytes += input.ReadBytes;
            }

            AddPending(current);
        }

        return batches;

        void AddPending(List<ArchiveInput> batch)
        {
            var pending = batch.Where(i => !isDone(i)).ToList();
            if (pending.Count > 0)
            {
                batches.Add(new ArchiveBatch(BatchId(pending, filterText), pending));
            }
        }
    }

    /// <summary>The checkpoint key of an input: identity, size and the filters it was read under, and its byte range when it is a part.</summary>
    public static string CheckpointKey(ArchiveInput input, string filterText) => input.Part is { } p
        ? $"{input.Identity}|{input.Size}|{filterText}|{p.Key}"
        : $"{input.Identity}|{input.Size}|{filterText}";

    internal static string BatchId(List<ArchiveInput> inputs, string filterText)
    {
        var sb = new StringBuilder().Append('v').Append(TlsEventSchema.Version).Append('|').Append(filterText);
        foreach (var i in inputs)
        {
            sb.Append('\n').Append(i.Identity).Append('|').Append(i.Size);
            if (i.Part is { } p)
            {
                sb.Append('|').Append(p.Key);
            }
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()));
        return "f" + Convert.ToHexStringLower(hash.AsSpan(0, 10));
    }
}
