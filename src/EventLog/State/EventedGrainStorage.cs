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

    private readonly GroupCommit _groupCommit = new(database, options);

    public string Name => name;

    private SqlDatabase Database => database;

    private IGrainStorageSerializer Serializer => stateSerializer;

    public EventPayloadSerializer Events => events;

    /// <summary>
    /// Reads a state: the stored one, or a new instance when there is none (Exists false). Its tables hold their
    /// stored rows, except paged tables, which load rows on demand.
    /// </summary>
    public async Task<(TState State, string? Etag, bool Exists)> ReadAsync<TState>(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (!StateTables.Declared(typeof(TState)))
        {
            var (plain, plainEtag) = Read<TState>(await ReadAsync(connection, null, grainId, stateName, cancellationToken));
            return (plain ?? Activator.CreateInstance<TState>(), plainEtag, plain is not null);
        }

        // Head and rows from one snapshot, so a write committed in between cannot mix two versions.
        await using var transaction = await database.BeginSnapshotAsync(connection, cancellationToken);
        var (state, etag) = Read<TState>(await ReadAsync(connection, transaction, grainId, stateName, cancellationToken));
        if (state is not null)
        {
            var (type, key) = Columns(grainId);
            foreach (var (name, table, paged) in StateTables.Of(state))
            {
                table.Stored = true;
                if (paged is not null)
                {
                    continue; // its rows stay in the database until asked for
                }

                await using var command = SqlDatabase.Command(connection, transaction, EventLogSql.ReadTable,
                    ("@type", type), ("@key", key), ("@name", stateName), ("@table", name));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    table.Load(reader.GetString(0), new BinaryData((byte[])reader.GetValue(1)), stateSerializer);
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);
        var result = state ?? Activator.CreateInstance<TState>();
        Page(grainId, stateName, result);
        return (result, etag, state is not null);
    }

    // Connects the paged tables of a state to their stored rows (again after a write: the state may be a new instance).
    private void Page(GrainId grainId, string stateName, object? state)
    {
        foreach (var (name, table, paged) in StateTables.Of(state))
        {
            if (paged is not null)
            {
                table.Page(new StoredRows(this, grainId, stateName, name), paged.ResidentRows);
            }
        }
    }

    private (TState? State, string? Etag) Read<TState>((long Version, byte[]? Payload)? stored) => stored switch
    {
        null => (default, null),
        ({ } version, null) => (default, Etag(version)),
        ({ } version, { } payload) => (stateSerializer.Deserialize<TState>(new BinaryData(payload)), Etag(version)),
    };

    public Task<string> WriteAsync<TState>(GrainId grainId, string stateName, TState state, string? etag, IReadOnlyList<PendingEvent> pending, CancellationToken cancellationToken)
    {
        if (pending.Count > options.MaxEventsPerWrite)
        {
            throw new ArgumentException(
                $"A state write may append at most {options.MaxEventsPerWrite} events (EventLogOptions.MaxEventsPerWrite of '{name}'); {grainId} appended {pending.Count}.",
                nameof(pending));
        }

        var payload = stateSerializer.Serialize(state).ToArray();
        var tables = StateTables.Of(state);
        if (tables.Count == 0)
        {
            return SwapAsync(grainId, stateName, payload, etag, pending, [], cancellationToken);
        }

        return WriteWithTablesAsync(grainId, stateName, state, payload, etag, pending, tables, cancellationToken);
    }

    // A table the storage never saw replaces its stored rows; any other writes only what changed. What a write
    // committed is forgotten afterwards; after a failed write every change is still there for the next one.
    private async Task<string> WriteWithTablesAsync<TState>(GrainId grainId, string stateName, TState state, byte[] payload, string? etag, IReadOnlyList<PendingEvent> pending,
        IReadOnlyList<(string Name, IStateTable Table, PagedStateTableAttribute? Paged)> tables, CancellationToken cancellationToken)
    {
        var changes = tables.Select(t => new TableChanges(t.Name, Replace: !t.Table.Stored, t.Table.TakeChanges(stateSerializer, all: !t.Table.Stored))).ToArray();
        var written = await SwapAsync(grainId, stateName, payload, etag, pending, changes, cancellationToken);
        Page(grainId, stateName, state);
        for (var i = 0; i < tables.Count; i++)
        {
            tables[i].Table.Stored = true;
            tables[i].Table.Written(changes[i].Rows.Select(r => r.Key));
            tables[i].Table.Trim();
        }

        return written;
    }

    public async Task<string?> ClearAsync<TState>(GrainId grainId, string stateName, string? etag, CancellationToken cancellationToken)
    {
        if (etag is null)
        {
            // Clearing a record never written changes nothing; if one exists, another activation wrote it.
            await using var connection = await database.OpenAsync(cancellationToken);
            var existing = await ReadAsync(connection, null, grainId, stateName, cancellationToken);
            return existing is null ? null : throw Conflict(grainId, stateName, etag, existing.Value.Version);
        }

        // A state with tables loses its rows in the same transaction as its head.
        return await SwapAsync(grainId, stateName, null, etag, [], StateTables.Declared(typeof(TState)) ? [TableChanges.All] : [], cancellationToken);
    }

    private async Task<string> SwapAsync(GrainId grainId, string stateName, byte[]? payload, string? etag, IReadOnlyList<PendingEvent> pending,
        IReadOnlyList<TableChanges> tables, CancellationToken cancellationToken)
    {
        var expected = VersionOf(etag);
        if (options.WriteBatchSize > 1)
        {
            cancellationToken.ThrowIfCancellationRequested(); // once queued, a write is committed whatever the caller does
            var (type, key) = Columns(grainId);
            var version = await _groupCommit.CommitAsync(new StateWrite(type, key, stateName, payload, expected, pending, tables));
            return version > 0 ? Etag(version)! : throw await ConflictAsync(grainId, stateName, expected, cancellationToken);
        }

        return await database.WriteAsync(
            async connection =>
            {
                // Without events or rows the swap is one autocommitted statement; otherwise all of it is one transaction.
                await using var transaction = pending.Count == 0 && tables.Count == 0 ? null : await connection.BeginTransactionAsync(cancellationToken);
                var version = await SwapAsync(connection, transaction, grainId, stateName, payload, expected, cancellationToken);
                var (type, key) = Columns(grainId);
                foreach (var table in tables)
                {
                    await _groupCommit.WriteRowsAsync(connection, transaction!, type, key, stateName, table, cancellationToken);
                }

                if (transaction is not null)
                {
                    await _groupCommit.AppendAsync(connection, transaction, pending, cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }

                return Etag(version)!;
            },
            cancellationToken);
    }

    private async Task<InconsistentStateException> ConflictAsync(GrainId grainId, string stateName, long expected, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var stored = await ReadAsync(connection, null, grainId, stateName, cancellationToken);
        return Conflict(grainId, stateName, Etag(expected), stored?.Version ?? 0);
    }

    private static async Task<long> SwapAsync(DbConnection connection, DbTransaction? transaction, GrainId grainId, string stateName, byte[]? payload, long expected, CancellationToken cancellationToken)
    {
        var (type, key) = Columns(grainId);
        await using var command = expected == 0
            ? SqlDatabase.Command(connection, transaction, EventLogSql.InsertState, ("@type", type), ("@key", key), ("@name", stateName), ("@payload", payload))
            : SqlDatabase.Command(connection, transaction, EventLogSql.UpdateState, ("@type", type), ("@key", key), ("@name", stateName), ("@payload", payload), ("@expected", expected));
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

    /// <summary>The stored rows of one paged table of one grain state.</summary>
    private sealed class StoredRows(EventedGrainStorage storage, GrainId grainId, string stateName, string table) : IStoredRows
    {
        public Task<IReadOnlyList<(string Key, BinaryData Value)>> LoadAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
        {
            var database = storage.Database;
            object rows = database.SingleWriter ? System.Text.Json.JsonSerializer.Serialize(keys) : keys.ToArray();
            return QueryAsync(EventLogSql.ReadRowsByKey(database), cancellationToken, ("@rows", rows));
        }

        public Task<IReadOnlyList<(string Key, BinaryData Value)>> ReadPageAsync(string? after, int limit, bool descending, CancellationToken cancellationToken)
            => QueryAsync(EventLogSql.ReadRowsPage(storage.Database, from: after is not null, descending), cancellationToken, ("@after", after ?? ""), ("@limit", limit));

        public T Deserialize<T>(BinaryData value) => storage.Serializer.Deserialize<T>(value)!;

        private async Task<IReadOnlyList<(string Key, BinaryData Value)>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
        {
            var (type, key) = Columns(grainId);
            await using var connection = await storage.Database.OpenAsync(cancellationToken);
            await using var command = SqlDatabase.Command(connection, null, sql,
                [("@type", type), ("@key", key), ("@name", stateName), ("@table", table), .. parameters]);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<(string, BinaryData)>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), new BinaryData((byte[])reader.GetValue(1))));
            }

            return rows;
        }
    }
}
