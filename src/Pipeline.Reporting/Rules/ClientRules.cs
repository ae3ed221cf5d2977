using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Reporting.Rules;

/// <summary>What a user agent says about the client, and what to do about it.</summary>
/// <param name="Family">Short name of the matched rule(s), e.g. "Java 6/7".</param>
/// <param name="Sdk">SDK or tool and version, e.g. "aws-sdk-java/1.11.119".</param>
/// <param name="Runtime">Language runtime and version, e.g. "java/1.7.0_80".</param>
/// <param name="Os">Operating system, e.g. "Linux/3.10.0".</param>
/// <param name="Advice">Remediation advice, one entry per matched rule.</param>
/// <param name="RuleIds">IDs of the matched rules.</param>
public sealed record ClientClass(string Family, string? Sdk, string? Runtime, string? Os, IReadOnlyList<string> Advice, IReadOnlyList<string> RuleIds);

/// <summary>Classifies clients by user agent with rules from a data file (<c>client-rules.json</c>).</summary>
public sealed partial class ClientRules
{
    private readonly List<(string Id, Regex Match, string Family, string Advice)> _rules;
    private readonly (string Family, string Advice) _default;

    private ClientRules(List<(string, Regex, string, string)> rules, (string, string) fallback)
    {
        _rules = rules;
        _default = fallback;
    }

    /// <summary>The built-in rules, optionally preceded by a user's file.</summary>
    public static ClientRules Load(string? userFile = null)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("client-rules.json")!;
        using var builtIn = JsonDocument.Parse(stream);
        var rules = new List<(string, Regex, string, string)>();
        var fallback = Default(builtIn.RootElement);
        if (userFile is not null)
        {
            try
            {
                using var user = JsonDocument.Parse(File.ReadAllText(userFile));
                rules.AddRange(Read(user.RootElement, userFile));
                if (user.RootElement.TryGetProperty("default", out _))
                {
                    fallback = Default(user.RootElement);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new FormatException($"rules file {userFile}: {e.Message}", e);
            }
        }

        rules.AddRange(Read(builtIn.RootElement, "built-in rules"));
        return new ClientRules(rules, fallback);
    }

    public ClientClass Classify(string? userAgent)
    {
        var ua = userAgent ?? string.Empty;
        var matched = _rules.Where(r => r.Match.IsMatch(ua)).ToList();
        var family = matched.Count == 0 ? _default.Family : string.Join(" + ", matched.Select(m => m.Family));
        var advice = matched.Count == 0 ? [_default.Advice] : matched.Select(m => m.Advice).ToList();
        return new ClientClass(family, First(SdkPattern(), ua), First(RuntimePattern(), ua), First(OsPattern(), ua), advice, matched.Select(m => m.Id).ToList());
    }

    private static IEnumerable<(string, Regex, string, string)> Read(JsonElement root, string source)
    {
        foreach (var r in root.GetProperty("rules").EnumerateArray())
        {
            var id = r.GetProperty("id").GetString()!;
            Regex regex;
            try
            {
                regex = new Regex(r.GetProperty("match").GetString()!, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"{source}: rule {id} has a bad regex: {e.Message}", e);
            }

            yield return (id, regex, r.GetProperty("family").GetString()!, r.GetProperty("advice").GetString()!);
        }
    }

    private static (string, string) Default(JsonElement root)
    {
        var d = root.GetProperty("default");
        return (d.GetProperty("family").GetString()!, d.GetProperty("advice").GetString()!);
    }

    private static string? First(Regex pattern, string ua) => pattern.Match(ua) is { Success: true } m ? m.Value : null;

    [GeneratedRegex(@"(?i)\b(aws-cli|aws-sdk-[a-z0-9-]+|boto3|botocore|Boto3|AWSPowerShell|AWS\.Tools[a-zA-Z.]*|Terraform|aws-sdk-rust)/[0-9][0-9A-Za-z._-]*")]
    private static partial Regex SdkPattern();

    [GeneratedRegex(@"(?i)(?<![\w./-])(java|Python|\.NET_Framework|\.NET_Core|\.NET_Runtime|PHP|ruby|lang/go#|go|md/nodejs#|nodejs)[/#]?[0-9][0-9A-Za-z._+-]*")]
    private static partial Regex RuntimePattern();

    [GeneratedRegex(@"(?i)(?<![\w./-])(Linux|Windows_NT|Windows NT|Darwin|Mac_OS_X|OS/Microsoft_Windows_NT|x86_64-linux)[/_ ]?[0-9][0-9A-Za-z._-]*")]
    private static partial Regex OsPattern();
}
