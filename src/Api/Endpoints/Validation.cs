using System.Text.RegularExpressions;
using OrderActors.Grains;

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
            Add(field, $"is not a valid {what}: use 1 to {DomainLimits.MaxIdentifierLength} letters, digits, '.', '_' or '-'.");
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

    /// <summary>A value named as the API writes enums (snake_case, e.g. <c>wrong_item</c>); null uses <paramref name="fallback"/> or is required.</summary>
    public T? SnakeCaseEnum<T>(string field, string? value, T? fallback = null) where T : struct, System.Enum
    {
        if (value is null)
        {
            if (fallback is null)
            {
                Add(field, "is required.");
            }

            return fallback;
        }

        var names = System.Enum.GetValues<T>().ToDictionary(v => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()), v => v);
        if (names.TryGetValue(value, out var parsed))
        {
            return parsed;
        }

        Add(field, $"'{value}' is not one of: {string.Join(", ", names.Keys)}.");
        return null;
    }

    /// <summary>Optional or required free text of at most <paramref name="max"/> characters, trimmed.</summary>
    public string? Text(string field, string? value, int max, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "is required.");
            }

            return null;
        }

        if (value.Length > max)
        {
            Add(field, $"must be at most {max} characters.");
        }

        return value.Trim();
    }

    /// <summary>An order's, cart's or quote's currency: an ISO 4217 code, <c>USD</c> when absent.</summary>
    public string Currency(string field, string? value)
    {
        var currency = value ?? "USD";
        if (!IsoCodes.IsCurrency(currency))
        {
            Add(field, $"'{(currency.Length > 10 ? currency[..10] + "…" : currency)}' is not an ISO 4217 currency code such as USD or EUR.");
        }

        return currency;
    }

    /// <summary>A line's units: required, from <paramref name="min"/> (0 where 0 removes the line) to <see cref="DomainLimits.MaxLineQuantity"/>.</summary>
    public void LineQuantity(string field, int? quantity, int min = 1)
    {
        if (Required(field, quantity) && (quantity < min || quantity > DomainLimits.MaxLineQuantity))
        {
            Add(field, $"{quantity} must be between {min} and {DomainLimits.MaxLineQuantity}.");
        }
    }

    /// <summary>
    /// A customer id as orders carry it: required, at most <see cref="DomainLimits.MaxNameLength"/> characters, no control
    /// characters. Kept as sent, not trimmed: it is the key of the customer's grain.
    /// </summary>
    public void CustomerId(string field, string? value)
    {
        if (Text(field, value, DomainLimits.MaxNameLength, required: true) is not null && value!.Any(char.IsControl))
        {
            Add(field, "must not contain control characters.");
        }
    }

    /// <summary>
    /// The request's <c>Idempotency-Key</c> header, or null without one; a key longer than 255 characters or with
    /// control characters is a validation error.
    /// </summary>
    public string? IdempotencyKey(HttpContext http)
    {
        var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length > 255 || key.Any(char.IsControl))
        {
            Add(IdempotencyKeyHeader, "must be at most 255 printable characters.");
        }

        return key.Length == 0 ? null : key;
    }

    /// <summary>The header that makes a creating POST safe to retry.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static bool IsIdentifier(string? value) => value is not null && IdentifierPattern().IsMatch(value);

    /// <summary>An e-mail address: one '@', a dot in the domain, no spaces or control characters, at most 254 characters.</summary>
    public void Email(string field, string? value)
    {
        if (value is not null && (value.Length > DomainLimits.MaxEmailLength || !EmailPattern().IsMatch(value)))
        {
            Add(field, $"'{Clip(value)}' is not an e-mail address such as ana@example.com (at most {DomainLimits.MaxEmailLength} characters).");
        }
    }

    /// <summary>An ISO 3166-1 alpha-2 country code, upper case.</summary>
    public void Country(string field, string? value)
    {
        if (Required(field, value) && !IsoCodes.IsCountry(value))
        {
            Add(field, $"'{Clip(value!)}' is not an ISO 3166-1 alpha-2 country code such as US or DE.");
        }
    }

    /// <summary>
    /// A money amount between <paramref name="min"/> and <paramref name="max"/> with at most the currency's minor-unit
    /// digits. A zero written with more digits than that (<c>1e-30</c> reads as a zero with 28 decimals) is refused too:
    /// it is an amount too small to charge, not a free line.
    /// </summary>
    public void Money(string field, decimal? value, string currency, decimal min, decimal max)
    {
        if (value is not { } amount)
        {
            return;
        }

        var digits = IsoCodes.IsCurrency(currency) ? IsoCodes.MinorUnits(currency) : 2;
        if (amount < min || amount > max)
        {
            Add(field, $"{amount} must be between {min} and {max}.");
        }
        else if (decimal.Round(amount, digits) != amount || (amount == 0 && amount.Scale > digits))
        {
            Add(field, $"{amount} has more than {digits} decimals, the smallest unit of {currency}.");
        }
    }

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,100}\z")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex(@"\A[^@\s\p{C}]{1,64}@[^@\s\p{C}.]+(\.[^@\s\p{C}.]+)+\z")]
    private static partial Regex EmailPattern();
}
