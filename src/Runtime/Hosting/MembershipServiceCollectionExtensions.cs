using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Persistence;

namespace OrderActors.Runtime;

/// <summary>Registers cluster membership: the silo's <see cref="MembershipService"/>, or a client's <see cref="MembershipReader"/>.</summary>
public static class MembershipServiceCollectionExtensions
{
    /// <summary>
    /// Makes a silo a cluster member: <see cref="MembershipService"/> as its <see cref="IMembershipOracle"/>, joining once
    /// the silo started, leaving (shutting down) when the host begins to stop and dead when it stopped, and stopping the
    /// host if its peers declare it dead. <c>AddOrderActorsSilo</c> calls it when <c>OrderActors:Cluster:Enabled</c> is true.
    /// </summary>
    /// <remarks>
    /// The table is PostgreSQL, in the silo's storage database (the PostgreSql storage provider is required) but on a
    /// small connection pool of its own with short timeouts, so heartbeats never queue behind grain storage, unless
    /// an <see cref="IMembershipTable"/> was registered before (tests register a <see cref="MemoryMembershipTable"/>).
    /// </remarks>
    /// <param name="services">The silo's services, after <c>AddOrderActorsSilo</c>.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddPostgresMembership(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return storage.Provider == StorageProvider.PostgreSql
                ? MembershipConnection.Create(storage.ConnectionString, sp.GetRequiredService<IOptions<ClusterOptions>>().Value)
                : throw new InvalidOperationException($"Cluster membership lives in PostgreSQL, but OrderActors:Storage:Provider is {storage.Provider}; set it to PostgreSql.");
        });
        services.TryAddSingleton<IMembershipTable>(sp => sp.GetRequiredService<MembershipConnection>().CreateTable());
        if (services.Any(d => d.ServiceType == typeof(MembershipService)))
        {
            return services;
        }

        services.AddSingleton<MembershipService>();
        services.AddSingleton<IMembershipOracle>(sp => sp.GetRequiredService<MembershipService>());
        services.AddHostedService<MembershipHost>(); // after the silo: joins once it serves, leaves before it stops
        return services;
    }

    /// <summary>
    /// Gives a cluster client the view of the active silos: a <see cref="MembershipReader"/> as its
    /// <see cref="IMembershipOracle"/>, polling the PostgreSQL membership table named by
    /// <c>OrderActors:Storage:ConnectionString</c> for the cluster <c>OrderActors:Cluster:ClusterId</c>.
    /// </summary>
    /// <param name="services">The client's services.</param>
    /// <param name="configuration">Configuration holding the <c>OrderActors</c> section.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddMembershipReader(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddClusterOptions(configuration, silo: false);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => MembershipConnection.Create(
            configuration[$"{StorageOptions.SectionName}:{nameof(StorageOptions.ConnectionString)}"], sp.GetRequiredService<IOptions<ClusterOptions>>().Value));
        services.TryAddSingleton<IMembershipTable>(sp => sp.GetRequiredService<MembershipConnection>().CreateTable());
        services.TryAddSingleton<MembershipReader>();
        services.TryAddSingleton<IMembershipOracle>(sp => sp.GetRequiredService<MembershipReader>());
        services.AddHostedService(sp => sp.GetRequiredService<MembershipReader>());
        return services;
    }

    /// <summary>Binds and validates <see cref="ClusterOptions"/> (once); a silo's also check its storage provider.</summary>
    internal static IServiceCollection AddClusterOptions(this IServiceCollection services, IConfiguration configuration, bool silo)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<ClusterOptions>)))
        {
            return services;
        }

        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>>(sp => new ClusterOptionsValidator(silo ? sp.GetRequiredService<IOptions<StorageOptions>>().Value : null));
        return services;
    }

    /// <summary>True if configuration turns cluster mode on.</summary>
    internal static bool IsClusterEnabled(IConfiguration configuration)
        => configuration.GetSection(ClusterOptions.SectionName).GetValue<bool>(nameof(ClusterOptions.Enabled));

    /// <summary>Membership's own PostgreSQL data source (see <see cref="PostgreSqlMembershipTable.ConnectionString"/>), disposed with the container.</summary>
    private sealed record MembershipConnection(PostgreSqlDialect Dialect, ClusterOptions Options) : IAsyncDisposable
    {
        public static MembershipConnection Create(string? connectionString, ClusterOptions options) => string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException($"{StorageOptions.SectionName}:ConnectionString is empty; cluster membership lives in PostgreSQL (Host=...;Database=...;Username=...).")
            : new MembershipConnection(new PostgreSqlDialect(PostgreSqlMembershipTable.ConnectionString(connectionString, options.DeathTimeout)), options);

        public PostgreSqlMembershipTable CreateTable() => new(Dialect, Options.DeadSiloRetention);

        public ValueTask DisposeAsync() => Dialect.DisposeAsync();
    }
}

