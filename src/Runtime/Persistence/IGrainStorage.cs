namespace OrderActors.Runtime.Persistence;

/// <summary>A stored grain state record.</summary>
/// <param name="Version">The record's version; it increases by one with every write and clear.</param>
/// <param name="Payload">The state as UTF-8 JSON; null for a cleared record (a tombstone that keeps its version).</param>
public sealed record StoredGrainState(long Version, byte[]? Payload);

/// <summary>Durable storage of grain state with compare-and-swap writes.</summary>
/// <remarks>
/// Version 0 means "no record". A write or clear succeeds only when the stored version equals the expected
/// one, and returns the new version; otherwise it throws <see cref="InconsistentStateException"/> and changes
/// nothing. Clearing keeps a tombstone with its version, so a writer that read the record before it was
/// created and cleared cannot resurrect it.
/// </remarks>
public interface IGrainStorage
{
    /// <summary>Reads a state record, or null if none was ever written.</summary>
    Task<StoredGrainState?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken = default);

    /// <summary>Writes a state record if storage holds <paramref name="expectedVersion"/>; returns the new version.</summary>
    Task<long> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, long expectedVersion, CancellationToken cancellationToken = default)
        => WriteAsync(grainId, stateName, payload, expectedVersion, [], cancellationToken);

    /// <summary>
    /// Writes a state record if storage holds <paramref name="expectedVersion"/> and appends <paramref name="events"/>
    /// to their streams, atomically; returns the new version. On a version conflict nothing is written.
    /// </summary>
    Task<long> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, long expectedVersion, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Clears a state record (leaving a tombstone) if storage holds <paramref name="expectedVersion"/>; returns the new version.</summary>
    Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, CancellationToken cancellationToken = default);
}

/// <summary>Creates the storage schema (tables, indexes) when the silo starts.</summary>
public interface IStorageInitializer
{
    /// <summary>Creates or migrates the schema; safe to call from several silos at once.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Checks that storage answers; used by the readiness probe.</summary>
    Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default);
}
