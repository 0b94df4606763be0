using System.Text.RegularExpressions;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// Returns, claims and tickets live in their order, and their ids say which: <c>{orderId}-r{n}</c>,
/// <c>{orderId}-c{n}</c>, <c>{orderId}-t{n}</c>. So the API reaches the order grain without a lookup.
/// </summary>
internal static partial class AftercareIds
{
    public const char Return = 'r';
    public const char Claim = 'c';
    public const char Ticket = 't';

    /// <summary>The order of an id of the given kind, or null if the id is not one.</summary>
    public static string? OrderOf(string id, char kind)
        => Validation.IsIdentifier(id) && IdPattern().Match(id) is { Success: true } match && match.Groups["kind"].Value[0] == kind
            ? match.Groups["order"].Value
            : null;

    [GeneratedRegex(@"\A(?<order>.+)-(?<kind>[rct])[1-9][0-9]{0,5}\z")]
    private static partial Regex IdPattern();
}
