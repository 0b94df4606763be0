using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.State;
using OrderActors.EventLog.Streams;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.Streams;

namespace OrderActors.EventLog.Hosting;

/// <summary>Adds the event log's parts to a silo: evented-state storage, the event-log stream provider, the schema.</summary>
public static class EventLogSiloBuilderExtensions
{
    /// <summary>
    /// Adds an event-log storage named <paramref name="name"/> for grains that take an
    /// <see cref="IEventedState{TState}"/> marked <c>[EventedState("state", "name")]</c>.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="name">The storage's name; <see cref="EventLogStorageNames.Default"/> serves attributes without one.</param>
    /// <param name="configure">Sets the database and the log's queue count; use the same values for the stream provider.</param>
    public static ISiloBuilder AddEventLogStorage(this ISiloBuilder builder, string name, Action<EventLogOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.Configure(name, configure);
        AddCommon(services, name);
        services.AddKeyedSingleton(name, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<EventLogOptions>>().Get(name);
            return new EventedGrainStorage(name, SqlDatabase.For(options.Invariant, options.ConnectionString), options,
                sp.GetRequiredService<IGrainStorageSerializer>(), sp.GetRequiredService<EventPayloadSerializer>());
        });
        return builder;
    }

    /// <summary>
    /// Registers the event-log storage <paramref name="storageName"/> (added with <see cref="AddEventLogStorage"/>) also as
    /// the Orleans grain storage <paramref name="name"/>, for <c>[PersistentState(..., name)]</c> of grains that append no
    /// events. Use it on SQLite, where every writer of the process must share one queue; on PostgreSQL prefer Orleans'
    /// ADO.NET grain storage.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="name">The grain storage's name.</param>
    /// <param name="storageName">The event-log storage whose table it uses.</param>
    public static ISiloBuilder AddEventLogGrainStorage(this ISiloBuilder builder, string name, string storageName)
    {
        builder.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new EventLogGrainStorage(sp.GetRequiredKeyedService<EventedGrainStorage>(storageName)));
        return builder;
    }

    /// <summary>
    /// Adds the Orleans persistent stream provider <paramref name="name"/> over the event log: implicit and explicit
    /// subscribers receive every event of their streams, in order per stream, at least once, with an
    /// <see cref="EventLogSequenceToken"/> that carries the event's global position.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="name">The stream provider's name.</param>
    /// <param name="configure">Sets the database and the log's queue count; use the same values as the storage.</param>
    /// <param name="configureStream">Further stream settings (pulling agent, queue balancer), if any.</param>
    public static ISiloBuilder AddEventLogStreams(this ISiloBuilder builder, string name, Action<EventLogOptions> configure, Action<ISiloPersistentStreamConfigurator>? configureStream = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(name, configure);
        AddCommon(builder.Services, name);
        AddReader(builder.Services, name);
        builder.AddPersistentStreams(name, EventLogQueueAdapterFactory.Create, configurator =>
        {
            // Consumers are implicit subscribers: no pub-sub grain or table is consulted per stream.
            configurator.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            configureStream?.Invoke(configurator);
        });
        return builder;
    }

    /// <summary>
    /// Registers an <see cref="IEventLogReader"/> keyed <paramref name="name"/> that reads the log directly, e.g. for
    /// an HTTP feed in a process that hosts no silo.
    /// </summary>
    /// <param name="services">The services of the process.</param>
    /// <param name="name">The log's name: the key of the reader.</param>
    /// <param name="configure">Sets the database.</param>
    public static IServiceCollection AddEventLogReader(this IServiceCollection services, string name, Action<EventLogOptions> configure)
    {
        services.Configure(name, configure);
        AddReader(services, name);
        return services;
    }

    /// <summary>
    /// Applies <see cref="OrderActorsSchema"/> to a database before the silo's runtime starts, so that Orleans' ADO.NET
    /// clustering, reminder and grain-storage providers find their tables and queries.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="invariant">The ADO.NET invariant.</param>
    /// <param name="connectionString">The database's connection string.</param>
    public static ISiloBuilder UseOrderActorsSchema(this ISiloBuilder builder, string invariant, string connectionString)
    {
        AdoNetInvariants.DialectOf(invariant);
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new SchemaParticipant(invariant, connectionString, sp.GetRequiredService<ILogger<SchemaParticipant>>()));
        return builder;
    }

    private static void AddCommon(IServiceCollection services, string name)
    {
        services.AddOptions<EventLogJsonOptions>();
        services.TryAddSingleton<EventPayloadSerializer>();
        services.TryAddSingleton<IAttributeToFactoryMapper<EventedStateAttribute>, EventedStateAttributeMapper>();
        services.TryAddKeyedSingleton<Orleans.Streams.IStreamIdMapper, EventLogStreamIdMappers.SingleGrainMapper>(EventLogStreamIdMappers.SingleGrain);
        services.AddSingleton<IConfigurationValidator>(sp => EventLogOptionsValidator.Create(sp, name));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<EventLogOptions>>().Get(name);
            return options.ApplySchema
                ? new SchemaParticipant(options.Invariant, options.ConnectionString, sp.GetRequiredService<ILogger<SchemaParticipant>>())
                : SchemaParticipant.None;
        });
    }

    private static void AddReader(IServiceCollection services, string name)
        => services.TryAddKeyedSingleton<IEventLogReader>(name, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<EventLogOptions>>().Get(name);
            return new EventLogReader(SqlDatabase.For(options.Invariant, options.ConnectionString));
        });

    /// <summary>Applies the schema in the silo's lifecycle, before the runtime's providers initialize.</summary>
    private sealed class SchemaParticipant(string? invariant, string? connectionString, ILogger? logger) : ILifecycleParticipant<ISiloLifecycle>
    {
        public static readonly SchemaParticipant None = new(null, null, null);

        public void Participate(ISiloLifecycle lifecycle)
        {
            if (invariant is null || connectionString is null)
            {
                return;
            }

            lifecycle.Subscribe(nameof(OrderActorsSchema), ServiceLifecycleStage.RuntimeInitialize - 100,
                cancellationToken => OrderActorsSchema.ApplyAsync(invariant, connectionString, logger, cancellationToken));
        }
    }
}
