using System.Globalization;
using System.Security.Cryptography;

using System.Text.Json;
using ParquetSharp;
using Pipeline.Buffers;
using Pipeline.Parquet;
using Pipeline.Schema;

namespace Pipeline.Lake;

/// <summary>What a compaction did.</summary>
public sealed record CompactionResult(int Partitions, int PartitionsRewritten, int FilesBefore, int FilesAfter, long RowsBefore, long RowsAfter)
{
    public long DuplicatesDropped => RowsBefore - RowsAfter;
}

/// <summary>
/// Rewrites one day's partitions into few large files (Athena reads small files slowly), dropping rows whose
/// <c>event_id</c> is already in the partition. Each partition is rebuilt in <c>_staging/compact/</c> and swapped in
/// with one atomic directory exchange, so readers see the old files or the new ones, never both or neither. Files
/// an ingest adds to the partition meanwhile are moved into the new folder after the swap, so it is safe to run
/// while ingest writes (other days, or this one). A run interrupted at any point is finished or undone by the next.
/// </summary>
public static class LakeCompaction
{
    private const string Marker = "_compaction.json";

    public static CompactionResult Compact(string lakeRoot, DateOnly date, ParquetSettings parquet, long targetFileBytes = 128L * 1024 * 1024, int maxRowsPerFile = 5_000_000)
    {
        var lake = new LakeLayout(lakeRoot);
        var dayDir = Path.Combine(lake.TableDirectory, $"{TlsEventSchema.EventDatePartition}={date:yyyy-MM-dd}");
        var staging = Path.Combine(lake.StagingDirectory, "compact", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Recover(staging, dayDir);
        if (!Directory.Exists(dayDir))
        {
            return new CompactionResult(0, 0, 0, 0, 0, 0);
        }

        int partitions = 0, rewritten = 0, filesBefore = 0, filesAfter = 0;
        long rowsBefore = 0, rowsAfter = 0;
        foreach (var partition in Directory.EnumerateDirectories(dayDir, TlsEventSchema.AccountIdPartition + "=*").Order(StringComparer.Ordinal))
        {
            partitions++;
            var inputs = Directory.EnumerateFiles(partition, "*.parquet").Order(StringComparer.Ordinal).ToList();
            filesBefore += inputs.Count;
            var (before, after, files) = CompactPartition(partition, inputs, Path.Combine(staging, Path.GetFileName(partition)), parquet, targetFileBytes, maxRowsPerFile);
            rowsBefore += before;
            rowsAfter += after;
            filesAfter += files;
            rewritten += files == inputs.Count && before == after ? 0 : 1;
        }

        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        return new CompactionResult(partitions, rewritten, filesBefore, filesAfter, rowsBefore, rowsAfter);
    }

    private static (long Before, long After, int Files) CompactPartition(
        string partition, List<string> inputs, string work, ParquetSettings parquet, long targetFileBytes, int maxRowsPerFile)
    {
        var inputBytes = inputs.Sum(f => new FileInfo(f).Length);
        var wanted = (int)Math.Max(1, Math.Ceiling(inputBytes / (double)targetFileBytes));

        // Read every row; keep the first of each event_id.
        var rows = new TlsEventColumns(1024);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long before = 0;
        try
        {
            foreach (var input in inputs)
            {
                before += ReadInto(input, rows, seen);
            }

            if (inputs.Count <= wanted && rows.Count == before)
            {
                return (before, before, inputs.Count);
            }

            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }

            Directory.CreateDirectory(work);
            var order = Enumerable.Range(0, rows.Count).OrderBy(i => rows.EventTimeMicros[i]).ToArray();
            var id = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', inputs.Select(Path.GetFileName)))))[..16];
            var perFile = Math.Min(maxRowsPerFile, (int)Math.Ceiling(rows.Count / (double)wanted));
            var written = 0;
            for (var start = 0; start < order.Length; start += perFile)
            {
                using var chunk = new TlsEventColumns(perFile);
                Span<ByteArray> values = new ByteArray[Col.Count];
                foreach (var i in order.AsSpan(start, Math.Min(perFile, order.Length - start)))
                {
                    for (var c = 0; c < Col.Count; c++)
                    {
                        values[c] = rows.Strings(c)[i];
                    }

                    chunk.Append(new DateTime(rows.EventTimeMicros[i] * 10 + DateTime.UnixEpoch.Ticks, DateTimeKind.Utc), values);
                }

                var path = Path.Combine(work, $"part-compact-{id}-{written.ToString("D4", CultureInfo.InvariantCulture)}.parquet");
                TlsEventParquetWriter.Write(path, chunk, parquet, new Dictionary<string, string>
                {
                    ["pipeline.compacted_from"] = inputs.Count.ToString(CultureInfo.InvariantCulture),
                    ["pipeline.schema_version"] = TlsEventSchema.Version.ToString(CultureInfo.InvariantCulture),
                });
                Durable.SyncFile(path);
                written++;
            }

            File.WriteAllText(Path.Combine(work, Marker), JsonSerializer.Serialize(inputs.Select(Path.GetFileName).ToList()));
            Durable.SyncFile(Path.Combine(work, Marker));
            Durable.SyncDirectory(work);
            Swap(work, partition, inputs);
            return (before, rows.Count, written);
        }
        finally
        {
            rows.Dispose();
        }
    }

