using System.Diagnostics;
using System.Text.Json;

namespace Pipeline.Tests.Support;

/// <summary>
/// Checks SQL against Trino's grammar (Athena engine v3) or Hive's (Athena DDL) with npm's dt-sql-parser, pinned in
/// <c>tools/sql-grammar</c> (installed with <c>npm ci</c> when missing) and run by its <c>validate.mjs</c>.
/// </summary>
public static class SqlGrammar
{
    public sealed record Statement(string Name, string Dialect, string Sql);

    /// <summary>Each statement's grammar errors ("line:column message"), by name; empty lists for valid ones.</summary>
    public static Dictionary<string, List<string>> Check(IEnumerable<Statement> statements)
    {
        var tools = Path.Combine(Paths.RepoRoot, "tools", "sql-grammar");
        LocalAws.NpmInstall(tools, t => File.Exists(Path.Combine(t, "node_modules", "dt-sql-parser", "package.json")));
        var psi = new ProcessStartInfo("node", "validate.mjs")
        {
            WorkingDirectory = tools,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(psi)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        node.StandardInput.Write(JsonSerializer.Serialize(statements.Select(s => new { name = s.Name, dialect = s.Dialect, sql = s.Sql })));
        node.StandardInput.Close();
        if (!node.WaitForExit(TimeSpan.FromMinutes(2)) || node.ExitCode != 0)
        {
            throw new InvalidOperationException($"node validate.mjs failed: {stderr.Result}");
        }

        using var doc = JsonDocument.Parse(stdout.Result);
        return doc.RootElement.EnumerateArray().ToDictionary(
            r => r.GetProperty("name").GetString()!,
            r => r.GetProperty("errors").EnumerateArray()
                .Select(e => $"{e.GetProperty("line").GetInt32()}:{e.GetProperty("column").GetInt32()} {e.GetProperty("message").GetString()}").ToList());
    }
}
