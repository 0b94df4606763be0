using Microsoft.Extensions.DependencyInjection;
using OrderActors.EventLog.State;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace OrderActors.EventLog.Streams;

/// <summary>
/// Consecutive events of one stream on their way to consumers: the events one write appended to a stream arrive in
/// one container, so each consumer gets them in one delivery (one grain call), not one call per event.
/// <see cref="GetEvents{T}"/> yields each payload as its .NET type when it is of the type asked for, or the raw
/// <see cref="EventLogEntry"/> when that is asked for, each with its own <see cref="EventLogSequenceToken"/>; the
/// container's token is its last event's, so a queue's checkpoint moves past exactly what was delivered.
/// </summary>
[GenerateSerializer, Alias("OrderActors.EventLog.EventLogBatchContainer.v2")]
[SerializationCallbacks(typeof(OnDeserializedCallbacks))]
internal sealed class EventLogBatchContainer : IBatchContainer, IOnDeserialized
{
    [NonSerialized]
    private EventPayloadSerializer? _serializer;

    [NonSerialized]
    private object?[]? _payloads;

    public EventLogBatchContainer(EventLogEntry[] entries, EventPayloadSerializer serializer)
    {
        if (entries.Length == 0 || entries.Any(e => e.StreamId != entries[0].StreamId))
        {
            throw new ArgumentException("A container holds one or more events of one stream.", nameof(entries));
        }

        Entries = entries;
        _serializer = serializer;
    }

    /// <summary>The events, in position order.</summary>
    [Id(0)]
    public EventLogEntry[] Entries { get; private set; }

    public StreamId StreamId => Entries[0].StreamId;

    public StreamSequenceToken SequenceToken => TokenOf(Entries[^1]);

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        for (var i = 0; i < Entries.Length; i++)
        {
            var entry = Entries[i];
            if (entry is T raw)
            {
                yield return Tuple.Create(raw, TokenOf(entry));
            }
            else if (Payload(i) is T typed)
            {
                yield return Tuple.Create(typed, TokenOf(entry));
            }
        }
    }

    public bool ImportRequestContext() => false;

    void IOnDeserialized.OnDeserialized(DeserializationContext context)
        => _serializer = context.ServiceProvider.GetRequiredService<EventPayloadSerializer>();

    private static StreamSequenceToken TokenOf(EventLogEntry entry) => new EventLogSequenceToken(entry.Position, entry.Sequence);

    private object? Payload(int index)
    {
        _payloads ??= new object?[Entries.Length];
        return _payloads[index] ??= (_serializer ?? throw new InvalidOperationException("The event log's payload serializer is not registered in this process."))
            .Deserialize(Entries[index]);
    }

    public override string ToString()
        => $"[EventLogBatchContainer: {StreamId} #{Entries[0].Sequence}..{Entries[^1].Sequence} at {Entries[0].Position}..{Entries[^1].Position}]";
}
