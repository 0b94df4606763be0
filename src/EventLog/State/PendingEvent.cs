using Orleans.Runtime;

namespace OrderActors.EventLog.State;

/// <summary>An event appended to an <see cref="IEventedState{TState}"/>, serialized, waiting for the next write.</summary>
/// <param name="Stream">The stream it goes on.</param>
/// <param name="EventType">The domain's name of the event.</param>
/// <param name="ClrType">The payload's type as Orleans' type converter formats it.</param>
/// <param name="Payload">The payload as UTF-8 JSON.</param>
internal sealed record PendingEvent(StreamId Stream, string EventType, string ClrType, byte[] Payload)
{
    public string Namespace => Stream.GetNamespace() ?? throw new ArgumentException($"Stream {Stream} has no namespace; event-log streams need one.");

    public string Key => Stream.GetKeyAsString();
}
