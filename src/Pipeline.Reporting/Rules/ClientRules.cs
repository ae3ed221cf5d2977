using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Reporting.Model;

namespace Pipeline.Reporting.Rules;

/// <summary>What a user agent says about the client, and what to do about it.</summary>
/// <param name="Family">Short name of the matched rule(s), e.g. "Java 6/7".</param>
/// <param name="Sdk">SDK or tool and version, e.g. "aws-sdk-java/1.11.119".</param>
/// <param name="Runtime">Language runtime and version, e.g. "java 1.7.0_80".</param>
/// <param name="Os">Operating system, e.g. "Linux 3.10.0".</param>
/// <param name="Advice">Remediation advice, one entry per matched rule.</param>
/// <param name="RuleIds">IDs of the matched rules.</param>
/// <param name="ExecEnv">Where it runs when the SDK says (<c>exec-env/AWS_Lambda_java8</c>, <c>AWS_ECS_FARGATE</c>).</param>
public sealed record ClientClass(string Family, string? Sdk, string? Runtime, string? Os, IReadOnlyList<string> Advice, IReadOnlyList<string> RuleIds, string? ExecEnv = null)
{
    /// <summary>SDK, runtime, OS and environment, as one line.</summary>
    public string Describe() => string.Join(", ", new[] { Sdk, Runtime, Os, ExecEnv }.Where(x => x is not null));
}

/// <summary>
/// Classifies clients by user agent with rules from a data file (<c>client-rules.json</c>). Reads both forms the AWS
/// SDKs send: the older <c>aws-sdk-java/1.11.119 Linux/3.10.0 … java/1.7.0_80</c> and today's
/// <c>aws-sdk-java/2.20.0 ua/2.0 os/linux#5.10 lang/java#17.0.6 md/… api/s3#2.20.0 exec-env/AWS_Lambda_java17 m/A</c>.
/// </summary>
public sealed partial class ClientRules
{
    private readonly List<Rule> _rules;
    private readonly (string Family, string Advice) _default;
    private readonly Dictionary<CallerKind, (string Family, string Advice)> _kinds;

    private ClientRules(List<Rule> rules, (string, string) fallback, Dictionary<CallerKind, (string, string)> kinds)
    {
        _rules = rules;
        _default = fallback;
        _kinds = kinds;
    }

    /// <summary>The built-in rules, optionally preceded by a user's file.</summary>
    public static ClientRules Load(string? userFile = null)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("client-rules.json")!;
        using var builtIn = JsonDocument.Parse(stream);
        var rules = new List<Rule>();
        var fallback = Entry(builtIn.RootElement, "default");
        var kinds = new Dictionary<CallerKind, (string, string)>
        {
            [CallerKind.Console] = Entry(builtIn.RootElement, "console"),
            [CallerKind.Anonymous] = Entry(builtIn.RootElement, "anonymous"),
        };
        if (userFile is not null)
        {
            try
            {
                using var user = JsonDocument.Parse(File.ReadAllText(userFile));
                if (ShapeError(user.RootElement) is { } shape)
                {
                    throw new FormatException(
                        $"rules file {userFile}: {shape} (expected the form of client-rules.json: {{\"rules\": [{{\"id\", \"match\" (a regex), \"family\", \"advice\"}}, …]}})");
                }

                rules.AddRange(Read(user.RootElement, userFile));
                if (user.RootElement.TryGetProperty("default", out _))
                {
                    fallback = Entry(user.RootElement, "default");
                }

                foreach (var (kind, name) in new[] { (CallerKind.Console, "console"), (CallerKind.Anonymous, "anonymous") })
                {
                    if (user.RootElement.TryGetProperty(name, out _))
                    {
                        kinds[kind] = Entry(user.RootElement, name);
                    }
                }
            }
            catch (JsonException e)
            {
                throw new FormatException($"rules file {userFile} is not JSON: {e.Message.Split(" Path:", 2)[0]}", e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FormatException($"rules file {userFile} cannot be read: {e.Message}", e);
            }
        }

        rules.AddRange(Read(builtIn.RootElement, "built-in rules"));
        return new ClientRules(rules, fallback, kinds);
    }

    /// <summary>One user agent: every matching rule's advice, or the default.</summary>
    public ClientClass Classify(string? userAgent)
    {
        var ua = userAgent ?? string.Empty;
        var matched = new List<Rule>();
        foreach (var rule in _rules)
        {
            if (rule.Match.IsMatch(ua) && !rule.Unless.Any(id => matched.Exists(m => m.Id == id)))
            {
                matched.Add(rule);
            }
        }

        var family = matched.Count == 0 ? _default.Family : string.Join(" + ", matched.Select(m => m.Family));
        var advice = matched.Count == 0 ? [_default.Advice] : matched.Select(m => m.Advice).ToList();
        return new ClientClass(family, Sdk(ua), Runtime(ua), Os(ua), advice, matched.Select(m => m.Id).ToList(), ExecEnv(ua));
    }

    /// <summary>
    /// A client: its most frequent user agent names the family; advice comes from its three most frequent user agents
    /// (a role shared by two applications gets both), after the advice of its kind (console, anonymous).
    /// </summary>
    public ClientClass Classify(CallerKind kind, IReadOnlyList<string> userAgents)
    {
        var top = Classify(userAgents.Count == 0 ? null : ClientFacets.UserAgent(userAgents[0]));
        var advice = userAgents.Skip(1).Take(2).Select(u => Classify(ClientFacets.UserAgent(u)))
            .Aggregate(top.Advice.AsEnumerable(), (all, c) => all.Concat(c.Advice)).Distinct(StringComparer.Ordinal);
        if (_kinds.TryGetValue(kind, out var special))
        {
            return top with { Family = special.Family, Advice = advice.Prepend(special.Advice).Distinct(StringComparer.Ordinal).ToList(), RuleIds = top.RuleIds.Prepend(kind.ToString().ToLowerInvariant()).ToList() };
        }

        return top with { Advice = advice.ToList() };
    }

