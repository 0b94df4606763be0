using Microsoft.Extensions.DependencyInjection;
using OrderActors.EventLog.State;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace OrderActors.EventLog.Streams;

/// <summary>
/// Events on their way to consumers, in one delivery (one grain call) rather than one call per event: either
/// consecutive events of one stream (what one write appended to it), or, on a namespace's feed
/// (<see cref="EventLogFeeds"/>), the events of that namespace that one read of a queue found.
/// <see cref="GetEvents{T}"/> yields each payload as its .NET type when it is of the type asked for, or the raw
/// <see cref="EventLogEntry"/> when that is asked for, each with its own <see cref="EventLogSequenceToken"/>; the
/// container's token is its last event's, so a queue's checkpoint moves past exactly what was delivered.
/// </summary>
[GenerateSerializer, Alias("OrderActors.EventLog.EventLogBatchContainer.v3")]
[SerializationCallbacks(typeof(OnDeserializedCallbacks))]
internal sealed class EventLogBatchContainer : IBatchContainer, IOnDeserialized
{
    [NonSerialized]
    private EventPayloadSerializer? _serializer;

    [NonSerialized]
    private object?[]? _payloads;

    public EventLogBatchContainer(StreamId streamId, EventLogEntry[] entries, EventPayloadSerializer serializer)
    {
        var feed = EventLogFeeds.IsFeed(streamId, out _);
        if (entries.Length == 0 || entries.Any(e => feed ? EventLogFeeds.NamespaceOf(e.Namespace) != streamId.GetNamespace() : e.StreamId != streamId))
        {
            throw new ArgumentException($"A container of {streamId} holds one or more events of that stream, or of the namespace it is the feed of.", nameof(entries));
        }

        StreamId = streamId;
        Feed = feed;
        Entries = entries;
        _serializer = serializer;
    }

    /// <summary>The events, in position order.</summary>
    [Id(0)]
    public EventLogEntry[] Entries { get; private set; }

    [Id(1)]
    public StreamId StreamId { get; private set; }

    /// <summary>Whether this is a namespace feed's container: its tokens have event index 1.</summary>
    [Id(2)]
    public bool Feed { get; private set; }

    public StreamSequenceToken SequenceToken => TokenOf(Entries[^1], Feed);

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        for (var i = 0; i < Entries.Length; i++)
        {
            var entry = Entries[i];
            if (entry is T raw)
            {
                yield return Tuple.Create(raw, TokenOf(entry, Feed));
            }
            else if (Payload(i) is T typed)
            {
                yield return Tuple.Create(typed, TokenOf(entry, Feed));
            }
        }
    }

    public bool ImportRequestContext() => false;

    void IOnDeserialized.OnDeserialized(DeserializationContext context)
        => _serializer = context.ServiceProvider.GetRequiredService<EventPayloadSerializer>();

    private static StreamSequenceToken TokenOf(EventLogEntry entry, bool feed) => new EventLogSequenceToken(entry.Position, entry.Sequence, feed ? 1 : 0);

    private object? Payload(int index)
    {
        _payloads ??= new object?[Entries.Length];
        return _payloads[index] ??= (_serializer ?? throw new InvalidOperationException("The event log's payload serializer is not registered in this process."))
            .Deserialize(Entries[index]);
    }

    public override string ToString()
        => $"[EventLogBatchContainer: {StreamId}, {Entries.Length} events at {Entries[0].Position}..{Entries[^1].Position}]";
}
