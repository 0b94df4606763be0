using System.Text.RegularExpressions;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// Event-type patterns of a webhook: an exact type (<c>order.confirmed</c>), a prefix (<c>shipment.*</c> matches
/// <c>shipment.shipped</c> and every other <c>shipment.</c> type), or <c>*</c> for every event.
/// </summary>
public static partial class WebhookEventTypes
{
    /// <summary>Every event.</summary>
    public const string All = "*";

    /// <summary>True if <paramref name="pattern"/> is <c>*</c>, <c>a.b</c> (dotted lower-case words) or <c>a.*</c>.</summary>
    public static bool IsValidPattern(string? pattern) => pattern is { Length: <= 100 } && PatternRegex().IsMatch(pattern);

    /// <summary>True if <paramref name="eventType"/> matches one of <paramref name="patterns"/>.</summary>
    public static bool Matches(IEnumerable<string> patterns, string eventType)
    {
        foreach (var pattern in patterns)
        {
            if (Matches(pattern, eventType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True if <paramref name="eventType"/> matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string eventType)
        => pattern == All
            || (pattern.EndsWith(".*", StringComparison.Ordinal)
                ? eventType.Length > pattern.Length - 1 && eventType.AsSpan().StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
                : string.Equals(pattern, eventType, StringComparison.Ordinal));

    [GeneratedRegex(@"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$")]
    private static partial Regex PatternRegex();
}
