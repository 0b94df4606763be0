using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OrderActors.EventLog.Sql;

/// <summary>
/// One database the extensions talk to, PostgreSQL or SQLite: how to open a connection, how to serialize writers,
/// and which folder of schema scripts applies. Everything else is shared ADO.NET code.
/// </summary>
internal abstract class SqlDatabase
{
    /// <summary>The folder of the embedded schema scripts, <c>postgresql</c> or <c>sqlite</c>.</summary>
    public abstract string Dialect { get; }

    /// <summary>Whether the database has a single writer (SQLite), so positions taken inside a write commit in order.</summary>
    public abstract bool SingleWriter { get; }

    /// <summary>Opens a pooled connection.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs a write on its own connection, one at a time where the database has a single writer anyway.</summary>
    public abstract Task<T> WriteAsync<T>(Func<DbConnection, Task<T>> write, CancellationToken cancellationToken = default);

    /// <summary>Begins a read-only transaction whose statements all see one snapshot.</summary>
    public abstract ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken = default);

    /// <summary>Runs inside the schema transaction first, so that concurrent silos apply scripts one after another.</summary>
    public abstract Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default);

    private static readonly ConcurrentDictionary<(string Invariant, string ConnectionString), SqlDatabase> Databases = new();

    /// <summary>
    /// The database for an ADO.NET invariant and connection string; one instance per pair in the process, so that
    /// every SQLite writer of a file queues on the same lock.
    /// </summary>
    public static SqlDatabase For(string invariant, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var dialect = AdoNetInvariants.DialectOf(invariant);
        return Databases.GetOrAdd((dialect, connectionString), key => key.Invariant switch
        {
            AdoNetInvariants.PostgreSqlDialect => new PostgreSqlDatabase(key.ConnectionString),
            _ => new SqliteDatabase(key.ConnectionString),
        });
    }

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
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

/// <summary>How OrderActors opens PostgreSQL connections, for its own statements and for Orleans' ADO.NET providers.</summary>
public static class PostgreSqlConnections
{
    /// <summary>
    /// The connection string with two Npgsql settings the hot paths need: <c>No Reset On Close</c> (the statements
    /// leave no session state behind, so the <c>DISCARD ALL</c> a returned connection would run is a wasted round
    /// trip per pooled open) and, unless set, <c>Max Auto Prepare=64</c> (the same few statements run thousands of
    /// times a second: PostgreSQL parses and plans each once per connection instead of every time).
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    public static string Tune(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }

        return builder.ConnectionString;
    }
}

/// <summary>The ADO.NET invariant names the extensions accept, as Orleans' ADO.NET providers spell them.</summary>
public static class AdoNetInvariants
{
    /// <summary>PostgreSQL through Npgsql.</summary>
    public const string PostgreSql = "Npgsql";

    /// <summary>
    /// SQLite. Orleans' ADO.NET providers know SQLite by this invariant and load Microsoft.Data.Sqlite for it; the
    /// extensions accept it and <c>Microsoft.Data.Sqlite</c> alike.
    /// </summary>
    public const string Sqlite = "System.Data.SQLite";

    internal const string PostgreSqlDialect = "postgresql";
    internal const string SqliteDialect = "sqlite";

    internal static string DialectOf(string invariant) => invariant switch
    {
        PostgreSql => PostgreSqlDialect,
        Sqlite or "Microsoft.Data.Sqlite" => SqliteDialect,
        _ => throw new ArgumentException(
            $"ADO.NET invariant '{invariant}' is not supported: use '{PostgreSql}' (PostgreSQL) or '{Sqlite}' (SQLite).", nameof(invariant)),
    };
}

internal sealed class PostgreSqlDatabase(string connectionString) : SqlDatabase
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(PostgreSqlConnections.Tune(connectionString));

    public override string Dialect => AdoNetInvariants.PostgreSqlDialect;

    public override bool SingleWriter => false;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
        => await _dataSource.OpenConnectionAsync(cancellationToken);

    public override async Task<T> WriteAsync<T>(Func<DbConnection, Task<T>> write, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await write(connection);
    }

    public override ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken = default)
        => connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

    public override async Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        // A fixed advisory lock key: every silo applying the schema at once waits for the first to finish.
        await using var command = Command(connection, transaction, "SELECT pg_advisory_xact_lock(7286153011)");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <remarks>
/// SQLite has one writer at a time; writers queue on a semaphore here instead of spinning on SQLITE_BUSY. The
/// database runs in WAL mode with synchronous=FULL, so an acknowledged write survives a process kill and a power cut.
/// </remarks>
internal sealed class SqliteDatabase : SqlDatabase
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writer = new(1, 1);

    public SqliteDatabase(string connectionString)
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

    public override string Dialect => AdoNetInvariants.SqliteDialect;

    public override bool SingleWriter => true;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = Command(connection, null, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;");
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async Task<T> WriteAsync<T>(Func<DbConnection, Task<T>> write, CancellationToken cancellationToken = default)
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

    // Deferred: a reader takes no write lock; in WAL mode its first read fixes the snapshot the rest see.
    public override ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    public override Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default)
        => Task.CompletedTask; // BEGIN on Microsoft.Data.Sqlite is IMMEDIATE: the transaction already holds the write lock
}
