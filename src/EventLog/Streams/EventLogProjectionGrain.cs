using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderActors.EventLog.State;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace OrderActors.EventLog;

/// <summary>
/// Base class of read-model grains built from one event-log stream each: mark the subclass
/// <c>[ImplicitStreamSubscription("namespace")]</c> and it is activated per stream key, receives the stream's events
/// and keeps its model and its checkpoint (the stream sequence applied up to) in one state record, so each event is
/// applied exactly once however often it is delivered.
/// </summary>
/// <typeparam name="TModel">The read model.</typeparam>
/// <remarks>
/// <para>Stream sequences have no gaps, so a delivery beyond the checkpoint's successor means events were missed (a
/// rebuild, a parked stretch, a receiver that started later): the projection then reads them from the log itself.</para>
/// <para>An event whose <see cref="Apply"/> throws is retried with back-off on a copy of the model taken before it;
/// after <see cref="ApplyAttempts"/> attempts the projection parks there, recording the error, and ignores deliveries
/// until an admin retries or skips the event (<see cref="IEventLogProjection"/>). Nothing is lost while parked: the
/// events stay in the log.</para>
/// <para>The state written per batch holds only this stream's model, so writes stay proportional to one stream.</para>
/// </remarks>
public abstract class EventLogProjectionGrain<TModel> : Grain, IEventLogProjection, IStreamSubscriptionObserver, IAsyncObserver<EventLogEntry>
    where TModel : new()
{
    private const int CatchUpPage = 256;

    private readonly IPersistentState<ProjectionState<TModel>> _state;
    private readonly string _streamProvider;

    /// <summary>Creates the projection over its state.</summary>
    /// <param name="state">Where the model and checkpoint live.</param>
    /// <param name="streamProvider">The event-log stream provider (and reader) name.</param>
    protected EventLogProjectionGrain(IPersistentState<ProjectionState<TModel>> state, string streamProvider)
    {
        _state = state;
        _streamProvider = streamProvider;
    }

    /// <summary>The namespace of the stream this projection reads; its key is the grain's key.</summary>
    protected abstract string StreamNamespace { get; }

    /// <summary>How many times an event is tried before the projection parks (default 3).</summary>
    protected virtual int ApplyAttempts => 3;

    /// <summary>The pause before retry <paramref name="attempt"/> (default 100 ms, ×4 each time).</summary>
    protected virtual TimeSpan RetryDelay(int attempt) => TimeSpan.FromMilliseconds(100 * Math.Pow(4, attempt - 1));

    /// <summary>The model as built so far.</summary>
    protected TModel Model => _state.State.Model;

    /// <summary>Applies one event to <see cref="Model"/>; throwing retries it, then parks the projection.</summary>
    /// <param name="entry">The event as stored.</param>
    /// <param name="payload">The payload as its .NET type, or null if the type is unknown in this process.</param>
    protected abstract void Apply(EventLogEntry entry, object? payload);

    /// <inheritdoc />
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => handleFactory.Create<EventLogEntry>().ResumeAsync(this);

    /// <inheritdoc />
    public async Task OnNextAsync(EventLogEntry item, StreamSequenceToken? token = null)
    {
        var state = _state.State;
        if (state.Parked is not null || item.Sequence <= state.Checkpoint)
        {
            return; // parked: the log keeps it; at or below the checkpoint: a repeat
        }

        if (item.Sequence == state.Checkpoint + 1)
        {
            await ApplyAndWriteAsync([item]);
        }
        else
        {
            await CatchUpAsync();
        }
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
            await _state.WriteStateAsync();
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
            state.Checkpoint = parked.Sequence;
            state.Position = parked.Position;
            state.Parked = null;
            await _state.WriteStateAsync();
        }

        await CatchUpAsync();
        return Status();
    }

    /// <inheritdoc />
    public async Task<ProjectionStatus> RebuildAsync()
    {
        _state.State = new ProjectionState<TModel>();
        await _state.WriteStateAsync();
        await CatchUpAsync();
        return Status();
    }

    private ProjectionStatus Status()
        => new(_state.State.Checkpoint, _state.State.Position, _state.State.Parked, [.. _state.State.Skipped]);

    // Reads the stream from the log after the checkpoint and applies it, page by page, until the end or a park.
    private async Task CatchUpAsync()
    {
        var reader = ServiceProvider.GetRequiredKeyedService<IEventLogReader>(_streamProvider);
        var key = this.GetPrimaryKeyString();
        while (_state.State.Parked is null)
        {
            var page = await reader.ReadStreamAsync(StreamNamespace, key, _state.State.Checkpoint, CatchUpPage);
            if (page.Count == 0)
            {
                return;
            }

            await ApplyAndWriteAsync(page);
            if (page.Count < CatchUpPage)
            {
                return;
            }
        }
    }

    private async Task ApplyAndWriteAsync(IReadOnlyList<EventLogEntry> entries)
    {
        var payloads = ServiceProvider.GetRequiredService<EventPayloadSerializer>();
        var copier = ServiceProvider.GetRequiredService<DeepCopier<TModel>>();
        var state = _state.State;
        var changed = false;
        foreach (var entry in entries)
        {
            if (entry.Sequence != state.Checkpoint + 1)
            {
                continue; // a repeat, or past a gap the next catch-up reads
            }

            for (var attempt = 1; ; attempt++)
            {
                var before = copier.Copy(state.Model);
                try
                {
                    Apply(entry, payloads.Deserialize(entry));
                    state.Checkpoint = entry.Sequence;
                    state.Position = entry.Position;
                    changed = true;
                    break;
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    state.Model = before!;
                    if (attempt >= ApplyAttempts)
                    {
                        Logger().LogError(exception, "Projection {Grain} parks at {Namespace}/{Key}#{Sequence} ({EventType}) after {Attempts} attempts.",
                            GrainContext.GrainId, entry.Namespace, entry.Key, entry.Sequence, entry.EventType, attempt);
                        state.Parked = new ParkedEvent(entry.Sequence, entry.Position, entry.EventType, exception.Message, attempt, Clock.GetUtcNow());
                        await _state.WriteStateAsync();
                        return;
                    }

                    await Task.Delay(RetryDelay(attempt), Clock);
                }
            }
        }

        if (changed)
        {
            await _state.WriteStateAsync();
        }
    }

    private TimeProvider Clock => ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;

    private ILogger Logger() => ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType());
}
