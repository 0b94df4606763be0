using Orleans.Runtime;

namespace OrderActors.EventLog;

/// <summary>
/// Grain state whose writes also append events to the log: <see cref="IPersistentState{TState}"/> plus
/// <see cref="Append{TEvent}"/>. <see cref="Orleans.Core.IStorage.WriteStateAsync()"/> commits the state and the
/// events appended since the last write in one database transaction (a transactional outbox): no event without its
/// state, no state without its events.
/// </summary>
/// <typeparam name="TState">The state type.</typeparam>
/// <remarks>
/// ETag semantics are Orleans': a write whose ETag is stale throws <see cref="Orleans.Storage.InconsistentStateException"/>, commits
/// neither the state nor any event, and deactivates the activation so the next call starts from what storage holds.
/// Appended events that were not written are dropped with the failed write.
/// </remarks>
public interface IEventedState<TState> : IPersistentState<TState>
{
    /// <summary>Buffers an event for <paramref name="stream"/>; the next write commits it with the state.</summary>
    /// <typeparam name="TEvent">The payload's type; it is stored as JSON and must round-trip through System.Text.Json.</typeparam>
    /// <param name="stream">The stream the event goes on; consumers subscribe by its namespace.</param>
    /// <param name="eventType">The event's type as the domain names it, e.g. <c>order.confirmed</c>.</param>
    /// <param name="event">The payload.</param>
    void Append<TEvent>(StreamId stream, string eventType, TEvent @event) where TEvent : notnull;

    /// <summary>The number of events appended and not yet written.</summary>
    int PendingEvents { get; }
}

/// <summary>
/// Marks a grain constructor parameter of type <see cref="IEventedState{TState}"/> for injection, as
/// <see cref="Orleans.Runtime.PersistentStateAttribute"/> does for <see cref="IPersistentState{TState}"/>.
/// </summary>
/// <param name="stateName">The state's name, unique per grain type.</param>
/// <param name="storageName">The event-log storage's name; null for <c>Default</c>.</param>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class EventedStateAttribute(string stateName, string? storageName = null) : Attribute, IFacetMetadata
{
    /// <summary>The state's name.</summary>
    public string StateName { get; } = stateName;

    /// <summary>The event-log storage's name, or null for <c>Default</c>.</summary>
    public string? StorageName { get; } = storageName;
}
