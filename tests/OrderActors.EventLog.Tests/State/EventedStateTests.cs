using OrderActors.EventLog.Streams;
using OrderActors.EventLog.Tests.Infrastructure;
using OrderActors.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.Storage;

namespace OrderActors.EventLog.Tests.State;

/// <summary>
/// The outbox guarantee of <see cref="IEventedState{TState}"/>: state and appended events commit together or not at
/// all, with Orleans' ETag semantics. Run against real PostgreSQL and real SQLite.
/// </summary>
public abstract class EventedStateTests : ClusterTestBase
{
    [Fact]
    public async Task A_write_commits_the_state_and_its_events_in_stream_order()
    {
        var journal = Cluster.Client.GetGrain<IJournalGrain>("j-write");
        var first = await journal.AddAsync("a", 2);
        var second = await journal.AddAsync("b", 3);

        Assert.Equal("1", first);
        Assert.Equal("2", second);
        var events = await LogTable.EventsAsync(Database, "j-write");
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Sequence));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Position < p.Second.Position), "positions must increase with the stream's sequence");
        Assert.All(events, e => Assert.Equal(EventLogQueueMapper.QueueOf(StreamId.Create(TestNames.JournalNamespace, "j-write"), EventLogCluster.QueueCount), e.Queue));
        Assert.All(events, e => Assert.Equal("journal.added", e.Type));

        await Cluster.DeactivateAsync(journal);
        Assert.Equal(["a", "b"], await journal.GetAsync());
    }

    [Fact]
    public async Task A_stale_etag_commits_no_state_and_no_event_and_the_next_call_reloads()
    {
        var journal = Cluster.Client.GetGrain<IJournalGrain>("j-stale");
        await journal.AddAsync("a", 1);

        // Another writer moves the record on behind this activation's back (as a duplicate activation would).
        var bumped = await LogTable.ExecuteAsync(Database,
            "UPDATE orderactors_grain_state SET version = version + 1 WHERE grain_key = @key AND state_name = 'journal'", ("@key", "j-stale"));
        Assert.Equal(1, bumped);

        await Assert.ThrowsAsync<InconsistentStateException>(() => journal.AddAsync("lost", 3));
        Assert.Single(await LogTable.EventsAsync(Database, "j-stale"));

        // The failed activation was deactivated: the next call reads version 2 and writes version 3.
        Assert.Equal(["a"], await journal.GetAsync());
        Assert.Equal("3", await journal.AddAsync("b", 1));
        Assert.Equal([1L, 2], (await LogTable.EventsAsync(Database, "j-stale")).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Events_appended_without_a_write_never_reach_the_log()
    {
        var journal = Cluster.Client.GetGrain<IJournalGrain>("j-unwritten");
        await journal.AddAsync("a", 1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => journal.AppendWithoutWriteAsync("dropped"));
        await Cluster.DeactivateAsync(journal);
        await journal.AddAsync("b", 1);

        Assert.Equal([1L, 2], (await LogTable.EventsAsync(Database, "j-unwritten")).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Concurrent_writers_of_different_grains_each_commit_all_their_events()
    {
        var writes = Enumerable.Range(0, 8).Select(async g =>
        {
            var journal = Cluster.Client.GetGrain<IJournalGrain>($"j-many-{g}");
            for (var i = 0; i < 5; i++)
            {
                await journal.AddAsync($"e{i}", 2);
            }
        });
        await Task.WhenAll(writes);

        var events = await LogTable.EventsAsync(Database);
        Assert.Equal(8 * 5 * 2, events.Count(e => e.Key.StartsWith("j-many-", StringComparison.Ordinal)));
        Assert.All(events.GroupBy(e => e.Key), g => Assert.Equal(Enumerable.Range(1, g.Count()).Select(i => (long)i), g.Select(e => e.Sequence)));
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlEventedStateTests(PostgresServer server) : EventedStateTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgreSqlAsync(server);
}

public sealed class SqliteEventedStateTests : EventedStateTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());
}
