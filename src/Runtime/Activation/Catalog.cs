using System.Collections.Concurrent;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrderActors.Runtime.Activation;

/// <summary>
/// The silo's activations by grain id: creates an activation on the first message for a grain, collects
/// idle ones, and deactivates everything at shutdown.
/// </summary>
internal sealed class Catalog : IMessageTarget, IDisposable
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly GrainTypeRegistry _types;
    private readonly IGrainStorage _storage;
    private readonly GrainSerializer _serializer;
    private readonly SiloOptions _options;
    private readonly Func<GrainId, ActivationData> _create;
    private ITimer? _collector;
    private volatile bool _stopping;

    public Catalog(
        GrainTypeRegistry types,
        RuntimeClient runtime,
        IGrainStorage storage,
        GrainSerializer serializer,
        IServiceProvider services,
        IOptions<SiloOptions> options,
        ILogger<Catalog> logger)
    {
        _types = types;
        Runtime = runtime;
        _storage = storage;
        _serializer = serializer;
        Services = services;
        _options = options.Value;
        Logger = logger;
        _create = id => new ActivationData(this, _types.GetClass(id.Type), id);
    }

    public RuntimeClient Runtime { get; }

    public IServiceProvider Services { get; }

    public ILogger Logger { get; }

    public TimeProvider TimeProvider => Runtime.TimeProvider;

    public int Count => _activations.Count;

    public bool IsStopping => _stopping;

    public void Start()
        => _collector = TimeProvider.CreateTimer(static s => ((Catalog)s!).CollectIdle(), this, _options.CollectionQuantum, _options.CollectionQuantum);

    public void Deliver(Message message)
    {
        while (true)
        {
            if (_stopping)
            {
                // In a cluster the call did not run and another silo will own the grain: the caller's router retries it there.
                message.Sink?.Fail(Router is null
                    ? new InvalidOperationException($"The silo is shutting down; {message.Describe()} was not delivered.")
                    : new SiloUnavailableException($"The silo is shutting down; {message.Describe()} was not delivered."));
                return;
            }

            ActivationData activation;
            try
            {
                activation = _activations.GetOrAdd(message.Target, _create);
            }
            catch (Exception ex)
            {
                message.Sink?.Fail(ex);
                return;
            }

            if (activation.TryEnqueue(message))
            {
                return;
            }

            _activations.TryRemove(KeyValuePair.Create(message.Target, activation));
        }
    }

    /// <summary>In cluster mode, where messages handed back by a deactivating activation go (they may belong to another silo now).</summary>
    internal IMessageTarget? Router { get; set; }

    /// <summary>Delivers a message an activation handed back while it deactivated.</summary>
    internal void Redeliver(Message message) => (Router ?? this).Deliver(message);

    /// <summary>Deactivates, gracefully, every activation whose grain <paramref name="owned"/> says this silo no longer owns.</summary>
    internal int DeactivateNotOwned(Func<GrainId, bool> owned)
    {
        var moved = 0;
        foreach (var activation in _activations.Values)
        {
            if (!owned(activation.Id))
            {
                activation.RequestDeactivation(DeactivationReason.OwnerChanged);
                moved++;
            }
        }

        return moved;
    }

    /// <summary>Drops every activation without deactivating it and accepts no more messages, as a crash would (tests).</summary>
    internal void Abandon()
    {
        _stopping = true;
        _collector?.Dispose();
        _activations.Clear();
    }

    public bool TryGetActivation(GrainId id, out ActivationData? activation) => _activations.TryGetValue(id, out activation);

    internal void Remove(ActivationData activation) => _activations.TryRemove(KeyValuePair.Create(activation.Id, activation));

    internal IActivationState CreateState(ActivationData activation, StateParameter parameter)
    {
        if (parameter.StorageName is not null && parameter.StorageName != SiloOptions.DefaultStorageName)
        {
            throw new InvalidOperationException(
                $"Grain {activation.Id} asks for storage '{parameter.StorageName}'; only '{SiloOptions.DefaultStorageName}' is configured.");
        }

        return parameter.Create(activation, _storage, _serializer);
    }

    /// <summary>Deactivates every activation idle for longer than the collection age.</summary>
    public int CollectIdle()
    {
        var idleSince = TimeProvider.GetTimestamp() - (long)(_options.CollectionAge.TotalSeconds * TimeProvider.TimestampFrequency);
        var collected = 0;
        foreach (var activation in _activations.Values)
        {
            if (activation.TryCollect(idleSince))
            {
                collected++;
            }
        }

        return collected;
    }

    /// <summary>Stops accepting messages and deactivates every activation (state written by the grains' own code).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _collector?.Dispose();

        // A sender that checked the flag just before it was set may still add an activation: go round until empty.
        while (!_activations.IsEmpty)
        {
            var all = _activations.Values.Select(a => a.ShutdownAsync()).ToArray();
            await Task.WhenAll(all).WaitAsync(cancellationToken);
        }
    }

    public void Dispose() => _collector?.Dispose();
}
