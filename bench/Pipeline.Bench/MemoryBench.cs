using System.Globalization;
using System.IO.Compression;
using System.Text;

/// <summary>
/// Memory benchmark: peak RSS of <c>pipeline ingest</c> at several <c>--memory-budget-mib</c> values on the inputs that
/// used to take memory by size: 600 records with 1 MB user agents, a gzip bomb (1 GiB of zeros in ~1 MB), and 100,000
/// lake partitions (1,000 accounts x 100 days). Exits non-zero only when a run fails or lands the wrong rows.
/// </summary>
internal static class MemoryBench
{
    public static int Run(string work, string cli, Func<string, string[], Measurement> measure)
    {
        Directory.CreateDirectory(work);
        var huge = Path.Combine(work, "memory-huge-values.ndjson");
        if (!File.Exists(huge))
        {
            var ua = "Java/1.7.0_80 " + new string('A', 1024 * 1024);
            using var w = new StreamWriter(huge);
            for (var i = 0; i < 600; i++)
            {
                w.Write(Record($"h{i}", $"2026-11-18T10:{i / 60 % 60:D2}:{i % 60:D2}Z", $"1234567890{i % 10:D2}", ua + i));
                w.Write('\n');
            }
        }

        var bomb = Path.Combine(work, "memory-bomb.json.gz");
        if (!File.Exists(bomb))
        {
            using var file = File.Create(bomb);
            using var gz = new GZipStream(file, CompressionLevel.SmallestSize);
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 1024; i++)
            {
                gz.Write(zeros);
            }
        }

        var partitions = Path.Combine(work, "memory-100k-partitions.ndjson");
        if (!File.Exists(partitions))
        {
            using var w = new StreamWriter(partitions);
            var day0 = new DateTime(2026, 8, 1, 12, 0, 0, DateTimeKind.Utc);
            for (var a = 0; a < 1000; a++)
            {
                for (var d = 0; d < 100; d++)
                {
                    w.Write(Record($"p{a}-{d}", day0.AddDays(d).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), (100000000000L + a).ToString(CultureInfo.InvariantCulture), "aws-sdk-java/1.11.0 Linux/4.14 OpenJDK_64-Bit_Server_VM/25.0 java/1.7.0_80"));
                    w.Write('\n');
                }
            }
        }

        var inputs = new (string Name, string Path, long Rows)[] { ("600 × 1 MB user agents", huge, 600), ("gzip bomb, 1 GiB of zeros", bomb, 0), ("100,000 lake partitions", partitions, 100_000) };
        Console.WriteLine("| input | budget MiB | wall s | peak RSS MiB | rows |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        var ok = true;
        foreach (var (name, path, rows) in inputs)
        {
            foreach (var budget in new[] { 16, 64, 192 })
            {
                var lake = Path.Combine(work, "memory-lake");
                if (Directory.Exists(lake))
                {
                    Directory.Delete(lake, true);
                }

                var m = measure("dotnet", [cli, "ingest", "--source", path, "--lake", lake, "--memory-budget-mib", budget.ToString(CultureInfo.InvariantCulture)]);
                var landed = Directory.Exists(Path.Combine(lake, "tls_events")) ? FormsBench.CountRows(lake) : 0;
                ok &= landed == rows;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {budget} | {m.Wall.TotalSeconds:F1} | {m.PeakRssMiB:F0} | {landed:N0} |"));
            }
        }

        return ok ? 0 : 1;
    }

    private static string Record(string id, string time, string account, string ua) =>
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::" + account + ":user/u\",\"accountId\":\"" + account
        + "\"},\"eventTime\":\"" + time + "\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"203.0.113.5\",\"userAgent\":\""
        + ua + "\",\"eventID\":\"" + id + "\",\"recipientAccountId\":\"" + account + "\",\"tlsDetails\":{\"tlsVersion\":\"TLSv1\",\"cipherSuite\":\"ECDHE-RSA-AES128-SHA\",\"clientProvidedHostHeader\":\"s3.amazonaws.com\"}}";
}
