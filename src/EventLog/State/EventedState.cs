using Orleans.Runtime;

namespace OrderActors.EventLog.State;

/// <summary>
/// The <see cref="IEventedState{TState}"/> handed to a grain: the state, its ETag and the events appended since the
/// last write. It reads the state in the grain's <see cref="GrainLifecycleStage.SetupState"/> stage, before
/// <c>OnActivateAsync</c>, as Orleans' persistent state does.
/// </summary>
internal sealed class EventedState<TState> : IEventedState<TState>, ILifecycleObserver
{
    private readonly IGrainContext _context;
    private readonly string _stateName;
    private readonly EventedGrainStorage _storage;
    private readonly List<PendingEvent> _events = [];
    private TState _state;

    public EventedState(IGrainContext context, string stateName, EventedGrainStorage storage)
    {
        _context = context;
        _stateName = stateName;
        _storage = storage;
        _state = Activator.CreateInstance<TState>();
        context.ObservableLifecycle.Subscribe($"EventedState<{typeof(TState).Name}>:{stateName}", GrainLifecycleStage.SetupState, this);
    }

    public TState State
    {
        get => _state;
        set => _state = value;
    }

    public string? Etag { get; private set; }

    public bool RecordExists { get; private set; }

    public int PendingEvents => _events.Count;

    public void Append<TEvent>(StreamId stream, string eventType, TEvent @event) where TEvent : notnull
    {
        ArgumentException.ThrowIfNullOrEmpty(eventType);
        ArgumentNullException.ThrowIfNull(@event);
        _events.Add(_storage.Events.Pending(stream, eventType, @event));
    }

    public Task ReadStateAsync() => ReadStateAsync(CancellationToken.None);

    public async Task ReadStateAsync(CancellationToken cancellationToken)
    {
        var stored = await _storage.ReadAsync<TState>(_context.GrainId, _stateName, cancellationToken);
        Etag = stored.Etag;
        RecordExists = stored.Exists;
        _state = stored.State;
    }

    public Task WriteStateAsync() => WriteStateAsync(CancellationToken.None);

    public async Task WriteStateAsync(CancellationToken cancellationToken)
    {
        // The events appended so far go with this write; a grain that interleaves may append more while it is in
        // flight, and those wait for the next write.
        var events = _events.ToArray();
        try
        {
            Etag = await _storage.WriteAsync(_context.GrainId, _stateName, _state, Etag, events, cancellationToken);
            RecordExists = true;
            _events.RemoveRange(0, events.Length);
        }
        catch (Exception exception)
        {
            OnFailedWrite(exception);
            throw;
        }
    }

    public Task ClearStateAsync() => ClearStateAsync(CancellationToken.None);

    public async Task ClearStateAsync(CancellationToken cancellationToken)
    {
        try
        {
            Etag = await _storage.ClearAsync<TState>(_context.GrainId, _stateName, Etag, cancellationToken);
            RecordExists = false;
            _state = Activator.CreateInstance<TState>();
            _events.Clear();
        }
        catch (Exception exception)
        {
            OnFailedWrite(exception);
            throw;
        }
    }

    Task ILifecycleObserver.OnStart(CancellationToken cancellationToken)
        => cancellationToken.IsCancellationRequested ? Task.CompletedTask : ReadStateAsync(cancellationToken);

    Task ILifecycleObserver.OnStop(CancellationToken cancellationToken) => Task.CompletedTask;

    // After a failed write, memory may hold changes storage does not (or storage may hold a version this activation
    // never saw): no later request may act on it, even if the grain swallows the exception. Its events go with it.
    private void OnFailedWrite(Exception exception)
    {
        _events.Clear();
        _context.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, exception,
            $"A write of evented state '{_stateName}' failed; the next call reloads it from storage."));
    }
}
