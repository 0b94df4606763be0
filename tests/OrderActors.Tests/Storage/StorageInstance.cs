using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OrderActors.Runtime;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Reminders;

namespace OrderActors.Tests.Storage;

/// <summary>
/// One storage provider opened the way <c>AddOrderActorsSilo</c> opens it: grain storage, its schema initializer
/// and the reminder table, sharing one dialect (connection pool) for the SQL providers.
/// </summary>
public sealed class StorageInstance : IAsyncDisposable
{
    private readonly SqlDialect? _dialect;

    private StorageInstance(IGrainStorage storage, IStorageInitializer initializer, IReminderTable reminders, SqlDialect? dialect)
    {
        Storage = storage;
        Initializer = initializer;
        Reminders = reminders;
        _dialect = dialect;
    }

    public IGrainStorage Storage { get; }

    public IStorageInitializer Initializer { get; }

    public IReminderTable Reminders { get; }

    /// <summary>The stream reader over the same storage.</summary>
    public IStreamReader Streams => (IStreamReader)Storage;

    /// <summary>The dialect's SQL for appending one event (for tests that hold a transaction open by hand).</summary>
    public string AppendEventSql => _dialect?.AppendEventSql ?? throw new InvalidOperationException("Memory storage has no SQL.");

    /// <summary>The embedded schema scripts of this provider (none for memory).</summary>
    public int SchemaScriptCount => _dialect is null ? 0 : SchemaMigrator.Scripts(_dialect.Name).Count;

    public static StorageInstance Memory()
    {
        var storage = new MemoryGrainStorage();
        return new StorageInstance(storage, storage, new MemoryReminderTable(), null);
    }

    public static StorageInstance Sqlite(string connectionString) => Sql(new SqliteDialect(connectionString));

    public static StorageInstance PostgreSql(string connectionString) => Sql(new PostgreSqlDialect(connectionString));

    /// <summary>A connection string to a new SQLite file in the temp folder.</summary>
    public static string NewSqliteFile(out string path)
    {
        path = Path.Combine(Path.GetTempPath(), $"orderactors-storage-{Guid.NewGuid():N}.db");
        return $"Data Source={path}";
    }

    /// <summary>Deletes a SQLite file made by <see cref="NewSqliteFile"/>, with its WAL files.</summary>
    public static void DeleteSqliteFile(string path)
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }

    /// <summary>Runs a query straight on the database and returns the first column of the first row.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        if (_dialect is null)
        {
            throw new InvalidOperationException("Memory storage has no database to query.");
        }

        await using var connection = await _dialect.OpenAsync(CancellationToken.None);
        await using var command = SqlDialect.Command(connection, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync() => _dialect?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static StorageInstance Sql(SqlDialect dialect)
    {
        var storage = new AdoNetGrainStorage(dialect, NullLogger<AdoNetGrainStorage>.Instance);
        return new StorageInstance(storage, storage, new AdoNetReminderTable(dialect), dialect);
    }
}
