using OrderActors.EventLog.Tests.Infrastructure;
using Orleans.TestingHost;

namespace OrderActors.EventLog.Tests.Streams;

/// <summary>
/// <see cref="EventLogProjectionGrain{TModel}"/>: exactly-once application, parking on a failing event, skip, retry
/// and rebuild, on SQLite (the stream provider itself is tested on both databases).
/// </summary>
public sealed class ProjectionTests : IAsyncLifetime
{
    private readonly TestDatabase _database = TestDatabase.Sqlite();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EventLogCluster.StartAsync(_database);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_failing_event_parks_the_projection_until_an_admin_skips_it()
    {
        JournalProjectionGrain.Failing["poison-skip"] = true;
        var journal = _cluster.Client.GetGrain<IJournalGrain>("p-skip");
        var projection = _cluster.Client.GetGrain<IJournalProjectionGrain>("p-skip");
        await journal.AddAsync("a", 1);
        await journal.AddAsync("poison-skip", 1);
        await journal.AddAsync("b", 1);

        var parked = await Eventually.HoldsAsync(projection.GetStatusAsync, s => s.Parked is not null, "the projection to park");
        Assert.Equal(2, parked.Parked!.Sequence);
        Assert.Contains("poison-skip", parked.Parked.Error, StringComparison.Ordinal);
        Assert.Equal(3, parked.Parked.Attempts);
        Assert.Equal(1, parked.Checkpoint);
        Assert.Equal(["a"], await projection.GetTextsAsync()); // the failed attempts left nothing behind

        var skipped = await projection.SkipAsync("bad data, ticket 42");
        Assert.Null(skipped.Parked);
        Assert.Equal(3, skipped.Checkpoint);
        Assert.Equal(2, Assert.Single(skipped.Skipped).Sequence);
        Assert.Equal(["a", "b"], await projection.GetTextsAsync());
    }

    [Fact]
    public async Task A_retried_event_applies_once_its_cause_is_fixed_and_the_rest_follows()
    {
        JournalProjectionGrain.Failing["flaky-retry"] = true;
        var journal = _cluster.Client.GetGrain<IJournalGrain>("p-retry");
        var projection = _cluster.Client.GetGrain<IJournalProjectionGrain>("p-retry");
        await journal.AddAsync("flaky-retry", 1);
        await Eventually.HoldsAsync(projection.GetStatusAsync, s => s.Parked is not null, "the projection to park");
        await journal.AddAsync("c", 2);

        JournalProjectionGrain.Failing.TryRemove("flaky-retry", out _);
        var retried = await projection.RetryAsync();

        Assert.Null(retried.Parked);
        Assert.Equal(3, retried.Checkpoint);
        Assert.Equal(["flaky-retry", "c", "c"], await projection.GetTextsAsync());
    }

    [Fact]
    public async Task A_rebuild_replays_the_stream_from_the_log_into_the_same_model()
    {
        var journal = _cluster.Client.GetGrain<IJournalGrain>("p-rebuild");
        var projection = _cluster.Client.GetGrain<IJournalProjectionGrain>("p-rebuild");
        for (var i = 0; i < 5; i++)
        {
            await journal.AddAsync($"r{i}", 1);
        }

        var built = await Eventually.HoldsAsync(projection.GetTextsAsync, t => t.Count == 5, "the projection to apply 5 events");
        var rebuilt = await projection.RebuildAsync();

        Assert.Equal(5, rebuilt.Checkpoint);
        Assert.Equal(built, await projection.GetTextsAsync());
    }
}
