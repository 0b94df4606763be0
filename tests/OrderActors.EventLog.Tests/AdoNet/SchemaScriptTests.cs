using OrderActors.EventLog.Sql;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.EventLog.Tests.AdoNet;

/// <summary>
/// Our scripts for Orleans' ADO.NET providers (010 onwards) apply once through <see cref="OrderActorsSchema"/>, again
/// as a no-op, and again by hand (a DBA re-running a file), leaving exactly the query rows the providers need.
/// </summary>
public abstract class SchemaScriptContract
{
    protected abstract Task<AdoNetDatabase> CreateDatabaseAsync();

    protected abstract string[] ExpectedKeys { get; }

    private static IEnumerable<SchemaScript> OrleansScripts(AdoNetDatabase database)
        => OrderActorsSchema.Scripts(database.Invariant).Where(s => string.CompareOrdinal(s.Name, "010") >= 0);

    [Fact]
    public async Task The_Orleans_scripts_are_embedded_in_order()
    {
        var database = await CreateDatabaseAsync();
        var names = OrleansScripts(database).Select(s => s.Name).ToArray();
        Assert.Contains("010_orleans_queries.sql", names);
        Assert.Equal("010_orleans_queries.sql", names[0]);
        Assert.Contains("011_orleans_persistence.sql", names);
        Assert.Contains("012_orleans_reminders.sql", names);
    }

    [Fact]
    public async Task Applying_twice_and_rerunning_each_script_by_hand_leaves_one_row_per_query_key()
    {
        var database = await CreateDatabaseAsync(); // applied once
        await OrderActorsSchema.ApplyAsync(database.Invariant, database.ConnectionString);

        foreach (var script in OrleansScripts(database))
        {
            await AdoNetSql.ExecuteAsync(database, script.Text);
            await AdoNetSql.ExecuteAsync(database, script.Text);
        }

        // querykey is the primary key: a re-run that inserted instead of upserting would have failed above.
        var rows = (await AdoNetSql.QueryAsync(database, "SELECT querykey, querytext FROM orleansquery"))
            .ToDictionary(r => r[0]!, r => r[1]!, StringComparer.Ordinal);
        Assert.All(ExpectedKeys, key => Assert.InRange(Assert.Contains(key, rows).Length, 20, 8000));

        var recorded = await AdoNetSql.QueryAsync(database, "SELECT name FROM orderactors_schema_scripts");
        Assert.All(OrleansScripts(database), s => Assert.Contains(recorded, r => r[0] == s.Name));
    }

    [Fact]
    public async Task Rerunning_a_script_restores_an_edited_query_text()
    {
        var database = await CreateDatabaseAsync();
        await AdoNetSql.ExecuteAsync(database, "UPDATE orleansquery SET querytext = 'SELECT 1' WHERE querykey = 'WriteToStorageKey'");

        await AdoNetSql.ExecuteAsync(database, OrleansScripts(database).Single(s => s.Name == "011_orleans_persistence.sql").Text);

        var text = (await AdoNetSql.QueryAsync(database, "SELECT querytext FROM orleansquery WHERE querykey = 'WriteToStorageKey'")).Single()[0];
        Assert.Contains("NewGrainStateVersion", text, StringComparison.Ordinal);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaScriptTests(PostgresServer server) : SchemaScriptContract
{
    protected override Task<AdoNetDatabase> CreateDatabaseAsync() => AdoNetDatabase.PostgreSqlAsync(server);

    protected override string[] ExpectedKeys => [.. AdoNetSql.PersistenceKeys, .. AdoNetSql.ReminderKeys, .. AdoNetSql.ClusteringKeys];

    [Fact]
    public void PostgreSQL_has_the_clustering_script()
        => Assert.Contains(OrderActorsSchema.Scripts(AdoNetInvariants.PostgreSql), s => s.Name == "013_orleans_clustering.sql");
}

public sealed class SqliteSchemaScriptTests : SchemaScriptContract, IDisposable
{
    private readonly SqliteFile _file = new();

    protected override Task<AdoNetDatabase> CreateDatabaseAsync() => AdoNetDatabase.SqliteAsync(_file);

    // The embedded host on SQLite uses localhost clustering: no membership queries.
    protected override string[] ExpectedKeys => [.. AdoNetSql.PersistenceKeys, .. AdoNetSql.ReminderKeys];

    public void Dispose() => _file.Dispose();
}
