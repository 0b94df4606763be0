using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.State;
using Orleans.Configuration;
using Orleans.Metadata;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace OrderActors.EventLog.Streams;

/// <summary>
/// Creates the pieces of the event-log stream provider: the adapter, one receiver per queue, the queue mapper, the
/// cache, and the failure handler.
/// </summary>
/// <remarks>
/// A consumer that fails an event is the consumer's business (a projection parks itself and keeps its checkpoint),
/// so the provider's failure handler never faults a subscription.
/// </remarks>
public sealed class EventLogQueueAdapterFactory : IQueueAdapterFactory
{
    private readonly string _name;
    private readonly EventLogOptions _options;
    private readonly SqlDatabase _database;
    private readonly EventLogReader _reader;
    private readonly EventPayloadSerializer _serializer;
    private readonly ILoggerFactory _loggerFactory;
    private readonly EventLogQueueMapper _mapper;
    private readonly IQueueAdapterCache _cache;
    private readonly ImplicitSubscriptions? _subscriptions;

    private EventLogQueueAdapterFactory(string name, EventLogOptions options, SimpleQueueCacheOptions cacheOptions, EventPayloadSerializer serializer,
        ImplicitSubscriptions? subscriptions, ILoggerFactory loggerFactory)
    {
        _name = name;
        _options = options;
        _database = SqlDatabase.For(options.Invariant, options.ConnectionString);
        _reader = new EventLogReader(_database);
        _serializer = serializer;
        _loggerFactory = loggerFactory;
        _mapper = new EventLogQueueMapper(name, options.QueueCount);
        _cache = new SimpleQueueAdapterCache(cacheOptions, name, loggerFactory);
        _subscriptions = subscriptions;
    }

    /// <summary>Creates the factory of the provider named <paramref name="name"/>, from its named options.</summary>
    /// <param name="services">The silo's or client's services.</param>
    /// <param name="name">The stream provider's name.</param>
    public static EventLogQueueAdapterFactory Create(IServiceProvider services, string name)
        => new(name,
            services.GetRequiredService<IOptionsMonitor<EventLogOptions>>().Get(name),
            services.GetRequiredService<IOptionsMonitor<SimpleQueueCacheOptions>>().Get(name),
            services.GetRequiredService<EventPayloadSerializer>(),
            services.GetService<GrainBindingsResolver>() is { } bindings
                ? new ImplicitSubscriptions(bindings, services.GetServices<IStreamNamespacePredicateProvider>())
                : null,
            services.GetRequiredService<ILoggerFactory>());

    /// <inheritdoc />
    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    /// <inheritdoc />
    public Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken)
        => Task.FromResult<IQueueAdapter>(new EventLogQueueAdapter(_name, _options, _database, _reader, _serializer, _subscriptions, _loggerFactory));

    /// <inheritdoc />
    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    /// <inheritdoc />
    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    /// <inheritdoc />
    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId)
        => Task.FromResult<IStreamFailureHandler>(new NoOpStreamDeliveryFailureHandler(faultOnError: false));
}
