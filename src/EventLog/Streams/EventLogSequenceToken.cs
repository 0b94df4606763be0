using Orleans.Streams;

namespace OrderActors.EventLog;

/// <summary>
/// The token of an event delivered from the log: its global position (the order events are read in) and its sequence
/// on its own stream. Consumers keep it, or its <see cref="Position"/>, as their checkpoint.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrderActors.EventLog.EventLogSequenceToken")]
public sealed class EventLogSequenceToken : StreamSequenceToken
{
    /// <summary>Creates the token of an event.</summary>
    /// <param name="position">The event's global position.</param>
    /// <param name="streamSequence">The event's sequence on its stream (1, 2, 3, …).</param>
    public EventLogSequenceToken(long position, long streamSequence)
        : this(position, streamSequence, eventIndex: 0)
    {
    }

    internal EventLogSequenceToken(long position, long streamSequence, int eventIndex)
    {
        SequenceNumber = position;
        StreamSequence = streamSequence;
        EventIndex = eventIndex;
    }

    /// <summary>The global position; the same as <see cref="SequenceNumber"/>.</summary>
    public long Position => SequenceNumber;

    /// <summary>The event's sequence on its own stream: 1, 2, 3, … without gaps.</summary>
    [Id(0)]
    public long StreamSequence { get; private set; }

    /// <inheritdoc />
    [Id(1)]
    public override long SequenceNumber { get; protected set; }

    /// <inheritdoc />
    /// <remarks>
    /// 0 on an event's own stream, 1 on a namespace feed (<see cref="EventLogFeeds"/>): each event has a position of
    /// its own, and a feed's container sorts just after the stream's container that ends at the same event, as Orleans'
    /// queue cache needs each container of a queue to have a token of its own.
    /// </remarks>
    [Id(2)]
    public override int EventIndex { get; protected set; }

    /// <inheritdoc />
    public override bool Equals(StreamSequenceToken? other)
        => other is not null && other.SequenceNumber == SequenceNumber && other.EventIndex == EventIndex;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is StreamSequenceToken other && Equals(other);

    /// <inheritdoc />
    public override int CompareTo(StreamSequenceToken? other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var bySequence = SequenceNumber.CompareTo(other.SequenceNumber);
        return bySequence != 0 ? bySequence : EventIndex.CompareTo(other.EventIndex);
    }

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(SequenceNumber, EventIndex);

    /// <inheritdoc />
    public override string ToString() => $"[EventLogSequenceToken: Position={Position}, StreamSequence={StreamSequence}]";
}
