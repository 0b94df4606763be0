namespace OrderActors.Runtime;

/// <summary>
/// Base class of read-model grains built from streams: it keeps the model and the checkpoint in one state record,
/// so a batch of events and the position it reached are written together, and a repeat delivery is ignored.
/// </summary>
/// <typeparam name="TModel">The read model.</typeparam>
public abstract class ProjectionGrain<TModel> : Grain, IStreamConsumer where TModel : new()
{
    private readonly IPersistentState<ProjectionState<TModel>> _projection;
    private long _readUpTo; // in memory: a batch with none of our events moves no stored checkpoint

    /// <summary>Creates the projection over its state.</summary>
    protected ProjectionGrain(IPersistentState<ProjectionState<TModel>> projection) => _projection = projection;

    /// <summary>The model as built so far.</summary>
    protected TModel Model => _projection.State.Model;

    /// <summary>The checkpoint of the model.</summary>
    protected long Checkpoint => _projection.State.Checkpoint;

    /// <summary>
    /// The global position the model is complete up to: at least <see cref="Checkpoint"/>, and further when the
    /// events read after it belong to other namespaces. Reports show this, so a reader can compare it with the feed.
    /// </summary>
    protected long Position => Math.Max(_projection.State.Checkpoint, _readUpTo);

    /// <summary>Applies one event to <see cref="Model"/>. Throwing marks the event as poison for the subscription.</summary>
    protected abstract void Apply(StreamEvent streamEvent);

    /// <inheritdoc />
    public Task<long> GetCheckpointAsync() => Task.FromResult(_projection.State.Checkpoint);

    /// <inheritdoc />
    public async Task<long> ApplyAsync(IReadOnlyList<StreamEvent> events, long after, long upTo)
    {
        if (after > Position)
        {
            return Position; // a gap: the caller read past what this projection holds; it must read again from here
        }

        var state = _projection.State;
        var applied = false;
        try
        {
            foreach (var streamEvent in events.Where(e => e.Position > state.Checkpoint).OrderBy(e => e.Position))
            {
                Apply(streamEvent);
                state.Checkpoint = streamEvent.Position;
                applied = true;
            }
        }
        catch
        {
            // The model may be half-changed in memory: the next call must start again from what storage holds.
            DeactivateOnIdle();
            throw;
        }

        if (applied)
        {
            state.Checkpoint = Math.Max(state.Checkpoint, upTo);
            await _projection.WriteStateAsync();
        }

        _readUpTo = Math.Max(_readUpTo, upTo);
        return Math.Max(state.Checkpoint, upTo);
    }

    /// <inheritdoc />
    public async Task SkipAsync(long position, string reason)
    {
        var state = _projection.State;
        if (position <= state.Checkpoint)
        {
            return;
        }

        state.Skipped.Add(new SkippedEvent(position, reason, TimeProvider.GetUtcNow()));
        state.Checkpoint = position;
        await _projection.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task ResetAsync()
    {
        _projection.State = new ProjectionState<TModel>();
        _readUpTo = 0;
        await _projection.WriteStateAsync();
    }
}
