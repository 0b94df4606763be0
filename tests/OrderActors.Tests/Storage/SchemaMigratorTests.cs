using System.Text;
using OrderActors.Runtime;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Storage;

/// <summary>
/// The schema migrator of the SQL providers: silos call <c>InitializeAsync</c> at every start, several at once
/// in a cluster, so it must be repeatable and safe to run concurrently on one database.
/// </summary>
public abstract class SchemaMigratorTests : IAsyncLifetime
{
    private readonly List<StorageInstance> _opened = [];

    /// <summary>A connection string to a new, empty database.</summary>
    protected abstract Task<string> NewDatabaseAsync();

    /// <summary>Opens the provider on a database (its own connection pool every time).</summary>
    protected abstract StorageInstance OpenProvider(string connectionString);

    private StorageInstance Open(string connectionString)
    {
        var instance = OpenProvider(connectionString);
        _opened.Add(instance);
        return instance;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var instance in _opened)
        {
            await instance.DisposeAsync();
        }
    }

    [Fact]
    public async Task Initializing_twice_is_safe_and_keeps_the_data()
    {
        var database = await NewDatabaseAsync();
        var first = Open(database);
        await first.Initializer.InitializeAsync();
        var id = new GrainId("order", "kept");
        await first.Storage.WriteAsync(id, "order", Encoding.UTF8.GetBytes("{}"), 0);

        await first.Initializer.InitializeAsync();
        var second = Open(database);
        await second.Initializer.InitializeAsync();

        Assert.Equal(1, (await second.Storage.ReadAsync(id, "order"))!.Version);
        Assert.Equal(first.SchemaScriptCount, await second.ScalarAsync("SELECT COUNT(*) FROM orderactors_schema"));
        Assert.True(first.SchemaScriptCount > 0);
    }

    [Fact]
    public async Task Concurrent_initialization_of_one_database_from_several_instances_is_safe()
    {
        for (var round = 0; round < 3; round++)
        {
            var database = await NewDatabaseAsync();
            var instances = Enumerable.Range(0, 3).Select(_ => Open(database)).ToArray();
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var initializations = instances.Select(i => Task.Run(async () =>
            {
                await start.Task;
                await i.Initializer.InitializeAsync();
            })).ToArray();
            start.SetResult();
            await Task.WhenAll(initializations);

            Assert.Equal(instances[0].SchemaScriptCount, await instances[0].ScalarAsync("SELECT COUNT(*) FROM orderactors_schema"));

            // Every instance works on the one schema.
            var id = new GrainId("order", $"round-{round}");
            var version = 0L;
            foreach (var instance in instances)
            {
                version = await instance.Storage.WriteAsync(id, "order", Encoding.UTF8.GetBytes("{}"), version);
            }

            Assert.Equal(instances.Length, (await instances[^1].Storage.ReadAsync(id, "order"))!.Version);
        }
    }
}

public sealed class SqliteSchemaMigratorTests : SchemaMigratorTests
{
    private readonly List<string> _files = [];

    protected override Task<string> NewDatabaseAsync()
    {
        var connectionString = StorageInstance.NewSqliteFile(out var file);
        _files.Add(file);
        return Task.FromResult(connectionString);
    }

    protected override StorageInstance OpenProvider(string connectionString) => StorageInstance.Sqlite(connectionString);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var file in _files)
        {
            StorageInstance.DeleteSqliteFile(file);
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlSchemaMigratorTests(PostgresServer server) : SchemaMigratorTests
{
    protected override Task<string> NewDatabaseAsync() => server.CreateDatabaseAsync();

    protected override StorageInstance OpenProvider(string connectionString) => StorageInstance.PostgreSql(connectionString);
}
