using System.Diagnostics;
using System.Globalization;
using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Diagnostics;
using OrderActors.Runtime.Serialization;

namespace OrderActors.Runtime.Persistence;

internal interface IActivationState
{
    Task ReadStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>The <see cref="IPersistentState{TState}"/> handed to a grain: its state plus the version it last saw.</summary>
internal sealed class PersistentState<TState> : IPersistentState<TState>, IActivationState
{
    private readonly ActivationData _activation;
    private readonly string _stateName;
    private readonly IGrainStorage _storage;
    private readonly GrainSerializer _serializer;
    private readonly List<PendingEvent> _events = [];
    private long _version;

    public PersistentState(ActivationData activation, string stateName, IGrainStorage storage, GrainSerializer serializer)
    {
        _activation = activation;
        _stateName = stateName;
        _storage = storage;
        _serializer = serializer;
        State = Activator.CreateInstance<TState>();
    }

    public TState State { get; set; }

    public string? Etag => _version == 0 ? null : _version.ToString(CultureInfo.InvariantCulture);

    public bool RecordExists { get; private set; }

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var stored = await _storage.ReadAsync(_activation.Id, _stateName, cancellationToken);
        RuntimeMetrics.RecordStorage("read", started);
        _version = stored?.Version ?? 0;
        RecordExists = stored?.Payload is not null;
        State = stored?.Payload is { } payload
            ? (TState)_serializer.Deserialize(payload, typeof(TState))!
            : Activator.CreateInstance<TState>();
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var payload = _serializer.Serialize(State, typeof(TState));
            _version = await _storage.WriteAsync(_activation.Id, _stateName, payload, _version, [.. _events], cancellationToken);
            RecordExists = true;
            _events.Clear();
        }
        catch (Exception ex)
        {
            OnFailedWrite(ex);
            throw;
        }
        finally
        {
            RuntimeMetrics.RecordStorage("write", started);
        }
    }

    public void AppendEvent<TEvent>(StreamId stream, string eventType, TEvent @event)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream.Namespace);
        ArgumentException.ThrowIfNullOrEmpty(stream.Key);
        ArgumentException.ThrowIfNullOrEmpty(eventType);
        _events.Add(new PendingEvent(stream, eventType, _serializer.Serialize(@event, typeof(TEvent))));
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            _version = await _storage.ClearAsync(_activation.Id, _stateName, _version, cancellationToken);
            RecordExists = false;
            State = Activator.CreateInstance<TState>();
        }
        catch (Exception ex)
        {
            OnFailedWrite(ex);
            throw;
        }
        finally
        {
            RuntimeMetrics.RecordStorage("clear", started);
        }
    }

    // After a failed write the activation's in-memory state may hold changes storage does not (or storage holds
    // changes it does not see): no further request may act on it, even if the grain swallows the exception.
    private void OnFailedWrite(Exception exception)
    {
        if (exception is InconsistentStateException)
        {
            RuntimeMetrics.StorageConflicts.Add(1);
        }

        _events.Clear(); // the activation is going away; its successor starts from what storage holds
        _activation.RequestDeactivation(DeactivationReason.InconsistentState);
    }
}