/// <summary>Joins the cluster once the silo has started and leaves it around the silo's stop.</summary>
internal sealed class MembershipHost(
    MembershipService membership, Silo silo, IOptions<ClusterOptions> options, IHostApplicationLifetime lifetime, ILogger<MembershipHost> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        membership.DeclaredDead += _ => lifetime.StopApplication();
        // The address the transport bound and answers handshakes with (SiloPort 0 picked a free port); a silo without a
        // transport (tests of membership alone) registers the configured one.
        var self = silo.Address ?? new SiloAddress(options.Value.AdvertisedHost, options.Value.SiloPort, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await membership.JoinAsync(self, cancellationToken);
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await membership.LeaveAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not mark this silo shutting down in the membership table; peers will declare it dead.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await membership.CompleteLeaveAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not mark this silo dead in the membership table; peers will declare it dead.");
        }
    }
}

/// <summary>Validates cluster options; given the silo's storage options, also that cluster mode has PostgreSQL.</summary>
internal sealed class ClusterOptionsValidator(StorageOptions? siloStorage) : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            errors.Add("OrderActors:Cluster:ClusterId is empty; silos and clients of one cluster share an id.");
        }

        if (options.HeartbeatPeriod <= TimeSpan.Zero)
        {
            errors.Add($"OrderActors:Cluster:HeartbeatPeriod is {options.HeartbeatPeriod}; it must be positive.");
        }

        if (options.DeathTimeout <= 2 * options.HeartbeatPeriod)
        {
            errors.Add($"OrderActors:Cluster:DeathTimeout is {options.DeathTimeout}; it must be more than twice HeartbeatPeriod ({options.HeartbeatPeriod}), or one late heartbeat kills a healthy silo.");
        }

        if (options.DeadSiloRetention <= TimeSpan.Zero)
        {
            errors.Add($"OrderActors:Cluster:DeadSiloRetention is {options.DeadSiloRetention}; it must be positive.");
        }

        if (options.ConnectionIdleTimeout is { } idle && idle <= TimeSpan.Zero && idle != Timeout.InfiniteTimeSpan)
        {
            errors.Add($"OrderActors:Cluster:ConnectionIdleTimeout is {idle}; it must be positive, or infinite to turn the keepalive off.");
        }

        if (options.VotesForDeath < 1)
        {
            errors.Add($"OrderActors:Cluster:VotesForDeath is {options.VotesForDeath}; it must be at least 1.");
        }

        if (options.SiloPort is < 0 or > 65535)
        {
            errors.Add($"OrderActors:Cluster:SiloPort is {options.SiloPort}; use 0 (any free port) to 65535.");
        }

        if (options.Enabled && siloStorage is not null && siloStorage.Provider != StorageProvider.PostgreSql)
        {
            errors.Add($"OrderActors:Cluster:Enabled is true but OrderActors:Storage:Provider is {siloStorage.Provider}; cluster membership lives in PostgreSQL: set it to PostgreSql.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
