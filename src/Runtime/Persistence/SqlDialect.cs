using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OrderActors.Runtime.Persistence;

/// <summary>What differs between the two SQL databases; everything else is shared ADO.NET code.</summary>
internal abstract class SqlDialect : IAsyncDisposable
{
    /// <summary>Folder of the embedded schema scripts.</summary>
    public abstract string Name { get; }

    /// <summary>SQL for "the current time" in an UPDATE.</summary>
    public abstract string Now { get; }

    /// <summary>Appends one event (parameters @index within the write, @ns, @key, @type, @payload) inside the write's transaction.</summary>
    public abstract string AppendEventSql { get; }

    /// <summary>Events after @after in position order (up to @limit), never past an event a later commit could precede.</summary>
    public abstract string ReadAllEventsSql { get; }

    /// <summary>Events of stream (@ns, @key) after sequence @after (up to @limit).</summary>
    public abstract string ReadStreamEventsSql { get; }

    /// <summary>The highest position a tailing reader may start after without ever missing a later commit.</summary>
    public abstract string LastPositionSql { get; }

    /// <summary>The highest sequence of stream (@ns, @key) that readers can see.</summary>
    public abstract string LastSequenceSql { get; }

    protected const string EventColumns = "global_position, stream_namespace, stream_key, sequence, event_type, payload, created_at";

    protected const string NextSequence =
        "COALESCE((SELECT max(sequence) FROM stream_events WHERE stream_namespace = @ns AND stream_key = @key), 0) + 1";

    /// <summary>Opens a pooled connection.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs a write, one at a time where the database has a single writer anyway.</summary>
    public abstract Task<T> WriteAsync<T>(Func<DbConnection, Task<T>> write, CancellationToken cancellationToken);

    /// <summary>Runs before migrations, inside their transaction, so that concurrent silos migrate one after another.</summary>
    public abstract Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}

internal sealed class PostgreSqlDialect(string connectionString) : SqlDialect
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override string Name => "postgresql";

    public override string Now => "now()";

    // Positions follow transaction ids (see 002_streams.sql); readers stop below the oldest running transaction.
    public override string AppendEventSql =>
        "INSERT INTO stream_events (global_position, stream_namespace, stream_key, sequence, event_type, payload) " +
        $"VALUES (pg_current_xact_id()::text::bigint * 65536 + @index, @ns, @key, {NextSequence}, @type, @payload)";

    private const string Horizon = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint * 65536";

    public override string ReadAllEventsSql =>
        $"SELECT {EventColumns} FROM stream_events WHERE global_position > @after AND global_position < {Horizon} ORDER BY global_position LIMIT @limit";

    public override string ReadStreamEventsSql =>
        $"SELECT {EventColumns} FROM stream_events WHERE stream_namespace = @ns AND stream_key = @key AND sequence > @after " +
        $"AND global_position < {Horizon} ORDER BY sequence LIMIT @limit";

    public override string LastPositionSql => $"SELECT COALESCE(max(global_position), 0) FROM stream_events WHERE global_position < {Horizon}";

    public override string LastSequenceSql =>
        $"SELECT COALESCE(max(sequence), 0) FROM stream_events WHERE stream_namespace = @ns AND stream_key = @key AND global_position < {Horizon}";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
        => await _dataSource.OpenConnectionAsync(cancellationToken);

    public override async Task<T> WriteAsync<T>(Func<DbConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await write(connection);
    }

    public override async Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "SELECT pg_advisory_xact_lock(7286153011)");
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

/// <remarks>
/// SQLite has one writer at a time; writers queue on a semaphore here instead of spinning on SQLITE_BUSY.
/// The database runs in WAL mode with synchronous=FULL, so an acknowledged write survives a process kill
/// and a power cut.
/// </remarks>
internal sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writer = new(1, 1);

    public SqliteDialect(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true, DefaultTimeout = 30 };
        if (builder.DataSource is { Length: > 0 } file && builder.Mode != SqliteOpenMode.Memory && file != ":memory:")
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        _connectionString = builder.ToString();
    }

    public override string Name => "sqlite";

    public override string Now => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

    // One writer at a time: a position taken inside a write transaction commits before any larger one.
    public override string AppendEventSql =>
        "INSERT INTO stream_events (global_position, stream_namespace, stream_key, sequence, event_type, payload) " +
        $"VALUES (COALESCE((SELECT max(global_position) FROM stream_events), 0) + 1, @ns, @key, {NextSequence}, @type, @payload)";

    public override string ReadAllEventsSql =>
        $"SELECT {EventColumns} FROM stream_events WHERE global_position > @after ORDER BY global_position LIMIT @limit";

    public override string ReadStreamEventsSql =>
        $"SELECT {EventColumns} FROM stream_events WHERE stream_namespace = @ns AND stream_key = @key AND sequence > @after ORDER BY sequence LIMIT @limit";

    public override string LastPositionSql => "SELECT COALESCE(max(global_position), 0) FROM stream_events";

    public override string LastSequenceSql =>
        "SELECT COALESCE(max(sequence), 0) FROM stream_events WHERE stream_namespace = @ns AND stream_key = @key";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = Command(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;");
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async Task<T> WriteAsync<T>(Func<DbConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await write(connection);
        }
        finally
        {
            _writer.Release();
        }
    }

    public override async Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        // BeginTransaction on SQLite is IMMEDIATE: it already holds the write lock.
        await Task.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        _writer.Dispose();
        return ValueTask.CompletedTask;
    }
}
