using Microsoft.Extensions.DependencyInjection;
using OrderActors.EventLog.State;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace OrderActors.EventLog.Streams;

/// <summary>
/// One event of the log on its way to consumers. <see cref="GetEvents{T}"/> yields the payload as its .NET type when
/// it is of the type asked for, or the raw <see cref="EventLogEntry"/> when that is asked for, with the event's
/// <see cref="EventLogSequenceToken"/>.
/// </summary>
[GenerateSerializer, Alias("OrderActors.EventLog.EventLogBatchContainer")]
[SerializationCallbacks(typeof(OnDeserializedCallbacks))]
internal sealed class EventLogBatchContainer : IBatchContainer, IOnDeserialized
{
    [NonSerialized]
    private EventPayloadSerializer? _serializer;

    [NonSerialized]
    private object? _payload;

    [NonSerialized]
    private bool _deserialized;

    public EventLogBatchContainer(EventLogEntry entry, EventPayloadSerializer serializer)
    {
        Entry = entry;
        _serializer = serializer;
    }

    [Id(0)]
    public EventLogEntry Entry { get; private set; }

    public StreamId StreamId => Entry.StreamId;

    public StreamSequenceToken SequenceToken => new EventLogSequenceToken(Entry.Position, Entry.Sequence);

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        if (Entry is T raw)
        {
            return [Tuple.Create(raw, SequenceToken)];
        }

        return Payload() is T typed ? [Tuple.Create(typed, SequenceToken)] : [];
    }

    public bool ImportRequestContext() => false;

    void IOnDeserialized.OnDeserialized(DeserializationContext context)
        => _serializer = context.ServiceProvider.GetRequiredService<EventPayloadSerializer>();

    private object? Payload()
    {
        if (!_deserialized)
        {
            _payload = (_serializer ?? throw new InvalidOperationException("The event log's payload serializer is not registered in this process."))
                .Deserialize(Entry);
            _deserialized = true;
        }

        return _payload;
    }

    public override string ToString() => $"[EventLogBatchContainer: {Entry.Namespace}/{Entry.Key}#{Entry.Sequence} at {Entry.Position} ({Entry.EventType})]";
}
