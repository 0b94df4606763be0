namespace OrderActors.Runtime;

/// <summary>A grain's durable state, injected into the grain's constructor.</summary>
/// <typeparam name="TState">The state type; it must round-trip through System.Text.Json.</typeparam>
/// <remarks>
/// The runtime reads the state before <see cref="Grain.OnActivateAsync"/>. Writes are a compare-and-swap on
/// <see cref="Etag"/>: a stale write throws <see cref="InconsistentStateException"/> and the activation is
/// deactivated so the next call reloads.
/// </remarks>
public interface IPersistentState<TState>
{
    /// <summary>The state held by this activation.</summary>
    TState State { get; set; }

    /// <summary>The version of the stored record this activation read or last wrote; null when none was ever written.</summary>
    string? Etag { get; }

    /// <summary>Whether a record exists in storage (false before the first write and after a clear).</summary>
    bool RecordExists { get; }

    /// <summary>Reloads the state from storage.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the state if storage still holds the version this activation last saw, together with the events
    /// appended since the last write, in one transaction: no event without its state, no state without its events.
    /// </summary>
    /// <exception cref="InconsistentStateException">Storage holds another version; nothing was written.</exception>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Buffers an event for <paramref name="stream"/>; the next <see cref="WriteStateAsync"/> commits it with the state.</summary>
    /// <typeparam name="TEvent">The event's type; it must round-trip through System.Text.Json.</typeparam>
    void AppendEvent<TEvent>(StreamId stream, string eventType, TEvent @event);

    /// <summary>Clears the stored state (a versioned tombstone remains) and resets <see cref="State"/>.</summary>
    /// <exception cref="InconsistentStateException">Storage holds another version.</exception>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>Marks a grain constructor parameter of type <see cref="IPersistentState{TState}"/> for injection.</summary>
/// <param name="stateName">The state's name, unique per grain type (a grain may have several states).</param>
/// <param name="storageName">The storage provider's name; null for the default.</param>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    /// <summary>The state's name.</summary>
    public string StateName { get; } = stateName;

    /// <summary>The storage provider's name, or null for the default.</summary>
    public string? StorageName { get; } = storageName;
}
