using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrderActors.Runtime;

/// <summary>Registers a cluster client in a host.</summary>
public static class ClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds an <see cref="IGrainFactory"/> that runs no grains: every call goes over TCP to the grain's owner by the
    /// membership view, plus the <see cref="ClusterClient"/> hosted service that connects. Options bind from
    /// <c>OrderActors:Client</c> and <c>OrderActors:Cluster</c>. The host must also register an
    /// <see cref="Membership.IMembershipOracle"/> (the membership table reader). A process is a silo or a client, not both.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">Configuration holding the <c>OrderActors</c> section.</param>
    /// <param name="configure">Adds the grain assemblies (for interface to grain type names) and JSON contexts, overrides options.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddOrderActorsClient(this IServiceCollection services, IConfiguration configuration, Action<ClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ClientOptions>().Bind(configuration.GetSection(ClientOptions.SectionName)).Configure(configure);
        services.AddClusterOptions(configuration, silo: false);

        // The runtime's shared parts read SiloOptions; a client fills the few that apply to it.
        services.AddOptions<SiloOptions>().Configure<IOptions<ClientOptions>>((silo, client) =>
        {
            silo.CallTimeout = client.Value.CallTimeout;
            foreach (var assembly in client.Value.GrainAssemblies)
            {
                silo.GrainAssemblies.Add(assembly);
            }

            foreach (var context in client.Value.JsonContexts)
            {
                silo.JsonContexts.Add(context);
            }
        });

        services.AddCallPath();
        services.AddSingleton(sp => new ClusterClient(
            sp.GetRequiredService<RuntimeClient>(),
            sp.GetRequiredService<Membership.IMembershipOracle>(),
            sp.GetRequiredService<MessageCodec>(),
            sp.GetRequiredService<GrainTypeRegistry>(),
            sp.GetRequiredService<IOptions<ClientOptions>>(),
            sp.GetRequiredService<IOptions<ClusterOptions>>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<ClusterClient>());
        return services;
    }

    /// <summary>
    /// Adds an <see cref="IStreamReader"/> over the database named by <c>OrderActors:Storage</c>, for a process that
    /// reads the event feed without hosting a silo (an API gateway in client mode). Memory storage has no feed to share
    /// between processes and is refused.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">Configuration holding the <c>OrderActors</c> section.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddOrderActorsStreamReader(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton(sp => new ReaderStorage(SiloServiceCollectionExtensions.CreateDialect(sp.GetRequiredService<IOptions<StorageOptions>>().Value)
            ?? throw new InvalidOperationException("OrderActors:Storage:Provider is Memory; a client reads the event feed from SQLite or PostgreSQL shared with the silos.")));
        services.AddSingleton<IStreamReader>(sp => new AdoNetGrainStorage(sp.GetRequiredService<ReaderStorage>().Dialect, sp.GetRequiredService<ILogger<AdoNetGrainStorage>>()));
        return services;
    }

    private sealed record ReaderStorage(Persistence.SqlDialect Dialect) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Dialect.DisposeAsync();
    }

    /// <summary>What silos and clients share: grain types, serialization, and the <see cref="IGrainFactory"/> that sends calls.</summary>
    internal static IServiceCollection AddCallPath(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new GrainTypeRegistry(sp.GetRequiredService<IOptions<SiloOptions>>().Value.GrainAssemblies));
        services.AddSingleton(sp => new GrainSerializer(sp.GetRequiredService<IOptions<SiloOptions>>().Value.JsonContexts));
        services.AddSingleton<MessageCodec>();
        services.AddSingleton<RuntimeClient>();
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<RuntimeClient>());
        return services;
    }
}
