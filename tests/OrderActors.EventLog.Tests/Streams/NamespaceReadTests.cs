using System.Data.Common;
using Npgsql;
using OrderActors.EventLog.Sql;
using OrderActors.EventLog.Streams;
using OrderActors.EventLog.Tests.Infrastructure;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.EventLog.Tests.Streams;

/// <summary>
/// <see cref="IEventLogReader.ReadNamespacesAsync"/>: the database returns only the namespaces asked for, and the read
/// says how far it is complete, so that a projection moves past other namespaces' events without reading them, and
/// never past an event that can still appear. Run against real PostgreSQL and real SQLite.
/// </summary>
public abstract class NamespaceReadTests : IAsyncLifetime
{
    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    protected TestDatabase Database { get; private set; } = null!;

    internal EventLogReader Reader { get; private set; } = null!;

    protected string Append { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Database = await CreateDatabaseAsync();
        await OrderActorsSchema.ApplyAsync(Database.Invariant, Database.ConnectionString);
        var database = SqlDatabase.For(Database.Invariant, Database.ConnectionString);
        Reader = new EventLogReader(database);
        Append = EventLogSql.Append(database);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_read_returns_only_its_namespaces_in_order_and_is_complete_through_the_log_head()
    {
        await AppendAllAsync(("a", "a1"), ("b", "b1"), ("c", "c1"), ("a", "a2"), ("b", "b2"), ("c", "c2"), ("c", "c3"));
        var head = await HeadAsync(7);
        var log = await LogTable.EventsAsync(Database);

        var page = await Reader.ReadNamespacesAsync(["a", "b"], 0, 100);

        Assert.Equal(["a1", "b1", "a2", "b2"], page.Entries.Select(e => e.Key));
        Assert.Equal(["a", "b", "a", "b"], page.Entries.Select(e => e.Namespace));
        Assert.Equal(log.Where(e => e.Key[0] != 'c').Select(e => e.Position), page.Entries.Select(e => e.Position));
        Assert.True(head == page.CompleteThrough,
            $"a page that is not full is complete through the log's head {head} (an event of another namespace), not {page.CompleteThrough}");

        var nothingNew = await Reader.ReadNamespacesAsync(["a", "b"], head, 100);
        Assert.Empty(nothingNew.Entries);
        Assert.Equal(head, nothingNew.CompleteThrough);
    }

    [Fact]
    public async Task A_full_page_is_complete_through_its_last_entry_only()
    {
        await AppendAllAsync(("a", "a1"), ("c", "c1"), ("a", "a2"), ("c", "c2"), ("a", "a3"), ("c", "c3"));
        var head = await HeadAsync(6);

        var first = await Reader.ReadNamespacesAsync(["a"], 0, 2);
        Assert.Equal(["a1", "a2"], first.Entries.Select(e => e.Key));
        Assert.True(first.Entries[^1].Position == first.CompleteThrough,
            $"a full page is complete through its last entry {first.Entries[^1].Position}, not {first.CompleteThrough}: more may match past it");

        var second = await Reader.ReadNamespacesAsync(["a"], first.CompleteThrough, 2);
        Assert.Equal(["a3"], second.Entries.Select(e => e.Key));
        Assert.Equal(head, second.CompleteThrough);
    }

    protected async Task<long> AppendAsync(string streamNamespace, string key, DbConnection? connection = null, DbTransaction? transaction = null)
    {
        (string, object?)[] parameters =
            [("@index", 0L), ("@queue", 0), ("@ns", streamNamespace), ("@key", key), ("@type", "test.appended"), ("@clr", "test"), ("@payload", "{}"u8.ToArray())];
        if (connection is null)
        {
            await LogTable.ExecuteAsync(Database, Append, parameters);
            return (await LogTable.EventsAsync(Database, key)).Single().Position;
        }

        await using (var insert = SqlDatabase.Command(connection, transaction, Append, parameters))
        {
            await insert.ExecuteNonQueryAsync();
        }

        // The transaction sees its own event, which no one else does yet.
        await using var position = SqlDatabase.Command(connection, transaction, "SELECT global_position FROM orderactors_events WHERE stream_key = @key", ("@key", key));
        return (long)(await position.ExecuteScalarAsync())!;
    }

    protected async Task AppendAllAsync(params (string Namespace, string Key)[] events)
    {
        foreach (var (streamNamespace, key) in events)
        {
            await AppendAsync(streamNamespace, key);
        }
    }

    // Waits until a reader sees all `count` events of the log (on PostgreSQL, until the horizon has passed them all),
    // and answers the highest position.
    protected async Task<long> HeadAsync(int count)
        => (await Eventually.HoldsAsync(() => Reader.ReadAllAsync(0, 1000), all => all.Count == count, $"every one of {count} events to be readable"))[^1].Position;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlNamespaceReadTests(PostgresServer server) : NamespaceReadTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgreSqlAsync(server);

    [Fact]
    public async Task A_transaction_held_open_keeps_the_read_complete_only_below_its_event()
    {
        var first = await AppendAsync("a", "a1");
        await HeadAsync(1);

        // The held transaction takes its id (and so its position) first; events of other namespaces commit after it.
        await using var held = new NpgsqlConnection(Database.ConnectionString);
        await held.OpenAsync();
        await using var heldTransaction = await held.BeginTransactionAsync();
        var heldPosition = await AppendAsync("a", "held", held, heldTransaction);
        await AppendAllAsync(("b", "b1"), ("c", "c1"));
        var last = (await LogTable.EventsAsync(Database, "c1")).Single().Position;
        Assert.True(heldPosition < last, "the held transaction's event sorts before the ones committed after it");

        var ours = await Reader.ReadNamespacesAsync(["a"], 0, 100);
        Assert.Equal(["a1"], ours.Entries.Select(e => e.Key));
        Assert.True(ours.CompleteThrough < heldPosition,
            $"while the transaction is open the read is complete only below its event at {heldPosition}, not through {ours.CompleteThrough}");
        Assert.Equal(first, ours.CompleteThrough);

        var theirs = await Reader.ReadNamespacesAsync(["b", "c"], 0, 100);
        Assert.Empty(theirs.Entries); // committed, but above the horizon the open transaction holds
        Assert.True(theirs.CompleteThrough < heldPosition, $"the other namespaces' read is complete below {heldPosition}, not through {theirs.CompleteThrough}");

        await heldTransaction.CommitAsync();
        var after = await Eventually.HoldsAsync(() => Reader.ReadNamespacesAsync(["a"], ours.CompleteThrough, 100),
            page => page.CompleteThrough == last, $"the read to be complete through the log's head {last} once the transaction committed");
        Assert.Equal(["held"], after.Entries.Select(e => e.Key));
        Assert.Equal(heldPosition, after.Entries[0].Position);
    }
}

public sealed class SqliteNamespaceReadTests : NamespaceReadTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());
}
