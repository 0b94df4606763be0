using OrderActors.EventLog.Tests.Infrastructure;
using OrderActors.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace OrderActors.EventLog.Tests.Streams;

/// <summary>
/// The event-log stream provider: implicit subscribers receive every event of their stream, in order, with the
/// global position in the token; after a restart the receivers resume from their checkpoint and consumers apply
/// each event once. Run against real PostgreSQL and real SQLite.
/// </summary>
public abstract class EventLogStreamTests : IAsyncLifetime
{
    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    protected TestDatabase Database { get; private set; } = null!;

    public async Task InitializeAsync() => Database = await CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_implicit_subscriber_applies_every_event_of_its_stream_in_order_with_its_position()
    {
        await using var cluster = await EventLogCluster.StartAsync(Database);
        var keys = Enumerable.Range(0, 6).Select(i => $"s-order-{i}").ToArray();
        await Task.WhenAll(keys.Select(async key =>
        {
            var journal = cluster.Client.GetGrain<IJournalGrain>(key);
            for (var i = 0; i < 4; i++)
            {
                await journal.AddAsync($"e{i}", 2);
            }
        }));

        foreach (var key in keys)
        {
            var applied = await AppliedAsync(cluster, key, expected: 8);
            var stored = await LogTable.EventsAsync(Database, key);
            Assert.Equal(stored.Select(e => e.Position), applied.Select(a => a.Position));
            Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), applied.Select(a => a.StreamSequence));
            Assert.Equal(Enumerable.Range(0, 4).SelectMany(i => new[] { $"e{i}", $"e{i}" }), applied.Select(a => a.Text));
        }
    }

    [Fact]
    public async Task After_a_restart_receivers_resume_and_consumers_apply_each_event_exactly_once()
    {
        var keys = Enumerable.Range(0, 4).Select(i => $"s-restart-{i}").ToArray();
        await using (var first = await EventLogCluster.StartAsync(Database))
        {
            foreach (var key in keys)
            {
                await first.Client.GetGrain<IJournalGrain>(key).AddAsync("before", 3);
            }

            foreach (var key in keys)
            {
                await AppliedAsync(first, key, expected: 3);
            }
        }

        await using var second = await EventLogCluster.StartAsync(Database);
        foreach (var key in keys)
        {
            await second.Client.GetGrain<IJournalGrain>(key).AddAsync("after", 2);
        }

        foreach (var key in keys)
        {
            var applied = await AppliedAsync(second, key, expected: 5);
            Assert.Equal([1L, 2, 3, 4, 5], applied.Select(a => a.StreamSequence));
            Assert.Equal(["before", "before", "before", "after", "after"], applied.Select(a => a.Text));
        }
    }

    [Fact]
    public async Task A_producer_on_the_stream_api_appends_to_the_same_log()
    {
        await using var cluster = await EventLogCluster.StartAsync(Database);
        var provider = cluster.Client.GetStreamProvider(TestNames.Log);
        var stream = provider.GetStream<JournalAdded>(StreamId.Create(TestNames.JournalNamespace, "s-produced"));
        await stream.OnNextAsync(new JournalAdded("s-produced", "direct", 0));
        await stream.OnNextBatchAsync([new JournalAdded("s-produced", "direct", 1), new JournalAdded("s-produced", "direct", 2)]);

        var applied = await AppliedAsync(cluster, "s-produced", expected: 3);
        Assert.Equal([0, 1, 2], applied.Select(a => a.Index));
        Assert.Equal([1L, 2, 3], (await LogTable.EventsAsync(Database, "s-produced")).Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_namespace_feed_wakes_its_projection_which_applies_every_stream_of_the_namespace_once_in_log_order()
    {
        await using var cluster = await EventLogCluster.StartAsync(Database);
        var projection = cluster.Client.GetGrain<IJournalFeedGrain>(EventLogStreamIdMappers.SingleGrainKey);
        await projection.GetStatusAsync(); // active and caught up: from here on only a delivery from the feed wakes it

        var keys = Enumerable.Range(0, 5).Select(i => $"s-feed-{i}").ToArray();
        await Task.WhenAll(keys.Select(async key =>
        {
            var journal = cluster.Client.GetGrain<IJournalGrain>(key);
            for (var i = 0; i < 3; i++)
            {
                await journal.AddAsync($"{key}/f{i}", 2);
            }
        }));

        var stored = (await Task.WhenAll(keys.Select(key => LogTable.EventsAsync(Database, key)))).SelectMany(e => e).OrderBy(e => e.Position).ToArray();
        var applied = await Eventually.HoldsAsync(
            async () => (await projection.GetAppliedAsync()).Where(a => a.Text.StartsWith("s-feed-", StringComparison.Ordinal)).ToArray(),
            a => a.Length >= stored.Length,
            "the feed's projection to apply every event of the five streams");
        Assert.Equal(stored.Select(e => e.Position), applied.Select(a => a.Position));
    }

    [Fact]
    public async Task A_producer_cannot_write_to_a_namespace_feed()
    {
        await using var cluster = await EventLogCluster.StartAsync(Database);
        var feed = cluster.Client.GetStreamProvider(TestNames.Log)
            .GetStream<JournalAdded>(StreamId.Create(EventLogFeeds.NamespaceOf(TestNames.JournalNamespace), "0"));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => feed.OnNextAsync(new JournalAdded("s-feed", "forged", 0)));
        Assert.Empty(await LogTable.EventsAsync(Database, "0"));
    }

    private static Task<IReadOnlyList<AppliedEvent>> AppliedAsync(InProcessTestCluster cluster, string key, int expected)
        => Eventually.HoldsAsync(
            () => cluster.Client.GetGrain<IJournalReaderGrain>(key).GetAppliedAsync(),
            applied => applied.Count >= expected,
            $"the reader of {key} to apply {expected} events");
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlEventLogStreamTests(PostgresServer server) : EventLogStreamTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgreSqlAsync(server);
}

public sealed class SqliteEventLogStreamTests : EventLogStreamTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());
}
