using System.Globalization;
using Pipeline.Ingest;

namespace Pipeline.Cli.Console;

/// <summary>The end-of-run summary of an ingest.</summary>
internal static class Summary
{
    public static void Print(TextWriter w, IngestResult result, string lake)
    {
        var s = result.Stats;
        var seconds = Math.Max(result.Elapsed.TotalSeconds, 1e-3);
        var inv = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(inv, $"Ingest finished in {result.Elapsed.TotalSeconds:F1} s"));
        w.WriteLine(string.Create(inv, $"  files       {s.InputsDone:N0} read ({Units.Bytes(s.BytesRead)}), {s.InputsAlreadyDone:N0} already done; skipped {result.Scan.DigestFiles:N0} digest, {result.Scan.InsightFiles:N0} insight, {result.Scan.FolderMarkers:N0} folder markers, {result.Scan.OutsideDateRange:N0} outside --from/--to, {result.Scan.SpecialFiles:N0} FIFOs/sockets/devices"));
        if (result.Unreadable.Count > 0)
        {
            w.WriteLine(string.Create(inv, $"  unreadable  {result.Unreadable.Count:N0} inputs could not be opened (not checkpointed; the next run reads them):"));
            foreach (var u in result.Unreadable.Take(5))
            {
                w.WriteLine("              " + Sanitize($"{u.Input}: {u.Reason}"));
            }
        }
        w.WriteLine(string.Create(inv, $"  records     {s.Records:N0} read; {s.EventsWritten:N0} events written to {s.FilesWritten:N0} Parquet files ({Units.Bytes(s.BytesWritten)}); {s.OutsideDateRange:N0} outside --from/--to; {s.ControlMessages:N0} CloudWatch Logs control messages; {s.InsightRecords:N0} Insights records skipped"));
        if (s.RepairedStrings > 0)
        {
            w.WriteLine(string.Create(inv, $"  repaired    {s.RepairedStrings:N0} string values held invalid UTF-8 or a lone surrogate escape: stored with U+FFFD, records kept"));
        }

        if (s.TruncatedStrings > 0)
        {
            w.WriteLine(string.Create(inv, $"  truncated   {s.TruncatedStrings:N0} string values longer than 8 KiB: stored cut, ending in …, records kept"));
        }

        if (s.RejectTotal == 0)
        {
            w.WriteLine("  rejects     none");
        }
        else
        {
            var byReason = string.Join(", ", s.Rejects.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => string.Create(inv, $"{r.Key} {r.Value:N0}")));
            w.WriteLine(string.Create(inv, $"  rejects     {s.RejectTotal:N0}: {byReason} (details in {RejectsLocation(lake)})"));
            foreach (var sample in s.RejectSamples.Take(5))
            {
                w.WriteLine("              e.g. " + Sanitize(sample));
            }
        }

        w.WriteLine(string.Create(inv, $"  throughput  {s.EventsWritten / seconds:N0} events/s, {Units.Bytes((long)(s.BytesRead / seconds))}/s of input"));
        if (result.RecoveredBatches > 0)
        {
            w.WriteLine(string.Create(inv, $"  recovered   {result.RecoveredBatches} batches committed by an interrupted run were finished"));
        }
    }

    private static string RejectsLocation(string lake) =>
        lake.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) ? lake.TrimEnd('/') + "/_rejects/" : Path.Combine(Path.GetFullPath(lake), "_rejects") + "/";

    /// <summary>Keeps hostile input from driving the terminal (escape sequences, line breaks).</summary>
    internal static string Sanitize(string text)
    {
        var chars = text.Length > 300 ? text[..300] + "…" : text;
        return string.Create(chars.Length, chars, (span, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                span[i] = char.IsControl(src[i]) ? '?' : src[i];
            }
        });
    }
}
