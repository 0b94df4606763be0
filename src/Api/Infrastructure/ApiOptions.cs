using Microsoft.Extensions.Options;

namespace OrderActors.Api.Infrastructure;

/// <summary>API options (configuration section <c>OrderActors:Api</c>).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "OrderActors:Api";

    /// <summary>Largest accepted request body. Default 256 KiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>The API keys. None by default outside Development.</summary>
    public List<ApiKeyOptions> Keys { get; set; } = [];

    /// <summary>Per-key request rates: generous by default, so only a runaway client meets them.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();
}

/// <summary>
/// A token bucket per API key (per client address for requests without a valid key): <see cref="Burst"/> requests at
/// once, refilled at <see cref="RequestsPerSecond"/>. Past it the answer is 429 <c>rate-limited</c> with <c>Retry-After</c>.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Whether requests are limited at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Sustained requests per second per key. Default 10000 (far above what a 2-core node serves, so benchmarks never meet it).</summary>
    public int RequestsPerSecond { get; set; } = 10_000;

    /// <summary>Requests a key may make at once before the rate applies. Default 20000.</summary>
    public int Burst { get; set; } = 20_000;
}

/// <summary>One API key.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>A name for logs and order timelines (never the key itself).</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// The secret sent in <c>X-Api-Key</c>, in clear: convenient for development. The API keeps only its SHA-256
    /// digest in memory; production configuration should give <see cref="KeyHash"/> instead.
    /// </summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// The lower-case hex SHA-256 of the key's UTF-8 bytes (<c>printf %s "$KEY" | sha256sum</c>), so the
    /// configuration never holds the key itself. Give this or <see cref="Key"/>, not both.
    /// </summary>
    public string KeyHash { get; set; } = "";

    /// <summary>The SHA-256 digest the API compares with: of <see cref="Key"/>, or <see cref="KeyHash"/> decoded.</summary>
    internal byte[] Digest() => KeyHash.Length > 0
        ? Convert.FromHexString(KeyHash)
        : System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Key));

    /// <summary>storefront, ops, analytics or admin.</summary>
    public string Role { get; set; } = "";
}

/// <summary>Which process shape the API runs in (configuration section <c>OrderActors:Cluster</c>).</summary>
public sealed class ApiClusterOptions
{
    public const string SectionName = "OrderActors:Cluster";

    /// <summary><c>Embedded</c> (default: a silo in this process) or <c>Client</c> (a gateway to remote silos).</summary>
    public string Mode { get; set; } = "Embedded";
}

internal sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        var errors = new List<string>();
        if (options.MaxRequestBodyBytes <= 0)
        {
            errors.Add($"OrderActors:Api:MaxRequestBodyBytes is {options.MaxRequestBodyBytes}; it must be positive.");
        }

        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            if (key.KeyHash.Length > 0)
            {
                if (key.Key.Length > 0)
                {
                    errors.Add($"OrderActors:Api:Keys:{i} gives both Key and KeyHash; give one (KeyHash in production).");
                }
                else if (key.KeyHash.Length != 64 || !key.KeyHash.All(char.IsAsciiHexDigit))
                {
                    errors.Add($"OrderActors:Api:Keys:{i}:KeyHash must be the 64 hex digits of the key's SHA-256.");
                }
            }
            else if (string.IsNullOrWhiteSpace(key.Key) || key.Key.Length < 8)
            {
                errors.Add($"OrderActors:Api:Keys:{i}:Key must be at least 8 characters.");
            }

            if (!Roles.All.Contains(key.Role))
            {
                errors.Add($"OrderActors:Api:Keys:{i}:Role is '{key.Role}'; use one of {string.Join(", ", Roles.All)}.");
            }
        }

        if (errors.Count == 0 && options.Keys.GroupBy(k => Convert.ToHexString(k.Digest())).Any(g => g.Count() > 1))
        {
            errors.Add("OrderActors:Api:Keys holds the same key twice.");
        }

        if (options.RateLimit.RequestsPerSecond <= 0 || options.RateLimit.Burst <= 0)
        {
            errors.Add($"OrderActors:Api:RateLimit: RequestsPerSecond ({options.RateLimit.RequestsPerSecond}) and Burst ({options.RateLimit.Burst}) must be positive.");
        }

        // The name scopes idempotency keys and appears on timelines, so it must identify one client.
        var sharedName = options.Keys.GroupBy(k => k.Name).FirstOrDefault(g => g.Count() > 1 || string.IsNullOrWhiteSpace(g.Key));
        if (sharedName is not null)
        {
            errors.Add($"OrderActors:Api:Keys: every key needs its own non-empty Name ('{sharedName.Key}' is empty or used twice).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
