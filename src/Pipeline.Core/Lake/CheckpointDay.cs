using System.Text.RegularExpressions;

namespace Pipeline.Lake;

/// <summary>
/// Input checkpoints are kept per delivery day, so a run loads only the days it meets: an organization trail
/// delivers hundreds of thousands of files a day, and one set of every key ever ingested would grow without end in
/// memory and start-up time. The day is the <c>YYYY/MM/DD/</c> of the input's path (CloudTrail's layout); inputs
/// without one share the shard <see cref="Other"/>.
/// </summary>
public static partial class CheckpointDay
{
    /// <summary>The shard of keys whose path names no day.</summary>
    public const string Other = "other";

    [GeneratedRegex(@"(?:^|/)(\d{4})/(\d{2})/(\d{2})/")]
    private static partial Regex Day();

    /// <summary>The shard of a checkpoint key: <c>yyyy-MM-dd</c>, or <see cref="Other"/>.</summary>
    public static string Of(string key)
    {
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        var match = Day().Match(bar < 0 ? key : key[..bar]);
        return match.Success ? $"{match.Groups[1].Value}-{match.Groups[2].Value}-{match.Groups[3].Value}" : Other;
    }
}
