using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Persistence;

/// <summary>
/// Grain storage on PostgreSQL or SQLite through ADO.NET: one table, <c>grain_state</c>, keyed by
/// (grain type, grain key, state name), with a version column for compare-and-swap.
/// </summary>
internal sealed class AdoNetGrainStorage(SqlDialect dialect, ILogger<AdoNetGrainStorage> logger) : IGrainStorage, IStorageInitializer, IStreamReader
{
    private const string ReadSql =
        "SELECT version, payload FROM grain_state WHERE grain_type = @type AND grain_key = @key AND state_name = @name";

    private const string InsertSql =
        "INSERT INTO grain_state (grain_type, grain_key, state_name, version, payload) VALUES (@type, @key, @name, 1, @payload) " +
        "ON CONFLICT DO NOTHING";

    private readonly string _updateSql =
        $"UPDATE grain_state SET version = version + 1, payload = @payload, updated_at = {dialect.Now} " +
        "WHERE grain_type = @type AND grain_key = @key AND state_name = @name AND version = @expected";


    public async Task<StoredGrainState?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        return await ReadAsync(connection, null, grainId, stateName, cancellationToken);
    }

    public Task<long> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, long expectedVersion, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken = default)
        => SwapAsync(grainId, stateName, payload.ToArray(), expectedVersion, events, cancellationToken);

    public Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, CancellationToken cancellationToken = default)
        => SwapAsync(grainId, stateName, null, expectedVersion, [], cancellationToken);

    // A write without events is one autocommitted statement; with events, the state and the events share a transaction.
    private Task<long> SwapAsync(GrainId grainId, string stateName, byte[]? payload, long expectedVersion, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count > MaxEventsPerWrite)
        {
            throw new ArgumentException($"A state write may append at most {MaxEventsPerWrite} events; {grainId} appended {events.Count}.", nameof(events));
        }

        return dialect.WriteAsync(
            async connection =>
            {
                await using var transaction = events.Count == 0 ? null : await connection.BeginTransactionAsync(cancellationToken);
                var version = await SwapAsync(connection, transaction, grainId, stateName, payload, expectedVersion, cancellationToken);
                for (var i = 0; i < events.Count; i++)
                {
                    var pending = events[i];
                    await using var append = SqlDialect.Command(connection, dialect.AppendEventSql,
                        ("@index", (long)i), ("@ns", pending.Stream.Namespace), ("@key", pending.Stream.Key), ("@type", pending.Type), ("@payload", pending.Payload));
                    append.Transaction = transaction;
                    await append.ExecuteNonQueryAsync(cancellationToken);
                }

                if (transaction is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                }

                return version;
            },
            cancellationToken);
    }

    /// <summary>At most this many events per state write (the PostgreSQL position leaves 16 bits for them).</summary>
    public const int MaxEventsPerWrite = 65_536;

    private async Task<long> SwapAsync(DbConnection connection, DbTransaction? transaction, GrainId grainId, string stateName, byte[]? payload, long expectedVersion, CancellationToken cancellationToken)
    {
        int affected;
        if (expectedVersion == 0)
        {
            if (payload is null)
            {
                // Clearing a record that never existed changes nothing; if one exists, someone else wrote it.
                var existing = await ReadAsync(connection, transaction, grainId, stateName, cancellationToken);
                return existing is null
                    ? 0L
                    : throw StorageConflict.Create(grainId, stateName, expectedVersion, existing.Version);
            }

            await using var insert = SqlDialect.Command(connection, InsertSql,
                ("@type", grainId.Type), ("@key", grainId.Key), ("@name", stateName), ("@payload", payload));
            insert.Transaction = transaction;
            affected = await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        else
        {
            await using var update = SqlDialect.Command(connection, _updateSql,
                ("@type", grainId.Type), ("@key", grainId.Key), ("@name", stateName), ("@payload", payload), ("@expected", expectedVersion));
            update.Transaction = transaction;
            affected = await update.ExecuteNonQueryAsync(cancellationToken);
        }

        if (affected == 1)
        {
            return expectedVersion + 1;
        }

        var stored = await ReadAsync(connection, transaction, grainId, stateName, cancellationToken);
        throw StorageConflict.Create(grainId, stateName, expectedVersion, stored?.Version ?? 0);
    }

    public async Task<IReadOnlyList<StreamEvent>> ReadAllAsync(long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = SqlDialect.Command(connection, dialect.ReadAllEventsSql, ("@after", afterPosition), ("@limit", (long)limit));
        return await ReadEventsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<StreamEvent>> ReadStreamAsync(StreamId stream, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = SqlDialect.Command(connection, dialect.ReadStreamEventsSql,
            ("@ns", stream.Namespace), ("@key", stream.Key), ("@after", afterSequence), ("@limit", (long)limit));
        return await ReadEventsAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<StreamEvent>> ReadEventsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var events = new List<StreamEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var createdAt = reader.GetValue(6) switch
            {
                DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
                string text => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
                var other => throw new InvalidOperationException($"Unexpected created_at value {other}."),
            };
            events.Add(new StreamEvent(reader.GetInt64(0), new StreamId(reader.GetString(1), reader.GetString(2)), reader.GetInt64(3),
                reader.GetString(4), (byte[])reader.GetValue(5), createdAt));
        }

        return events;
    }

    private static async Task<StoredGrainState?> ReadAsync(DbConnection connection, DbTransaction? transaction, GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        await using var command = SqlDialect.Command(connection, ReadSql, ("@type", grainId.Type), ("@key", grainId.Key), ("@name", stateName));
        command.Transaction = transaction;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredGrainState(reader.GetInt64(0), reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1));
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => SchemaMigrator.MigrateAsync(dialect, logger, cancellationToken);

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dialect.OpenAsync(cancellationToken);
            await using var command = SqlDialect.Command(connection, "SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (DbException ex)
        {
            logger.LogWarning(ex, "Storage health check failed.");
            return false;
        }
    }
}

