using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrderActors.EventLog.State;
using OrderActors.EventLog.Streams;

namespace OrderActors.EventLog.Hosting;

/// <summary>Adds the event log's parts to an Orleans client (a process that hosts no silo, such as an API gateway).</summary>
public static class EventLogClientBuilderExtensions
{
    /// <summary>
    /// Adds the event-log stream provider <paramref name="name"/> to the client, so that it can produce to the log's
    /// streams and subscribe to them explicitly, and registers an <see cref="IEventLogReader"/> keyed by the same name.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="name">The stream provider's name, as the silos call it.</param>
    /// <param name="configure">Sets the database and the log's queue count; the same values as the silos'.</param>
    /// <param name="configureStream">Further stream settings, if any.</param>
    public static IClientBuilder AddEventLogStreams(this IClientBuilder builder, string name, Action<EventLogOptions> configure, Action<IClusterClientPersistentStreamConfigurator>? configureStream = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<EventLogJsonOptions>();
        builder.Services.TryAddSingleton<EventPayloadSerializer>();
        builder.Services.AddEventLogReader(name, configure);
        builder.AddPersistentStreams(name, EventLogQueueAdapterFactory.Create, configureStream);
        return builder;
    }
}
