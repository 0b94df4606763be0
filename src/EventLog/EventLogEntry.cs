using Orleans.Runtime;

namespace OrderActors.EventLog;

/// <summary>An event as the log stores it: where it sits in the log and on its stream, and its payload as JSON.</summary>
/// <param name="Position">
/// The global position. Events are read in this order within a queue; on PostgreSQL positions follow transaction ids,
/// so they are unique and increasing but not dense.
/// </param>
/// <param name="Namespace">The stream's namespace, e.g. <c>orders</c>.</param>
/// <param name="Key">The stream's key, e.g. an order id.</param>
/// <param name="Sequence">The event's number on its stream: 1, 2, 3, … without gaps.</param>
/// <param name="EventType">The event's type as the domain names it, e.g. <c>order.confirmed</c>.</param>
/// <param name="ClrType">The payload's .NET type as Orleans' type converter formats it (aliases included).</param>
/// <param name="Payload">The event as UTF-8 JSON.</param>
/// <param name="CreatedAt">When its transaction committed, by the database clock.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.EventLog.EventLogEntry")]
public sealed record EventLogEntry(
    [property: Id(0)] long Position,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Key,
    [property: Id(3)] long Sequence,
    [property: Id(4)] string EventType,
    [property: Id(5)] string ClrType,
    [property: Id(6)] byte[] Payload,
    [property: Id(7)] DateTimeOffset CreatedAt)
{
    /// <summary>The Orleans stream the event is on.</summary>
    public StreamId StreamId => StreamId.Create(Namespace, Key);
}