    private static IEnumerable<Rule> Read(JsonElement root, string source)
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

            var unless = r.TryGetProperty("unless", out var u) ? u.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
            yield return new Rule(id, regex, r.GetProperty("family").GetString()!, r.GetProperty("advice").GetString()!, unless);
        }
    }

    /// <summary>What is wrong with a user rules file's shape, or null: checked before any of it is used.</summary>
    private static string? ShapeError(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return "the file is not a JSON object";
        }

        if (!root.TryGetProperty("rules", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return "\"rules\" must be an array";
        }

        var i = 0;
        foreach (var rule in list.EnumerateArray())
        {
            if (rule.ValueKind != JsonValueKind.Object)
            {
                return $"rules[{i}] is not an object";
            }

            foreach (var field in new[] { "id", "match", "family", "advice" })
            {
                if (!rule.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.String)
                {
                    return $"rules[{i}] has no \"{field}\" string";
                }
            }

            if (rule.TryGetProperty("unless", out var unless) && (unless.ValueKind != JsonValueKind.Array || unless.EnumerateArray().Any(u => u.ValueKind != JsonValueKind.String)))
            {
                return $"rules[{i}]: \"unless\" must be an array of rule ids";
            }

            i++;
        }

        foreach (var entry in new[] { "default", "console", "anonymous" })
        {
            if (root.TryGetProperty(entry, out var e) && (e.ValueKind != JsonValueKind.Object
                || !e.TryGetProperty("family", out var f) || f.ValueKind != JsonValueKind.String || !e.TryGetProperty("advice", out var a) || a.ValueKind != JsonValueKind.String))
            {
                return $"\"{entry}\" must be an object with \"family\" and \"advice\" strings";
            }
        }

        return null;
    }

    /// <summary>A rule of the file: its regex, family and advice, and rules whose match silences it.</summary>
    private sealed record Rule(string Id, Regex Match, string Family, string Advice, IReadOnlyList<string> Unless);

    private static (string, string) Entry(JsonElement root, string name)
    {
        var d = root.GetProperty(name);
        return (d.GetProperty("family").GetString()!, d.GetProperty("advice").GetString()!);
    }

    /// <summary>The SDK or tool: the first product token of a known SDK (its version after '/').</summary>
    private static string? Sdk(string ua) => SdkPattern().Match(ua) is { Success: true } m ? m.Value : null;

    /// <summary>The language runtime: <c>lang/java#17.0.6</c> (with <c>md/nodejs#18.1</c> for JavaScript), else the older tokens.</summary>
    private static string? Runtime(string ua)
    {
        if (LangPattern().Match(ua) is { Success: true } lang)
        {
            var name = lang.Groups[1].Value;
            var version = lang.Groups[2].Value;
            if (name.Equals("js", StringComparison.OrdinalIgnoreCase) && NodePattern().Match(ua) is { Success: true } node)
            {
                return "nodejs " + node.Groups[1].Value;
            }

            return version.Length == 0 ? name : name + " " + version;
        }

        return OldRuntimePattern().Match(ua) is { Success: true } m ? m.Value : null;
    }

    private static string? Os(string ua)
    {
        if (NewOsPattern().Match(ua) is { Success: true } os)
        {
            return os.Groups[2].Success ? os.Groups[1].Value + " " + os.Groups[2].Value : os.Groups[1].Value;
        }

        return OldOsPattern().Match(ua) is { Success: true } m ? m.Value : null;
    }

    private static string? ExecEnv(string ua) => ExecEnvPattern().Match(ua) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"(?i)\b(aws-cli|aws-sdk-[a-z0-9-]+|boto3|botocore|AWSPowerShell(?:\.NetCore)?|AWS\.Tools[a-zA-Z.]*|Terraform|aws-sdk-rust)/[0-9][0-9A-Za-z._-]*")]
    private static partial Regex SdkPattern();

    [GeneratedRegex(@"(?i)(?<![\w./-])lang/([A-Za-z._]+)(?:#([0-9][0-9A-Za-z._+-]*))?")]
    private static partial Regex LangPattern();

    [GeneratedRegex(@"(?i)(?<![\w./-])md/nodejs#([0-9][0-9A-Za-z._+-]*)")]
    private static partial Regex NodePattern();

    [GeneratedRegex(@"(?i)(?<![\w./-])(java|Python|\.NET_Framework|\.NET_Core|\.NET_Runtime|PHP|ruby|go|nodejs)[/#]?[0-9][0-9A-Za-z._+-]*")]
    private static partial Regex OldRuntimePattern();

    [GeneratedRegex(@"(?<![\w./-])os/([A-Za-z_]+)(?:#([0-9][0-9A-Za-z._-]*))?(?=\s|$)")]
    private static partial Regex NewOsPattern();

    [GeneratedRegex(@"(?i)(?<![\w./-])(Linux|Windows_NT|Windows NT|Darwin|Mac_OS_X|OS/Microsoft_Windows_NT|x86_64-linux)[/_ ]?[0-9][0-9A-Za-z._-]*")]
    private static partial Regex OldOsPattern();

    [GeneratedRegex(@"(?i)(?<![\w./-])exec-env/([A-Za-z0-9_.-]+)")]
    private static partial Regex ExecEnvPattern();
}
