using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace OrderActors.Runtime.Hosting;

/// <summary>Options of a silo (configuration section <c>OrderActors:Silo</c>).</summary>
public sealed class SiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Silo";

    /// <summary>The name of the one storage provider a silo has.</summary>
    public const string DefaultStorageName = "Default";

    /// <summary>How long a caller waits for a grain call before it fails with <see cref="GrainCallTimeoutException"/>. Default 30 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an activation may stay idle before it is collected. Default 15 minutes.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for. Default 1 minute.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Serialize arguments and results of calls inside the silo as if they crossed a process boundary.
    /// Default false (local calls pass the immutable records as they are); tests turn it on.
    /// </summary>
    public bool SerializeLocalCalls { get; set; }

    /// <summary>
    /// Whether this silo runs the stream subscriptions (projections, webhook dispatch). Default true. A deployment may
    /// keep them on dedicated silos, away from the order path.
    /// </summary>
    public bool RunStreamSubscriptions { get; set; } = true;

    /// <summary>Assemblies scanned for grain classes.</summary>
    public IList<Assembly> GrainAssemblies { get; } = [];

    /// <summary>Source-generated JSON metadata for state, arguments and results, tried before reflection.</summary>
    public IList<IJsonTypeInfoResolver> JsonContexts { get; } = [];
}

/// <summary>Which database holds grain state and reminders.</summary>
public enum StorageProvider
{
    /// <summary>SQLite in a local file: the embedded default for one machine.</summary>
    Sqlite,

    /// <summary>PostgreSQL: for clusters.</summary>
    PostgreSql,

    /// <summary>Process memory: for unit tests only; nothing survives a restart.</summary>
    Memory,
}

/// <summary>Storage options (configuration section <c>OrderActors:Storage</c>).</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrderActors:Storage";

    /// <summary>The provider. Default <see cref="StorageProvider.Sqlite"/>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>The ADO.NET connection string. Default for SQLite: <c>Data Source=data/orderactors.db</c>; required for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }
}

internal sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var errors = new List<string>();
        if (options.CallTimeout <= TimeSpan.Zero)
        {
            errors.Add($"OrderActors:Silo:CallTimeout is {options.CallTimeout}; it must be positive.");
        }

        if (options.CollectionAge <= TimeSpan.Zero)
        {
            errors.Add($"OrderActors:Silo:CollectionAge is {options.CollectionAge}; it must be positive.");
        }

        if (options.CollectionQuantum <= TimeSpan.Zero || options.CollectionQuantum > options.CollectionAge)
        {
            errors.Add($"OrderActors:Silo:CollectionQuantum is {options.CollectionQuantum}; it must be positive and at most CollectionAge ({options.CollectionAge}).");
        }

        if (options.GrainAssemblies.Count == 0)
        {
            errors.Add("No grain assembly was added to the silo (SiloOptions.GrainAssemblies is empty).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (!Enum.IsDefined(options.Provider))
        {
            return ValidateOptionsResult.Fail($"OrderActors:Storage:Provider is '{options.Provider}'; use Sqlite, PostgreSql or Memory.");
        }

        if (options.Provider == StorageProvider.PostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail("OrderActors:Storage:ConnectionString is empty; the PostgreSql provider needs one (Host=...;Database=...;Username=...).");
        }

        return ValidateOptionsResult.Success;
    }
}
