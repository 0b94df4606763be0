namespace OrderActors.Runtime;

/// <summary>Identifies a stream: a namespace (e.g. <c>orders</c>) and a key within it (e.g. an order id).</summary>
/// <param name="Namespace">The stream namespace; consumers subscribe by namespace.</param>
/// <param name="Key">The stream key.</param>
public readonly record struct StreamId(string Namespace, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{Key}";
}

/// <summary>An event waiting to be appended with the next state write.</summary>
/// <param name="Stream">The stream it goes on.</param>
/// <param name="Type">The event type, e.g. <c>order.confirmed</c>.</param>
/// <param name="Payload">The event as UTF-8 JSON.</param>
public sealed record PendingEvent(StreamId Stream, string Type, byte[] Payload);

/// <summary>An event as stored on a stream.</summary>
/// <param name="Position">The global position: events are delivered in this order, across all streams.</param>
/// <param name="Stream">The stream.</param>
/// <param name="Sequence">The event's number on its stream: 1, 2, 3, … without gaps.</param>
/// <param name="Type">The event type.</param>
/// <param name="Payload">The event as UTF-8 JSON.</param>
/// <param name="CreatedAt">When it was committed.</param>
public sealed record StreamEvent(long Position, StreamId Stream, long Sequence, string Type, byte[] Payload, DateTimeOffset CreatedAt);

/// <summary>Reads streams. Every event a reader is given was committed, and no event committed later can ever
/// appear before it: a reader that continues after the last position it saw never misses one.</summary>
public interface IStreamReader
{
    /// <summary>Events of every stream after <paramref name="afterPosition"/>, in position order, up to <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StreamEvent>> ReadAllAsync(long afterPosition, int limit, CancellationToken cancellationToken = default);

    /// <summary>Events of one stream after <paramref name="afterSequence"/>, in sequence order, up to <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StreamEvent>> ReadStreamAsync(StreamId stream, long afterSequence, int limit, CancellationToken cancellationToken = default);
}
