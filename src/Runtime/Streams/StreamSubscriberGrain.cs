using Microsoft.Extensions.DependencyInjection;
using OrderActors.Runtime.Activation;

namespace OrderActors.Runtime;

/// <summary>
/// Base class of grains that subscribe to single streams at run time. It keeps the model and a checkpoint per
/// subscribed stream in one state record, so an event and the sequence it reached are written together and a repeat
/// delivery is ignored. A subscription is durable: it survives deactivation and silo restarts until
/// <see cref="UnsubscribeAsync"/>.
/// </summary>
/// <typeparam name="TModel">What the grain builds from the events.</typeparam>
public abstract class StreamSubscriberGrain<TModel> : Grain, IStreamSubscriber where TModel : new()
{
    private readonly IPersistentState<StreamSubscriberState<TModel>> _subscriber;
    private readonly ExplicitSubscriptions _subscriptions;

    /// <summary>Creates the subscriber over its state.</summary>
    protected StreamSubscriberGrain(IPersistentState<StreamSubscriberState<TModel>> subscriber)
    {
        _subscriber = subscriber;
        _subscriptions = ActivationData.Constructing!.Services.GetRequiredService<ExplicitSubscriptions>();
    }

    /// <summary>The model as built so far.</summary>
    protected TModel Model => _subscriber.State.Model;

    /// <summary>The streams subscribed to, each with the last sequence applied.</summary>
    protected IReadOnlyList<StreamCheckpoint> Subscriptions => _subscriber.State.Streams;

    /// <summary>Applies one event to <see cref="Model"/>. Throwing marks the event as poison for its subscription.</summary>
    protected abstract void Apply(StreamEvent streamEvent);

    /// <summary>
    /// Subscribes to <paramref name="stream"/>: from its first event, or only to what is appended from now on.
    /// Subscribing again to a stream already subscribed changes nothing.
    /// </summary>
    /// <remarks>The checkpoint is written first and the subscription recorded after it, so a failure in between
    /// leaves nothing delivered and a retry completes it.</remarks>
    protected async Task SubscribeAsync(StreamId stream, StreamStart start = StreamStart.Beginning, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream.Namespace);
        ArgumentException.ThrowIfNullOrEmpty(stream.Key);
        var checkpoint = Find(stream);
        if (checkpoint is null)
        {
            var from = start == StreamStart.End ? await _subscriptions.ReadLastSequenceAsync(stream, cancellationToken) : 0;
            checkpoint = new StreamCheckpoint(stream, from);
            _subscriber.State.Streams.Add(checkpoint);
            await _subscriber.WriteStateAsync(cancellationToken);
        }

        await _subscriptions.AddAsync(GrainId, stream, checkpoint.Sequence, cancellationToken);
    }

    /// <summary>Unsubscribes from <paramref name="stream"/>: nothing more of it is applied, even a delivery already under way.</summary>
    protected async Task UnsubscribeAsync(StreamId stream, CancellationToken cancellationToken = default)
    {
        await _subscriptions.RemoveAsync(GrainId, stream, cancellationToken);
        if (_subscriber.State.Streams.RemoveAll(s => s.Stream == stream) > 0)
        {
            await _subscriber.WriteStateAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<long> ApplyStreamEventsAsync(StreamId stream, IReadOnlyList<StreamEvent> events)
    {
        var streams = _subscriber.State.Streams;
        var index = streams.FindIndex(s => s.Stream == stream);
        if (index < 0)
        {
            return -1;
        }

        var checkpoint = streams[index].Sequence;
        var next = events.Where(e => e.Stream == stream && e.Sequence > checkpoint).OrderBy(e => e.Sequence).ToArray();
        if (next.Length == 0 || next[0].Sequence != checkpoint + 1)
        {
            return checkpoint; // repeats only, or a gap: the caller read past what this subscriber holds
        }

        var reached = checkpoint;
        try
        {
            foreach (var streamEvent in next.TakeWhile((e, i) => e.Sequence == checkpoint + 1 + i))
            {
                Apply(streamEvent);
                reached = streamEvent.Sequence;
            }
        }
        catch
        {
            // The model may be half-changed in memory: the next call must start again from what storage holds.
            DeactivateOnIdle();
            throw;
        }

        streams[index] = streams[index] with { Sequence = reached };
        await _subscriber.WriteStateAsync();
        return reached;
    }

    /// <inheritdoc />
    public async Task SkipStreamEventAsync(StreamId stream, long sequence, string reason)
    {
        var streams = _subscriber.State.Streams;
        var index = streams.FindIndex(s => s.Stream == stream);
        if (index < 0 || sequence <= streams[index].Sequence)
        {
            return;
        }

        _subscriber.State.Skipped.Add(new SkippedStreamEvent(stream, sequence, reason, TimeProvider.GetUtcNow()));
        streams[index] = streams[index] with { Sequence = sequence };
        await _subscriber.WriteStateAsync();
    }

    private StreamCheckpoint? Find(StreamId stream) => _subscriber.State.Streams.Find(s => s.Stream == stream);
}
