using System.Diagnostics;
using System.Globalization;
using ParquetSharp;
using Pipeline.Buffers;
using Pipeline.Parquet;
using Pipeline.Schema;

/// <summary>
/// What a Parquet file costs beyond its rows: <c>--small-files [--files 2000] [--rows 133]</c> writes the same rows
/// as many small files (the shape a stream's flush leaves when each shard or partition writes its own files for
/// every lake partition it touched), one thread, no fsync, and prints CPU µs per file and per row.
/// </summary>
internal static class SmallFilesBench
{
    public static int Run(int files, int rowsPerFile, string work, int rounds)
    {
        using var rows = new TlsEventColumns(rowsPerFile);
        var values = new ByteArray[Col.Count];
        string[] samples = ["TLSv1.2", "TLSv1", "ECDHE-RSA-AES128-GCM-SHA256", "s3.us-east-1.amazonaws.com", "aws-sdk-java/1.12.0 Linux/5.10", "10.0.0.1", "AssumedRole", "111122223333"];
        for (var r = 0; r < rowsPerFile; r++)
        {
            for (var c = 0; c < Col.Count; c++)
            {
                var text = c == Col.EventId ? Guid.NewGuid().ToString() : samples[(c + (r % 3)) % samples.Length];
                values[c] = rows.Arena.Append(System.Text.Encoding.UTF8.GetBytes(text));
            }

            rows.Append(new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc).AddSeconds(r), values);
        }

        var root = Path.Combine(work, "small-files");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, true);
        }

        var settings = new ParquetSettings(ParquetCodec.Snappy, 3);
        var metadata = new Dictionary<string, string> { ["pipeline.batch"] = "bench", ["pipeline.schema_version"] = TlsEventSchema.Version.ToString(CultureInfo.InvariantCulture) };
        var best = double.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            // A fresh folder per round: files deleted just before cost the file system more to create again.
            var dir = Directory.CreateDirectory(Path.Combine(root, round.ToString(CultureInfo.InvariantCulture))).FullName;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (var f = 0; f < files; f++)
            {
                TlsEventParquetWriter.Write(Path.Combine(dir, f.ToString("D6", CultureInfo.InvariantCulture) + ".parquet"), rows, settings, metadata);
            }

            best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds);
        }

        Directory.Delete(root, true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{files:N0} files of {rowsPerFile:N0} rows, one thread, no fsync, best of {rounds}: {best / files:F0} CPU µs per file, {best / ((double)files * rowsPerFile):F2} µs per row"));
        return 0;
    }
}
