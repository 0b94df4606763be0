using OrderActors.EventLog.Tests.Infrastructure;
using OrderActors.Tests.Infrastructure;
using Orleans.Runtime;

namespace OrderActors.EventLog.Tests.Streams;

/// <summary>
/// <see cref="NamespaceProjectionGrain{TModel}"/> reads only its namespaces, yet its position follows the whole log:
/// callers wait for it to reach the log's head. A failing event parks it before that event. Run against real
/// PostgreSQL and real SQLite.
/// </summary>
public abstract class NamespaceProjectionTests : ClusterTestBase
{
    [Fact]
    public async Task A_projection_reaches_the_log_head_when_the_last_events_are_of_other_namespaces()
    {
        await ProduceAsync(TestNames.LedgerNamespace, "reach-ledger", "l1", "l2");
        await ProduceAsync("other", "reach-other", "o1", "o2", "o3");
        var log = await LogTable.EventsAsync(Database);
        var projection = Cluster.Client.GetGrain<ILedgerProjectionGrain>(EventLogStreamIdMappers.SingleGrainKey);

        var status = await Eventually.HoldsAsync(projection.GetStatusAsync, s => s.Position == log[^1].Position,
            $"the projection's position to reach the log's head {log[^1].Position}, the last event of another namespace");
        Assert.Equal(log.Last(e => e.Key == "reach-ledger").Position, status.Checkpoint);
        Assert.Equal(["l1", "l2"], await projection.GetTextsAsync());
    }

    [Fact]
    public async Task A_failing_event_parks_the_projection_before_it_and_a_skip_moves_on_to_the_head()
    {
        LedgerProjectionGrain.Failing["poison-park"] = true;
        await ProduceAsync(TestNames.LedgerNamespace, "park-ledger", "p1");
        await ProduceAsync("other", "park-other", "o1");
        await ProduceAsync(TestNames.LedgerNamespace, "park-ledger", "poison-park");
        await ProduceAsync("other", "park-other", "o2");
        var log = await LogTable.EventsAsync(Database);
        var projection = Cluster.Client.GetGrain<ILedgerProjectionGrain>(EventLogStreamIdMappers.SingleGrainKey);

        var parked = await Eventually.HoldsAsync(projection.GetStatusAsync, s => s.Parked is not null, "the projection to park");
        var poison = log.Single(e => e.Key == "park-ledger" && e.Sequence == 2).Position;
        Assert.Equal(poison, parked.Parked!.Position);
        Assert.Equal(log.Single(e => e.Key == "park-ledger" && e.Sequence == 1).Position, parked.Checkpoint);
        Assert.True(parked.Position < poison, $"a parked projection stays below the failing event at {poison}, not at {parked.Position}");
        Assert.Equal(["p1"], await projection.GetTextsAsync());

        await projection.SkipAsync("bad data");
        var skipped = await Eventually.HoldsAsync(projection.GetStatusAsync, s => s.Position == log[^1].Position,
            $"the projection to move on to the log's head {log[^1].Position} after the skip");
        Assert.Equal(poison, skipped.Checkpoint);
        Assert.Equal(["p1"], await projection.GetTextsAsync());
    }

    private async Task ProduceAsync(string streamNamespace, string key, params string[] texts)
    {
        var stream = Cluster.Client.GetStreamProvider(TestNames.Log).GetStream<JournalAdded>(StreamId.Create(streamNamespace, key));
        foreach (var text in texts)
        {
            await stream.OnNextAsync(new JournalAdded(key, text, 0));
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlNamespaceProjectionTests(PostgresServer server) : NamespaceProjectionTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgreSqlAsync(server);
}

public sealed class SqliteNamespaceProjectionTests : NamespaceProjectionTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());
}
