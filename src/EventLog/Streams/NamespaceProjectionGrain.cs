using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderActors.EventLog.State;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace OrderActors.EventLog;

/// <summary>
/// Base class of read-model grains built from every stream of some namespaces, in log order: reports, queues and
/// dispatchers that aggregate across orders or SKUs. Mark the subclass <c>[EventLogFeedSubscription("namespace")]</c>
/// once per namespace it reads: the namespace's feeds (<see cref="EventLogFeeds"/>) wake the one grain keyed
/// <see cref="EventLogStreamIdMappers.SingleGrainKey"/>.
/// </summary>
/// <typeparam name="TModel">The read model.</typeparam>
/// <remarks>
/// <para>A delivery is a wake-up call: the grain reads the log itself after its checkpoint (the global position it
/// has applied up to), applies what it finds in position order and writes the model and the checkpoint together.
/// So deliveries from any number of queues, in any interleaving, repeated or missed, all lead to the same model,
/// each event applied once; and under load one read and one write serve many events.</para>
/// <para>An event whose apply throws is retried with back-off from the stored state, then the projection parks
/// before it until an admin retries or skips it (<see cref="IEventLogProjection"/>).</para>
/// </remarks>
public abstract class NamespaceProjectionGrain<TModel> : Grain, IEventLogProjection, IStreamSubscriptionObserver, IAsyncObserver<EventLogEntry>
    where TModel : new()
{
    private const int Page = 512;

    private static readonly ConcurrentDictionary<Type, HashSet<string>> NamespacesOf = new();

    private readonly IPersistentState<ProjectionState<TModel>> _state;
    private readonly string _streamProvider;
    private long _lastWrite;
    private long _lastRead;
    private bool _unwritten;
    private IGrainTimer? _soon;
    private bool _soonArmed;

    /// <summary>Creates the projection over its state.</summary>
    /// <param name="state">Where the model and checkpoint live.</param>
    /// <param name="streamProvider">The event-log stream provider (and reader) name.</param>
    protected NamespaceProjectionGrain(IPersistentState<ProjectionState<TModel>> state, string streamProvider)
    {
        _state = state;
        _streamProvider = streamProvider;
    }

    /// <summary>The namespaces this projection reads: by default those of its <see cref="EventLogFeedSubscriptionAttribute"/>s.</summary>
    protected virtual IReadOnlySet<string> Namespaces => NamespacesOf.GetOrAdd(GetType(), static type =>
        type.GetCustomAttributes(typeof(EventLogFeedSubscriptionAttribute), inherit: true).Cast<EventLogFeedSubscriptionAttribute>()
            .Select(a => a.StreamNamespace).ToHashSet(StringComparer.Ordinal));

    /// <summary>
    /// The model a rebuild starts from (default: a new one). A projection that also keeps settings no event records
    /// (a registry, thresholds) returns them here so a rebuild does not forget them.
    /// </summary>
    /// <param name="current">The model before the rebuild.</param>
    protected virtual TModel ModelForRebuild(TModel current) => new();

    /// <summary>
    /// The version of the model's shape (default 0). A projection that changes how its model is built or stored
    /// (another key for its rows, an aggregate kept in its head) raises it: a stored model of another version is
    /// rebuilt from the log when the grain activates.
    /// </summary>
    protected virtual int ModelVersion => 0;

    /// <summary>
    /// Called with each page of events before they are applied (default: nothing): load here the rows of paged state
    /// tables (<see cref="PagedStateTableAttribute"/>) the page will touch, with one <see cref="StateTable{TValue}.LoadAsync"/>
    /// per table, since <see cref="Apply"/> is synchronous.
    /// </summary>
    /// <param name="page">The events, each with its payload as its .NET type (null if unknown in this process).</param>
    protected virtual ValueTask PrepareAsync(IReadOnlyList<(EventLogEntry Entry, object? Payload)> page) => ValueTask.CompletedTask;

    /// <summary>How often the projection reads the log by itself, besides when deliveries wake it (default 1 s).</summary>
    protected virtual TimeSpan CatchUpPeriod => TimeSpan.FromSeconds(1);

    /// <summary>
    /// The least time between two writes of the model (default 500 ms). Under load a projection applies events as
    /// they come and writes them together; what it applied and did not write yet is read from the log again after a
    /// crash, so the interval costs nothing but a longer replay. The periodic catch-up and deactivation write the rest.
    /// </summary>
    protected virtual TimeSpan WriteInterval => TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The least time between two reads of the log that deliveries cause (default 100 ms). Deliveries that arrive
    /// sooner arm one read at the end of the interval, which serves them all: under load the projection reads the
    /// log a few times a second, not once per event and queue.
    /// </summary>
    protected virtual TimeSpan ReadInterval => TimeSpan.FromMilliseconds(100);

    /// <summary>How many times an event is tried before the projection parks (default 3).</summary>
    protected virtual int ApplyAttempts => 3;

    /// <summary>The pause before retry <paramref name="attempt"/> (default 100 ms, ×4 each time).</summary>
    protected virtual TimeSpan RetryDelay(int attempt) => TimeSpan.FromMilliseconds(100 * Math.Pow(4, attempt - 1));

    /// <summary>The model as built so far.</summary>
    protected TModel Model => _state.State.Model;

    /// <summary>The global position the model is complete up to.</summary>
    protected long Position => _state.State.Position;

    /// <summary>The clock of the silo.</summary>
    protected TimeProvider Clock => ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <summary>
    /// Applies one event to <see cref="Model"/>; throwing retries it, then parks the projection. Override this or,
    /// for a projection that calls other grains while applying, <see cref="ApplyAsync"/>.
    /// </summary>
    /// <param name="entry">The event as stored.</param>
    /// <param name="payload">The payload as its .NET type, or null if the type is unknown in this process.</param>
    protected virtual void Apply(EventLogEntry entry, object? payload)
        => throw new NotImplementedException($"{GetType().Name} overrides neither Apply nor ApplyAsync.");

    /// <summary>Applies one event, asynchronously; by default calls <see cref="Apply"/>.</summary>
    /// <param name="entry">The event as stored.</param>
    /// <param name="payload">The payload as its .NET type, or null if the type is unknown in this process.</param>
    protected virtual ValueTask ApplyAsync(EventLogEntry entry, object? payload)
    {
        Apply(entry, payload);
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads and applies whatever the log holds after the checkpoint, then writes the model and checkpoint.</summary>
    /// <remarks>
    /// An event that fails is retried from what storage holds (the state is read again, so nothing half-applied
    /// survives); after <see cref="ApplyAttempts"/> failures at the same position the projection parks before it.
    /// </remarks>
    protected async Task CatchUpAsync()
    {
        var failingAt = 0L;
        var failures = 0;
        while (true)
        {
            try
            {
                await ApplyLogAsync(stopAt: long.MaxValue);
                return;
            }
            catch (ApplyFailedException failure)
            {
                await _state.ReadStateAsync();
                failures = failure.Entry.Position == failingAt ? failures + 1 : 1;
                failingAt = failure.Entry.Position;
                if (failures >= ApplyAttempts)
                {
                    ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType()).LogError(failure.InnerException,
                        "Projection {Grain} parks at position {Position} ({Namespace}/{Key}#{Sequence}, {EventType}) after {Attempts} attempts.",
                        GrainContext.GrainId, failure.Entry.Position, failure.Entry.Namespace, failure.Entry.Key, failure.Entry.Sequence, failure.Entry.EventType, failures);
                    await ApplyLogAsync(stopAt: failingAt);
                    _state.State.Parked = new ParkedEvent(failure.Entry.Sequence, failure.Entry.Position, failure.Entry.EventType,
                        failure.InnerException!.Message, failures, Clock.GetUtcNow());
                    await FlushAsync();
                    return;
                }

                await Task.Delay(RetryDelay(failures), Clock);
            }
        }
    }

    /// <summary>Writes the model and checkpoint as they stand, after a change a subclass made to <see cref="Model"/> itself.</summary>
    protected Task WriteStateAsync() => FlushAsync();

    // Applies the log after the checkpoint up to (not including) stopAt, and writes once if anything moved.
    private async Task ApplyLogAsync(long stopAt)
    {
        _lastRead = Stopwatch.GetTimestamp();
        var reader = ServiceProvider.GetRequiredKeyedService<IEventLogReader>(_streamProvider);
        var payloads = ServiceProvider.GetRequiredService<EventPayloadSerializer>();
        var state = _state.State;
        while (state.Parked is null)
        {
            // The database skips the other namespaces' events; CompleteThrough still moves Position past them.
            var page = await reader.ReadNamespacesAsync(Namespaces, state.Position, Page);
            var (batch, unreadable) = Deserialize(page.Entries, stopAt, payloads);
            if (batch.Count > 0)
            {
                await PrepareAsync(batch);
            }

            foreach (var (entry, payload) in batch)
            {
                try
                {
                    await ApplyAsync(entry, payload);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    throw new ApplyFailedException(entry, exception);
                }

                state.Checkpoint = entry.Position;
                state.Position = entry.Position;
                _unwritten = true;
            }

            if (unreadable is not null)
            {
                throw unreadable; // after the events before it, like an event whose apply throws
            }

            if (page.Entries.Any(e => e.Position >= stopAt))
            {
                break; // parking: Position stays below the failing event, so a retry reads it again
            }

            if (page.CompleteThrough > state.Position && page.CompleteThrough < stopAt)
            {
                state.Position = page.CompleteThrough; // only other namespaces' events up to it: the model is complete past them all the same
                _unwritten = true;
            }

            if (page.Entries.Count < Page)
            {
                break;
            }

            if (_unwritten && Stopwatch.GetElapsedTime(_lastWrite) >= WriteInterval)
            {
                await FlushAsync(); // a long catch-up (a rebuild) writes as it goes: paged tables then drop what is written
            }
        }

        if (_unwritten && Stopwatch.GetElapsedTime(_lastWrite) >= WriteInterval)
        {
            await FlushAsync();
        }
    }

    // The page's events before stopAt with their payloads, up to the first whose payload does not deserialize (returned as its failure).
    private static (List<(EventLogEntry Entry, object? Payload)> Batch, ApplyFailedException? Unreadable) Deserialize(
        IReadOnlyList<EventLogEntry> entries, long stopAt, EventPayloadSerializer payloads)
    {
        var batch = new List<(EventLogEntry, object?)>(entries.Count);
        foreach (var entry in entries.TakeWhile(e => e.Position < stopAt))
        {
            try
            {
                batch.Add((entry, payloads.Deserialize(entry)));
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                return (batch, new ApplyFailedException(entry, exception));
            }
        }

        return (batch, null);
    }

    private async Task FlushAsync()
    {
        await _state.WriteStateAsync();
        _unwritten = false;
        _lastWrite = Stopwatch.GetTimestamp();
    }

    // The periodic tick: catch up, then write whatever the write interval held back.
    private async Task TickAsync()
    {
        await CatchUpAsync();
        if (_unwritten && _state.State.Parked is null)
        {
            await FlushAsync();
        }
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_unwritten)
        {
            await FlushAsync();
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private sealed class ApplyFailedException(EventLogEntry entry, Exception inner) : Exception(inner.Message, inner)
    {
        public EventLogEntry Entry { get; } = entry;
    }

    /// <inheritdoc />
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => handleFactory.Create<EventLogEntry>().ResumeAsync(this);

    /// <inheritdoc />
    public Task OnNextAsync(EventLogEntry item, StreamSequenceToken? token = null)
    {
        if (item.Position <= _state.State.Position || _state.State.Parked is not null || _soonArmed)
        {
            return Task.CompletedTask;
        }

        var wait = ReadInterval - Stopwatch.GetElapsedTime(_lastRead);
        if (wait <= TimeSpan.Zero)
        {
            return CatchUpAsync();
        }

        _soon ??= this.RegisterGrainTimer(ReadSoonAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) { Interleave = false });
        _soon.Change(wait, Timeout.InfiniteTimeSpan);
        _soonArmed = true;
        return Task.CompletedTask;
    }

    private Task ReadSoonAsync()
    {
        _soonArmed = false;
        return _state.State.Parked is null ? CatchUpAsync() : Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task OnCompletedAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<ProjectionStatus> GetStatusAsync() => Task.FromResult(Status());

    /// <inheritdoc />
    public async Task<ProjectionStatus> RetryAsync()
    {
        if (_state.State.Parked is not null)
        {
            _state.State.Parked = null;
            await FlushAsync();
        }

        await CatchUpAsync();
        return Status();
    }

    /// <inheritdoc />
    public async Task<ProjectionStatus> SkipAsync(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var state = _state.State;
        if (state.Parked is { } parked)
        {
            state.Skipped.Add(new SkippedEvent(parked.Sequence, parked.Position, reason, Clock.GetUtcNow()));
            state.Checkpoint = parked.Position;
            state.Position = parked.Position;
            state.Parked = null;
            await FlushAsync();
        }

        await CatchUpAsync();
        return Status();
    }

    /// <inheritdoc />
    public async Task<ProjectionStatus> RebuildAsync()
    {
        await ResetAsync();
        await CatchUpAsync();
        return Status();
    }

    private Task ResetAsync()
    {
        _state.State = new ProjectionState<TModel> { Model = ModelForRebuild(_state.State.Model), ModelVersion = ModelVersion };
        return FlushAsync();
    }

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!_state.RecordExists)
        {
            _state.State.ModelVersion = ModelVersion;
        }
        else if (_state.State.ModelVersion != ModelVersion)
        {
            // Built by an older (or newer) shape of this projection: start again from the log, which the first tick reads.
            ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType()).LogWarning(
                "Projection {Grain} rebuilds its model: stored version {Stored}, this build's {Current}.", GrainContext.GrainId, _state.State.ModelVersion, ModelVersion);
            await ResetAsync();
        }

        // Catch up soon after activation, outside it, and then every CatchUpPeriod: a projection that trails the log
        // (a restart, a write that did not happen, a delivery that timed out) answers up to date without waiting for
        // the next event. A tick with nothing new costs one read and writes nothing.
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.Zero, CatchUpPeriod) { KeepAlive = true });
        await base.OnActivateAsync(cancellationToken);
    }

    private ProjectionStatus Status()
        => new(_state.State.Checkpoint, _state.State.Position, _state.State.Parked, [.. _state.State.Skipped]);
}
