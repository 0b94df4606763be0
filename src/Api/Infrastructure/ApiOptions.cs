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
}

/// <summary>One API key.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>A name for logs and order timelines (never the key itself).</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret sent in <c>X-Api-Key</c>.</summary>
    public string Key { get; set; } = "";

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
            if (string.IsNullOrWhiteSpace(key.Key) || key.Key.Length < 8)
            {
                errors.Add($"OrderActors:Api:Keys:{i}:Key must be at least 8 characters.");
            }

            if (!Roles.All.Contains(key.Role))
            {
                errors.Add($"OrderActors:Api:Keys:{i}:Role is '{key.Role}'; use one of {string.Join(", ", Roles.All)}.");
            }
        }

        if (options.Keys.GroupBy(k => k.Key).Any(g => g.Count() > 1))
        {
            errors.Add("OrderActors:Api:Keys holds the same key twice.");
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