/// <summary>
/// Applies the embedded <c>Persistence/Sql/{dialect}/NNN_name.sql</c> scripts that have not run yet, in order,
/// in one transaction, recording each in <c>orderactors_schema</c>.
/// </summary>
internal static class SchemaMigrator
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts(string dialect)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var prefix = $"OrderActors.Sql.{dialect}";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[(n.LastIndexOfAny(['/', '\\']) + 1)..];
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return (Version: int.Parse(file[..3], System.Globalization.CultureInfo.InvariantCulture), Name: file, Sql: reader.ReadToEnd());
            })
            .OrderBy(s => s.Version)
            .ToArray();
    }

    public static async Task MigrateAsync(SqlDialect dialect, ILogger logger, CancellationToken cancellationToken)
    {
        await dialect.WriteAsync(
            async connection =>
            {
                if (dialect is SqliteDialect)
                {
                    await using var wal = SqlDialect.Command(connection, "PRAGMA journal_mode=WAL");
                    await wal.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await dialect.LockSchemaAsync(connection, transaction, cancellationToken);
                await ExecuteAsync(connection, transaction,
                    "CREATE TABLE IF NOT EXISTS orderactors_schema (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)",
                    cancellationToken);

                var applied = new HashSet<int>();
                await using (var query = SqlDialect.Command(connection, "SELECT version FROM orderactors_schema"))
                {
                    query.Transaction = transaction;
                    await using var reader = await query.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        applied.Add(reader.GetInt32(0));
                    }
                }

                foreach (var (version, name, sql) in Scripts(dialect.Name).Where(s => !applied.Contains(s.Version)))
                {
                    logger.LogInformation("Applying schema script {Script} ({Dialect}).", name, dialect.Name);
                    await ExecuteAsync(connection, transaction, sql, cancellationToken);
                    await using var record = SqlDialect.Command(connection,
                        "INSERT INTO orderactors_schema (version, name, applied_at) VALUES (@version, @name, @at)",
                        ("@version", version), ("@name", name), ("@at", DateTimeOffset.UtcNow.ToString("O")));
                    record.Transaction = transaction;
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                return 0;
            },
            cancellationToken);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = SqlDialect.Command(connection, sql);
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
