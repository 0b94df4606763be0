namespace OrderActors.Runtime;

/// <summary>Where a new explicit subscription starts reading its stream.</summary>
public enum StreamStart
{
    /// <summary>Every event of the stream, from its first.</summary>
    Beginning,

    /// <summary>Only the events appended after the subscription was made.</summary>
    End,
}

/// <summary>
/// A grain that subscribes at run time to single streams (like Orleans' <c>stream.SubscribeAsync</c>): the silo
/// hands it the events of each stream it subscribed to, at least once and in sequence order. The subscriber stores
/// its checkpoint per stream with its own state, so it applies each event exactly once.
/// <see cref="StreamSubscriberGrain{TModel}"/> implements it.
/// </summary>
public interface IStreamSubscriber : IGrainWithStringKey
{
    /// <summary>
    /// Applies <paramref name="events"/> of <paramref name="stream"/> that follow the subscriber's checkpoint for it
    /// (events at or below the checkpoint are repeats and ignored) and returns the sequence it now holds. If the first
    /// event lies beyond the one after the checkpoint (the caller read past what the subscriber holds), nothing is
    /// applied and the checkpoint is returned, so the caller reads again from there. Returns -1 when the subscriber
    /// is not subscribed to the stream. Throws if an event cannot be applied; nothing is then recorded.
    /// </summary>
    Task<long> ApplyStreamEventsAsync(StreamId stream, IReadOnlyList<StreamEvent> events);

    /// <summary>Moves past a poison event of <paramref name="stream"/> without applying it, and remembers that it did.</summary>
    Task SkipStreamEventAsync(StreamId stream, long sequence, string reason);
}

/// <summary>What a stream subscriber stores: its model, its checkpoint per subscribed stream, and the events an admin skipped.</summary>
/// <typeparam name="TModel">The subscriber's model.</typeparam>
public sealed record StreamSubscriberState<TModel> where TModel : new()
{
    /// <summary>The subscribed streams, each with the sequence of the last event applied from it.</summary>
    public List<StreamCheckpoint> Streams { get; set; } = [];

    /// <summary>The model built from the events.</summary>
    public TModel Model { get; set; } = new();

    /// <summary>Events skipped by an admin, with why.</summary>
    public List<SkippedStreamEvent> Skipped { get; set; } = [];
}

/// <summary>A subscribed stream and the sequence of the last event applied from it.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="Sequence">The last sequence applied (or where the subscription started); 0 for none.</param>
public sealed record StreamCheckpoint(StreamId Stream, long Sequence);

/// <summary>An event a subscriber did not apply because an admin skipped it.</summary>
/// <param name="Stream">Its stream.</param>
/// <param name="Sequence">Its sequence on the stream.</param>
/// <param name="Reason">Why it was skipped.</param>
/// <param name="At">When.</param>
public sealed record SkippedStreamEvent(StreamId Stream, long Sequence, string Reason, DateTimeOffset At);
