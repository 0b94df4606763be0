using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OrderActors.EventLog.Hosting;
using Orleans.Runtime;
using Orleans.Serialization.TypeSystem;

namespace OrderActors.EventLog.State;

/// <summary>
/// Turns event payloads into the log's JSON and back. The .NET type is stored as Orleans' type converter formats it,
/// so a type with an <c>[Alias]</c> can be renamed or moved without breaking the events already written.
/// </summary>
internal sealed class EventPayloadSerializer(IOptions<EventLogJsonOptions> options, TypeConverter typeConverter)
{
    private readonly JsonSerializerOptions _json = options.Value.SerializerOptions;
    private readonly ConcurrentDictionary<string, Type?> _types = new(StringComparer.Ordinal);

    public PendingEvent Pending<TEvent>(StreamId stream, string eventType, TEvent @event) where TEvent : notnull
    {
        var type = @event.GetType();
        return new PendingEvent(stream, eventType, typeConverter.Format(type), JsonSerializer.SerializeToUtf8Bytes(@event, type, _json));
    }

    public (string ClrType, byte[] Payload) Serialize(object @event)
    {
        var type = @event.GetType();
        return (typeConverter.Format(type), JsonSerializer.SerializeToUtf8Bytes(@event, type, _json));
    }

    /// <summary>The payload as its .NET type, or null when that type is unknown in this process (the entry remains readable raw).</summary>
    public object? Deserialize(EventLogEntry entry)
    {
        var type = _types.GetOrAdd(entry.ClrType, name => typeConverter.TryParse(name, out var parsed) ? parsed : null);
        return type is null ? null : JsonSerializer.Deserialize(entry.Payload, type, _json);
    }
}
