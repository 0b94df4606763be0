using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Reminders;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrderActors.Runtime;

/// <summary>Registers a silo in a host.</summary>
public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// Adds a silo (catalog, scheduler, storage, reminders) and an <see cref="IGrainFactory"/> to the services.
    /// Options bind from <c>OrderActors:Silo</c> and <c>OrderActors:Storage</c> and are validated at start-up.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">Configuration holding the <c>OrderActors</c> section.</param>
    /// <param name="configure">Adds grain assemblies and JSON contexts, overrides options.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddOrderActorsSilo(this IServiceCollection services, IConfiguration configuration, Action<SiloOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SiloOptions>().Bind(configuration.GetSection(SiloOptions.SectionName)).Configure(configure).ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();

        services.AddCallPath();
        services.AddSingleton<Catalog>();
        services.AddSingleton<ReminderService>();
        services.AddSingleton<ExplicitSubscriptions>();
        services.AddSingleton<SubscriptionManager>();
        services.AddSingleton<IStreamSubscriptions>(sp => sp.GetRequiredService<SubscriptionManager>());

        services.AddSingleton(sp => CreateStorage(sp));
        services.AddSingleton(sp => sp.GetRequiredService<StorageBundle>().GrainStorage);
        services.AddSingleton(sp => sp.GetRequiredService<StorageBundle>().Initializer);
        services.AddSingleton(sp => sp.GetRequiredService<StorageBundle>().Reminders);
        services.AddSingleton(sp => sp.GetRequiredService<StorageBundle>().Streams);
        services.AddSingleton(sp => sp.GetRequiredService<StorageBundle>().StreamSubscriptions);

        // Cluster mode (OrderActors:Cluster:Enabled): a transport listener, connections to other silos, calls routed by
        // the membership view, and membership in PostgreSQL, unless the host registered its own IMembershipOracle
        // before this call (an in-process test cluster with a fixed view).
        var clustered = MembershipServiceCollectionExtensions.IsClusterEnabled(configuration);
        var postgresMembership = clustered && !services.Any(d => d.ServiceType == typeof(IMembershipOracle));
        services.AddClusterOptions(configuration, silo: postgresMembership);
        if (clustered)
        {
            services.AddSingleton<SiloTransport>();
        }

        services.AddSingleton(sp => new Silo(
            sp.GetRequiredService<IStorageInitializer>(),
            sp.GetRequiredService<RuntimeClient>(),
            sp.GetRequiredService<Catalog>(),
            sp.GetRequiredService<ReminderService>(),
            sp.GetRequiredService<SubscriptionManager>(),
            sp.GetRequiredService<ILogger<Silo>>(),
            sp.GetService<MembershipService>(),
            sp.GetService<SiloTransport>()));
        services.AddHostedService(sp => sp.GetRequiredService<Silo>());

        if (postgresMembership)
        {
            services.AddPostgresMembership(); // after the silo: joins once it serves, leaves before it stops
        }

        return services;
    }

    /// <summary>The SQL dialect of the configured database; null for memory storage.</summary>
    internal static SqlDialect? CreateDialect(StorageOptions options) => options.Provider switch
    {
        StorageProvider.Memory => null,
        StorageProvider.PostgreSql => new PostgreSqlDialect(options.ConnectionString!),
        _ => new SqliteDialect(string.IsNullOrWhiteSpace(options.ConnectionString) ? "Data Source=data/orderactors.db" : options.ConnectionString),
    };

    private static StorageBundle CreateStorage(IServiceProvider services)
    {
        var dialect = CreateDialect(services.GetRequiredService<IOptions<StorageOptions>>().Value);
        if (dialect is null)
        {
            var memory = new MemoryGrainStorage();
            return new StorageBundle(memory, memory, new MemoryReminderTable(), memory, new MemoryStreamSubscriptionTable(memory), null);
        }

        var storage = new AdoNetGrainStorage(dialect, services.GetRequiredService<ILogger<AdoNetGrainStorage>>());
        return new StorageBundle(storage, storage, new AdoNetReminderTable(dialect), storage, new AdoNetStreamSubscriptionTable(dialect), dialect);
    }

    internal sealed record StorageBundle(IGrainStorage GrainStorage, IStorageInitializer Initializer, IReminderTable Reminders, IStreamReader Streams,
        IStreamSubscriptionTable StreamSubscriptions, SqlDialect? Dialect)
        : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Dialect?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
