using Microsoft.Data.Sqlite;

namespace OrderActors.Tests.Infrastructure;

/// <summary>
/// A fresh SQLite file for a test cluster: state, events and reminders, as a silo of one machine keeps them. Several
/// clusters started one after another on the same database see each other's state, as a restarted process does.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string _directory;

    public TestDatabase()
    {
        _directory = Directory.CreateTempSubdirectory("oa-grains-").FullName;
        File = Path.Combine(_directory, "orderactors.db");
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = File }.ConnectionString;
    }

    public string File { get; }

    public string ConnectionString { get; }

    /// <summary>Runs SQL on the database, as an operator (or a crashed process) would, beside the silos.</summary>
    public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Reads one value, or null if there is no row.</summary>
    public async Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        // Pooling off: no connection of the test's outlives the call, so deleting the file leaves nothing open.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false, DefaultTimeout = 30 }.ConnectionString);
        await connection.OpenAsync();
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout=30000";
        await pragma.ExecuteNonQueryAsync();
        return connection;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A pooled connection of a silo may still hold the file; the temp folder is cleaned up eventually.
        }
    }
}
