using System.Text.Json;

namespace Pipeline.Reporting.Owners;

/// <summary>Who an account is and who owns it.</summary>
public sealed record AccountOwner(string AccountId, string? Name, string? Email, string? Team);

/// <summary>
/// Account names and owners, from the JSON that <c>aws organizations list-accounts</c> prints or from a CSV
/// <c>account_id,name,owner_email,team</c>. Accounts missing from it still get reports and tickets.
/// </summary>
public sealed class OwnerDirectory
{
    private readonly Dictionary<string, AccountOwner> _owners;

    private OwnerDirectory(Dictionary<string, AccountOwner> owners) => _owners = owners;

    public static OwnerDirectory Empty { get; } = new([]);

    public IReadOnlyCollection<AccountOwner> All => _owners.Values;

    public AccountOwner this[string accountId] => _owners.TryGetValue(accountId, out var o) ? o : new AccountOwner(accountId, null, null, null);

    /// <summary>Reads a file in either format (decided by its content); throws <see cref="FormatException"/> naming the file and the problem.</summary>
    public static OwnerDirectory Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"cannot read owners file {path}: {e.Message}", e);
        }

        return text.TrimStart().StartsWith('{') ? FromJson(text, path) : FromCsv(text, path);
    }

    private static OwnerDirectory FromJson(string text, string path)
    {
        var owners = new Dictionary<string, AccountOwner>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (!doc.RootElement.TryGetProperty("Accounts", out var accounts) || accounts.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"owners file {path}: JSON without an \"Accounts\" array (expected `aws organizations list-accounts` output)");
            }

            foreach (var a in accounts.EnumerateArray())
            {
                var id = a.TryGetProperty("Id", out var i) ? i.GetString() : null;
                if (id is null || !IsAccountId(id))
                {
                    continue;
                }

                owners[id] = new AccountOwner(id, Text(a, "Name"), Text(a, "Email"), null);
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"owners file {path} is not valid JSON: {e.Message}", e);
        }

        return new OwnerDirectory(owners);
    }

    private static OwnerDirectory FromCsv(string text, string path)
    {
        var owners = new Dictionary<string, AccountOwner>(StringComparer.Ordinal);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
        {
            return new OwnerDirectory(owners);
        }

        var header = SplitCsv(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        var idCol = header.IndexOf("account_id");
        if (idCol < 0)
        {
            throw new FormatException($"owners file {path}: CSV header needs account_id (account_id,name,owner_email,team)");
        }

        int Col(string name) => header.IndexOf(name);
        for (var n = 1; n < lines.Count; n++)
        {
            var cells = SplitCsv(lines[n]);
            string? Cell(int c) => c >= 0 && c < cells.Count && cells[c].Trim().Length > 0 ? cells[c].Trim() : null;
            var id = Cell(idCol);
            if (id is null || !IsAccountId(id))
            {
                throw new FormatException($"owners file {path}, line {n + 1}: '{id}' is not a 12-digit account ID");
            }

            owners[id] = new AccountOwner(id, Cell(Col("name")), Cell(Col("owner_email")), Cell(Col("team")));
        }

        return new OwnerDirectory(owners);
    }

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(ch);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }

    private static string? Text(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static bool IsAccountId(string s) => s.Length == 12 && s.All(char.IsAsciiDigit);
}
