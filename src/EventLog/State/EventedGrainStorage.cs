using System.Data.Common;
using System.Globalization;
using OrderActors.EventLog.Hosting;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.Streams;
using Orleans.Runtime;
using Orleans.Storage;

namespace OrderActors.EventLog.State;

/// <summary>
/// The storage behind <see cref="IEventedState{TState}"/>: table <c>orderactors_grain_state</c>, keyed by grain and
/// state name, with a version column as the ETag, and table <c>orderactors_events</c> for the events each write
/// appends in the same transaction.
/// </summary>
/// <remarks>
/// Version 0 (ETag null) means "no record". A write succeeds only while the stored version equals the ETag the
/// activation holds; otherwise it throws <see cref="InconsistentStateException"/> and the transaction, with its events,
/// rolls back. A clear keeps a tombstone with its version, so a writer that read the record before it was created
/// and cleared cannot resurrect it.
/// </remarks>
internal sealed class EventedGrainStorage(string name, SqlDatabase database, EventLogOptions options, IGrainStorageSerializer stateSerializer, EventPayloadSerializer events)
{
    private const string ReadSql =
        "SELECT version, payload FROM orderactors_grain_state WHERE grain_type = @type AND grain_key = @key AND state_name = @name";

    private const string InsertSql =
        "INSERT INTO orderactors_grain_state (grain_type, grain_key, state_name, version, payload) VALUES (@type, @key, @name, 1, @payload) " +
        "ON CONFLICT DO NOTHING";

    private const string UpdateSql =
        "UPDATE orderactors_grain_state SET version = version + 1, payload = @payload, updated_at = CURRENT_TIMESTAMP " +
        "WHERE grain_type = @type AND grain_key = @key AND state_name = @name AND version = @expected";

    private readonly string _appendSql = EventLogSql.Append(database);

    public string Name => name;

    public EventPayloadSerializer Events => events;

    public async Task<(TState? State, string? Etag)> ReadAsync<TState>(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var stored = await ReadAsync(connection, null, grainId, stateName, cancellationToken);
        return stored switch
        {
            null => (default, null),
            ({ } version, null) => (default, Etag(version)),
            ({ } version, { } payload) => (stateSerializer.Deserialize<TState>(new BinaryData(payload)), Etag(version)),
        };
    }

    public Task<string> WriteAsync<TState>(GrainId grainId, string stateName, TState state, string? etag, IReadOnlyList<PendingEvent> pending, CancellationToken cancellationToken)
    {
        if (pending.Count > options.MaxEventsPerWrite)
        {
            throw new ArgumentException(
                $"A state write may append at most {options.MaxEventsPerWrite} events (EventLogOptions.MaxEventsPerWrite of '{name}'); {grainId} appended {pending.Count}.",
                nameof(pending));
        }

        var payload = stateSerializer.Serialize(state).ToArray();
        return SwapAsync(grainId, stateName, payload, etag, pending, cancellationToken);
    }

    public async Task<string?> ClearAsync(GrainId grainId, string stateName, string? etag, CancellationToken cancellationToken)
    {
        if (etag is null)
        {
            // Clearing a record never written changes nothing; if one exists, another activation wrote it.
            await using var connection = await database.OpenAsync(cancellationToken);
            var existing = await ReadAsync(connection, null, grainId, stateName, cancellationToken);
            return existing is null ? null : throw Conflict(grainId, stateName, etag, existing.Value.Version);
        }

        return await SwapAsync(grainId, stateName, null, etag, [], cancellationToken);
    }

    private Task<string> SwapAsync(GrainId grainId, string stateName, byte[]? payload, string? etag, IReadOnlyList<PendingEvent> pending, CancellationToken cancellationToken)
        => database.WriteAsync(
            async connection =>
            {
                // Without events the swap is one autocommitted statement; with events, state and events share a transaction.
                await using var transaction = pending.Count == 0 ? null : await connection.BeginTransactionAsync(cancellationToken);
                var version = await SwapAsync(connection, transaction, grainId, stateName, payload, VersionOf(etag), cancellationToken);
                for (var i = 0; i < pending.Count; i++)
                {
                    var e = pending[i];
                    await using var append = SqlDatabase.Command(connection, transaction, _appendSql,
                        ("@index", (long)i), ("@queue", EventLogQueueMapper.QueueOf(e.Stream, options.QueueCount)), ("@ns", e.Namespace), ("@key", e.Key),
                        ("@type", e.EventType), ("@clr", e.ClrType), ("@payload", e.Payload));
                    await append.ExecuteNonQueryAsync(cancellationToken);
                }

                if (transaction is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                }

                return Etag(version)!;
            },
            cancellationToken);

    private static async Task<long> SwapAsync(DbConnection connection, DbTransaction? transaction, GrainId grainId, string stateName, byte[]? payload, long expected, CancellationToken cancellationToken)
    {
        var (type, key) = Columns(grainId);
        await using var command = expected == 0
            ? SqlDatabase.Command(connection, transaction, InsertSql, ("@type", type), ("@key", key), ("@name", stateName), ("@payload", payload))
            : SqlDatabase.Command(connection, transaction, UpdateSql, ("@type", type), ("@key", key), ("@name", stateName), ("@payload", payload), ("@expected", expected));
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return expected + 1;
        }

        var stored = await ReadAsync(connection, transaction, grainId, stateName, cancellationToken);
        throw Conflict(grainId, stateName, Etag(expected), stored?.Version ?? 0);
    }

    private static async Task<(long Version, byte[]? Payload)?> ReadAsync(DbConnection connection, DbTransaction? transaction, GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        var (type, key) = Columns(grainId);
        await using var command = SqlDatabase.Command(connection, transaction, ReadSql, ("@type", type), ("@key", key), ("@name", stateName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1));
    }

    private static (string Type, string Key) Columns(GrainId grainId) => (grainId.Type.ToString()!, grainId.Key.ToString()!);

    private static string? Etag(long version) => version == 0 ? null : version.ToString(CultureInfo.InvariantCulture);

    private static long VersionOf(string? etag)
        => etag is null ? 0 : long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version
            : throw new InconsistentStateException($"ETag '{etag}' is not a version this storage wrote.");

    private static InconsistentStateException Conflict(GrainId grainId, string stateName, string? etag, long storedVersion)
        => new($"State '{stateName}' of {grainId} was written by another activation: this one holds version {etag ?? "none"}, storage holds {storedVersion}.",
            Etag(storedVersion) ?? "none", etag ?? "none");
}
