using System.Text.RegularExpressions;

namespace OrderActors.Api.Endpoints;

/// <summary>Collects field errors for a 422 response.</summary>
internal sealed partial class Validation
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public bool IsValid => _errors.Count == 0;

    public IDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public bool Required<T>(string field, T? value)
    {
        if (value is null || value is string s && string.IsNullOrWhiteSpace(s))
        {
            Add(field, "is required.");
            return false;
        }

        return true;
    }

    public void Identifier(string field, string? value, string what)
    {
        if (Required(field, value) && !IdentifierPattern().IsMatch(value!))
        {
            Add(field, $"is not a valid {what}: use 1 to 100 letters, digits, '.', '_' or '-'.");
        }
    }

    public T? Enum<T>(string field, string? value, T fallback) where T : struct, System.Enum
    {
        if (value is null)
        {
            return fallback;
        }

        var names = System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
        if (System.Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && names.Contains(value.ToLowerInvariant()))
        {
            return parsed;
        }

        Add(field, $"'{value}' is not one of: {string.Join(", ", names)}.");
        return null;
    }

    public static bool IsIdentifier(string? value) => value is not null && IdentifierPattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex IdentifierPattern();
}
