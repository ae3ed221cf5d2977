using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Golden;

/// <summary>
/// Golden tests over real public CloudTrail records (Golden/corpus, provenance in its SOURCES.md). Each file is fed to
/// the decoder in the form it was delivered in, and the rows are compared with an independent oracle that walks the
/// same bytes with <see cref="JsonDocument"/>.
/// </summary>
public sealed class CorpusGoldenTests
{
    public static TheoryData<string> CorpusFiles() => new(Files());

    private static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(Paths.Corpus, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".md", StringComparison.Ordinal) && !f.EndsWith(".tsv", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Paths.Corpus, f))
            .Order(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Decode_CorpusFile_MatchesTheOracle(string relative)
    {
        var bytes = Delivered(relative);

        var sink = CapturingSink.Decode(bytes, relative);
        var oracle = Oracle.Expect(bytes);

        Assert.Equal(oracle.Rows.Count, sink.Rows.Count);
        Assert.Equal(oracle.Rejects, sink.Rejects.Count);
        var actual = sink.Rows.Select(Canonical).Order(StringComparer.Ordinal).ToList();
        var expected = oracle.Rows.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Decode_WholeCorpus_KeepsTheRealTlsFacts()
    {
        var rows = Files().SelectMany(f => CapturingSink.Decode(Delivered(f), f).Rows).ToList();
        var tls = rows.GroupBy(r => r["tls_version"] ?? "(none)").ToDictionary(g => g.Key, g => g.Count());

        // This copy holds 221 TLSv1.3 and 174 TLSv1.2 records (SOURCES.md's totals include files left out for their
        // licence); 3 and 1 of them have no eventID and are rejected. No public record shows legacy TLS.
        Assert.Equal(218, tls["TLSv1.3"]);
        Assert.Equal(173, tls["TLSv1.2"]);
        Assert.False(tls.ContainsKey("TLSv1"));
        Assert.False(tls.ContainsKey("TLSv1.1"));
        Assert.True(tls["(none)"] > 400);
        Assert.All(rows, r => Assert.Matches("^[0-9]{12}$", r.Account.ToString("D12", CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The bytes as they were delivered. Two sources wrap records in their own test envelopes (Cribl's <c>_raw</c>
    /// strings, StreamAlert's <c>data</c>); those are unwrapped into newline-delimited JSON, which is how the same
    /// records reach a pipeline.
    /// </summary>
    internal static byte[] Delivered(string relative)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Paths.Corpus, relative));
        if (relative.StartsWith("cribl-", StringComparison.Ordinal))
        {
            using var doc = JsonDocument.Parse(bytes);
            return Encoding.UTF8.GetBytes(string.Concat(doc.RootElement.EnumerateArray().Select(e =>
                JsonSerializer.Serialize(JsonDocument.Parse(e.GetProperty("_raw").GetString()!).RootElement) + "\n")));
        }

        if (relative.StartsWith("streamalert", StringComparison.Ordinal))
        {
            using var doc = JsonDocument.Parse(bytes);
            return Encoding.UTF8.GetBytes(string.Concat(doc.RootElement.EnumerateArray().Select(e => e.GetProperty("data").GetRawText().ReplaceLineEndings(" ") + "\n")));
        }

        return bytes;
    }

    private static string Canonical(Row row) =>
        row.EventTime.ToString("O", CultureInfo.InvariantCulture) + "|" + row.Account.ToString("D12", CultureInfo.InvariantCulture) + "|"
        + string.Join("|", Schema.TlsEventSchema.StringColumns.Select(c => row[c.Name] ?? "\u2400"));
}

/// <summary>An independent reading of the same rules over a DOM, used only as the tests' oracle.</summary>
internal static class Oracle
{
    public sealed record Expectation(List<string> Rows, int Rejects);

    public static Expectation Expect(byte[] bytes)
    {
        var rows = new List<string>();
        var rejects = 0;
        if (bytes.Length > 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
        {
            using var gz = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gz.CopyTo(plain);
            bytes = plain.ToArray();
        }

        var text = Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF');
        var firstLine = text.Split('\n')[0].Trim();
        var lines = firstLine.Length >= 2 && ((firstLine[0] == '{' && firstLine[^1] == '}') || (firstLine[0] == '[' && firstLine[^1] == ']'))
            ? text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)
            : [text];
        foreach (var line in lines)
        {
            try
            {
                using var doc = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 4096 });
                Value(doc.RootElement, 0);
            }
            catch (JsonException)
            {
                rejects++;
            }
        }

        return new Expectation(rows, rejects);

        void Value(JsonElement v, int depth)
        {
            if (v.ValueKind == JsonValueKind.Array && depth < 6)
            {
                foreach (var e in v.EnumerateArray())
                {
                    Value(e, depth + 1);
                }

                return;
            }

            if (v.ValueKind != JsonValueKind.Object)
            {
                rejects++;
                return;
            }

            if (v.TryGetProperty("Records", out var recs) && recs.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in recs.EnumerateArray())
                {
                    Value(e, e.ValueKind == JsonValueKind.Object ? depth + 1 : 6);
                }

                return;
            }

            if (v.TryGetProperty("messageType", out var mt) && mt.ValueKind == JsonValueKind.String && v.TryGetProperty("logEvents", out var events) && events.ValueKind == JsonValueKind.Array)
            {
                if (mt.GetString() == "DATA_MESSAGE")
                {
                    foreach (var e in events.EnumerateArray())
                    {
                        try
                        {
                            using var inner = JsonDocument.Parse(e.GetProperty("message").GetString()!);
                            Value(inner.RootElement, depth + 1);
                        }
                        catch (JsonException)
                        {
                            rejects++;
                        }
                    }
                }
                else if (mt.GetString() != "CONTROL_MESSAGE")
                {
                    rejects++;
                }

                return;
            }

            if (v.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.Object && v.TryGetProperty("detail-type", out var dt) && dt.ValueKind == JsonValueKind.String)
            {
                if (dt.GetString()!.EndsWith(" via CloudTrail", StringComparison.Ordinal))
                {
                    Value(detail, depth + 1);
                }
                else
                {
                    rejects++;
                }

                return;
            }

            Record(v);
        }

        void Record(JsonElement r)
        {
            if (Text(r, "eventType") == "AwsCloudTrailInsight")
            {
                return;
            }

            if (!r.TryGetProperty("eventTime", out var t) || t.ValueKind == JsonValueKind.Null || t.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                rejects++;
                return;
            }

            var id = Text(r, "eventID");
            var account = Text(r, "recipientAccountId");
            if (string.IsNullOrEmpty(id) || account is null || account.Length != 12 || !account.All(char.IsAsciiDigit))
            {
                rejects++;
                return;
            }

            var identity = r.TryGetProperty("userIdentity", out var u) && u.ValueKind == JsonValueKind.Object ? u : default;
            var tls = r.TryGetProperty("tlsDetails", out var td) && td.ValueKind == JsonValueKind.Object ? td : default;
            var issuer = identity.ValueKind == JsonValueKind.Object && identity.TryGetProperty("sessionContext", out var sc) && sc.ValueKind == JsonValueKind.Object
                         && sc.TryGetProperty("sessionIssuer", out var si) && si.ValueKind == JsonValueKind.Object ? si : default;
            string?[] values =
            [
                id, Text(r, "awsRegion"), Text(r, "eventSource"), Text(r, "eventName"),
                Text(tls, "tlsVersion"), Text(tls, "cipherSuite"), Text(tls, "clientProvidedHostHeader"),
                Text(r, "userAgent"), Text(r, "sourceIPAddress"),
                Text(identity, "type"), Text(identity, "arn"), Text(identity, "accountId"), Text(identity, "accessKeyId"),
                Text(r, "vpcEndpointId"), Text(r, "errorCode"), Text(issuer, "arn"), Text(r, "eventType"), Text(r, "eventCategory"),
                Text(r, "sessionCredentialFromConsole"),
            ];
            rows.Add(time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) + "|" + account + "|" + string.Join("|", values.Select(x => x ?? "\u2400")));
        }

        static string? Text(JsonElement o, string name)
        {
            if (o.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? found = null;
            foreach (var p in o.EnumerateObject())
            {
                if (p.Name == name)
                {
                    found = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString(),
                        JsonValueKind.Number => p.Value.GetRawText(),
                        JsonValueKind.True or JsonValueKind.False when name == "sessionCredentialFromConsole" => p.Value.GetRawText(),
                        _ => null,
                    };
                }
            }

            return found;
        }
    }
}