    /// <summary>Exchanges the rebuilt folder with the partition, moves late arrivals over, removes the old files.</summary>
    private static void Swap(string work, string partition, List<string> inputs)
    {
        if (!Durable.TryExchange(work, partition))
        {
            // No atomic exchange here: two renames, with a moment where the partition is missing (never doubled).
            var old = work + ".old";
            Directory.Move(partition, old);
            Directory.Move(work, partition);
            Directory.Move(old, work);
        }

        Durable.SyncDirectory(Path.GetDirectoryName(partition)!);
        FinishSwap(work, partition, inputs.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal)!);
    }

    /// <summary>After the swap <paramref name="work"/> holds the old files: keep what an ingest added meanwhile, drop the rest.</summary>
    private static void FinishSwap(string work, string partition, HashSet<string> inputs)
    {
        foreach (var file in Directory.EnumerateFiles(work).ToList())
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".parquet", StringComparison.Ordinal) && !inputs.Contains(name))
            {
                File.Move(file, Path.Combine(partition, name), overwrite: true);
            }
        }

        Durable.SyncDirectory(partition);
        Directory.Delete(work, recursive: true);
        File.Delete(Path.Combine(partition, Marker));
    }

    /// <summary>
    /// Finishes or undoes an interrupted run: a rebuilt folder still holding its marker was never swapped in and is
    /// dropped; one without it was swapped and holds the old files, which are cleaned up as after a swap.
    /// </summary>
    private static void Recover(string staging, string dayDir)
    {
        if (!Directory.Exists(staging))
        {
            return;
        }

        foreach (var work in Directory.EnumerateDirectories(staging))
        {
            var partition = Path.Combine(dayDir, Path.GetFileName(work));
            var marker = Path.Combine(partition, Marker);
            if (File.Exists(Path.Combine(work, Marker)) || !File.Exists(marker))
            {
                Directory.Delete(work, recursive: true);
                continue;
            }

            var inputs = JsonSerializer.Deserialize<List<string>>(File.ReadAllText(marker)) ?? [];
            FinishSwap(work, partition, inputs.ToHashSet(StringComparer.Ordinal));
        }
    }

    /// <summary>Appends a file's rows whose event_id is new; returns the rows read.</summary>
    private static long ReadInto(string path, TlsEventColumns rows, HashSet<string> seen)
    {
        using var file = new ParquetFileReader(path);
        var names = Enumerable.Range(0, file.FileMetaData.Schema.NumColumns).Select(i => file.FileMetaData.Schema.Column(i).Name).ToList();
        var stringIndex = TlsEventSchema.StringColumns.Select(c => names.IndexOf(c.Name)).ToArray();
        var timeIndex = names.IndexOf(TlsEventSchema.EventTimeColumn);
        long read = 0;
        Span<ByteArray> values = new ByteArray[Col.Count];
        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var group = file.RowGroup(g);
            var n = checked((int)group.MetaData.NumRows);
            var times = group.Column(timeIndex).LogicalReader<DateTime>().ReadAll(n);
            var columns = stringIndex.Select(i => i < 0 ? new string?[n] : group.Column(i).LogicalReader<string?>().ReadAll(n)).ToArray();
            for (var r = 0; r < n; r++)
            {
                read++;
                var eventId = columns[Col.EventId][r];
                if (eventId is null || !seen.Add(eventId))
                {
                    continue;
                }

                for (var c = 0; c < Col.Count; c++)
                {
                    values[c] = columns[c][r] is { } text ? rows.Arena.Append(System.Text.Encoding.UTF8.GetBytes(text)) : default;
                }

                rows.Append(DateTime.SpecifyKind(times[r], DateTimeKind.Utc), values);
            }
        }

        return read;
    }
}
