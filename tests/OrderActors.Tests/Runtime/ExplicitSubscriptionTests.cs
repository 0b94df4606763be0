using Microsoft.Extensions.DependencyInjection;
using OrderActors.Runtime;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Runtime;

/// <summary>
/// Explicit stream subscriptions: a grain subscribes at run time to one stream and gets its events in order, each
/// applied once, across deactivation and restarts, until it unsubscribes; a poison event parks only its subscription.
/// </summary>
public sealed class ExplicitSubscriptionTests
{
    [Fact]
    public async Task A_subscriber_gets_its_stream_in_order_from_the_start_it_asked_for_until_it_unsubscribes()
    {
        await using var silo = await TestSilo.StartAsync();
        var writer = silo.Grains.GetGrain<IStreamWriterGrain>("w1");
        var other = silo.Grains.GetGrain<IStreamWriterGrain>("w2");
        var fromStart = silo.Grains.GetGrain<IStreamFollowerGrain>("from-start");
        var fromNow = silo.Grains.GetGrain<IStreamFollowerGrain>("from-now");
        await writer.WriteAsync(["a", "b"]);

        await fromStart.FollowAsync("w1", StreamStart.Beginning);
        await fromNow.FollowAsync("w1", StreamStart.End);
        await fromNow.FollowAsync("w1", StreamStart.Beginning); // already subscribed: keeps where it started
        await other.WriteAsync(["not-followed"]);
        await writer.WriteAsync(["c"]);
        await writer.WriteAsync(["d", "e"]);

        await Eventually.TrueAsync(async () => (await fromStart.GetAsync()).Applied.Count == 5, "the from-start subscriber got 5 events");
        Assert.Equal(["w1:1:a", "w1:2:b", "w1:3:c", "w1:4:d", "w1:5:e"], (await fromStart.GetAsync()).Applied);
        await Eventually.TrueAsync(async () => (await fromNow.GetAsync()).Applied.Count == 3, "the from-now subscriber got the 3 later events");
        Assert.Equal(["w1:3:c", "w1:4:d", "w1:5:e"], (await fromNow.GetAsync()).Applied);

        var subscriptions = silo.Services.GetRequiredService<IStreamSubscriptions>();
        var status = subscriptions.List().Single(s => s.Name == StreamFollowerGrain.Name("from-start", "w1"));
        Assert.Equal(("test-stream/w1", "test-stream-follower/from-start", 5L, SubscriptionState.Running), (status.Stream, status.Consumer, status.Checkpoint, status.State));

        await fromStart.UnfollowAsync("w1");
        Assert.DoesNotContain(subscriptions.List(), s => s.Name == StreamFollowerGrain.Name("from-start", "w1"));
        await writer.WriteAsync(["f"]);
        await Eventually.TrueAsync(async () => (await fromNow.GetAsync()).Applied.Count == 4, "the still subscribed one got the next event");
        await Task.Delay(300);
        Assert.Equal(5, (await fromStart.GetAsync()).Applied.Count); // nothing after unsubscribing
    }

    [Fact]
    public async Task A_subscription_survives_deactivation_of_its_subscriber()
    {
        await using var silo = await TestSilo.StartAsync();
        var writer = silo.Grains.GetGrain<IStreamWriterGrain>("w-deact");
        var follower = silo.Grains.GetGrain<IStreamFollowerGrain>("deact");
        await follower.FollowAsync("w-deact", StreamStart.Beginning);
        for (var round = 1; round <= 3; round++)
        {
            await writer.WriteAsync([$"r{round}a", $"r{round}b"]);
            var expected = round * 2;
            await Eventually.TrueAsync(async () => (await follower.GetAsync()).Applied.Count >= expected, $"round {round} delivered");
            await follower.DeactivateAsync();
        }

        await writer.WriteAsync(["last"]);
        await Eventually.TrueAsync(async () => (await follower.GetAsync()).Applied.Count >= 7, "delivered after the last deactivation");
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"w-deact:{i}"), (await follower.GetAsync()).Applied.Select(a => a[..a.LastIndexOf(':')]));
    }

    [Fact]
    public Task A_subscription_survives_a_silo_restart_on_sqlite_without_loss_or_double_apply()
        => ExplicitSubscriptionScenarios.RestartAsync(() => Task.FromResult(("Sqlite", $"Data Source={Path.Combine(Path.GetTempPath(), $"orderactors-explicit-{Guid.NewGuid():N}.db")}")));

    [Fact]
    public async Task A_poison_event_parks_only_its_subscription_until_an_admin_skips_it()
    {
        await using var silo = await TestSilo.StartAsync();
        var subscriptions = silo.Services.GetRequiredService<IStreamSubscriptions>();
        var writer = silo.Grains.GetGrain<IStreamWriterGrain>("w-poison");
        var picky = silo.Grains.GetGrain<IStreamFollowerGrain>("picky");
        var tolerant = silo.Grains.GetGrain<IStreamFollowerGrain>("tolerant");
        await picky.FollowAsync("w-poison", StreamStart.Beginning);
        await tolerant.FollowAsync("w-poison", StreamStart.Beginning);
        var name = StreamFollowerGrain.Name("picky", "w-poison");

        await writer.WriteAsync(["ok", "fail-for-picky", "ok"]);
        await Eventually.TrueAsync(async () => (await tolerant.GetAsync()).Applied.Count == 3, "the other subscriber of the stream went on");
        await Eventually.TrueAsync(() => subscriptions.List().Single(s => s.Name == name).State == SubscriptionState.Parked,
            "the picky subscription parked at the poison event", TimeSpan.FromSeconds(20));
        var parked = subscriptions.List().Single(s => s.Name == name);
        Assert.Equal(("fail-for-picky", 2L, 1L), (parked.ParkedType, parked.ParkedSequence, parked.Checkpoint));
        Assert.Contains("can never apply", parked.LastError, StringComparison.Ordinal);
        Assert.Equal(["w-poison:1:ok"], (await picky.GetAsync()).Applied); // the event before it, once

        Assert.True(subscriptions.Retry(name)); // still poison: parks again
        await Eventually.TrueAsync(() => subscriptions.List().Single(s => s.Name == name) is { State: SubscriptionState.Parked, Attempts: SubscriptionManager.MaxAttempts },
            "parked again after a retry", TimeSpan.FromSeconds(20));

        Assert.True(await subscriptions.SkipAsync(name, "bad data"));
        await writer.WriteAsync(["ok"]);
        await Eventually.TrueAsync(async () => (await picky.GetAsync()).Applied.Count == 3, "delivery resumed after the skip");
        Assert.Equal(["w-poison:1:ok", "w-poison:3:ok", "w-poison:4:ok"], (await picky.GetAsync()).Applied);
        Assert.Equal(SubscriptionState.Running, subscriptions.List().Single(s => s.Name == name).State);
        Assert.False(await subscriptions.SkipAsync(name, "nothing parked"));
        Assert.False(await subscriptions.ResetAsync(name)); // only projections are rebuilt
    }

    [Fact]
    public async Task Failing_subscriptions_do_not_delay_the_others_even_when_they_outnumber_the_deliveries_at_once()
    {
        await using var silo = await TestSilo.StartAsync();
        var failing = Enumerable.Range(0, ExplicitSubscriptions.MaxConcurrentDeliveries * 3).Select(i => $"failing-{i}").ToArray();
        foreach (var key in failing)
        {
            await silo.Grains.GetGrain<IStreamFollowerGrain>(key).FollowAsync($"w-{key}", StreamStart.Beginning);
            await silo.Grains.GetGrain<IStreamWriterGrain>($"w-{key}").WriteAsync([$"fail-for-{key}"]);
        }

        var subscriptions = silo.Services.GetRequiredService<IStreamSubscriptions>();
        await Eventually.TrueAsync(() => subscriptions.List().Count(s => s.State == SubscriptionState.Retrying) == failing.Length, "every failing subscription is retrying");

        var healthy = silo.Grains.GetGrain<IStreamFollowerGrain>("healthy");
        await healthy.FollowAsync("w-healthy", StreamStart.Beginning);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            await silo.Grains.GetGrain<IStreamWriterGrain>("w-healthy").WriteAsync([$"e{i}"]);
        }

        await Eventually.TrueAsync(async () => (await healthy.GetAsync()).Applied.Count == 5, "the healthy subscription got its events");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the healthy subscription took {clock.Elapsed.TotalMilliseconds:0} ms behind {failing.Length} failing ones");
        Assert.DoesNotContain(subscriptions.List(), s => s.Name.StartsWith("test-stream-follower:failing", StringComparison.Ordinal) && s.State == SubscriptionState.Running);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlExplicitSubscriptionTests(PostgresServer server)
{
    [Fact]
    public Task A_subscription_survives_a_silo_restart_on_postgresql_without_loss_or_double_apply()
        => ExplicitSubscriptionScenarios.RestartAsync(async () => ("PostgreSql", await server.CreateDatabaseAsync()));
}

internal static class ExplicitSubscriptionScenarios
{
    /// <summary>
    /// Subscribers fall behind a burst of writes, the silo stops before they caught up, more is written by a new silo
    /// on the same database: every subscriber ends with each event of its stream exactly once, in order.
    /// </summary>
    public static async Task RestartAsync(Func<Task<(string Provider, string ConnectionString)>> database)
    {
        var (provider, connectionString) = await database();
        string[] followers = ["r0", "r1", "r2", "r3"];
        try
        {
            await using (var first = await TestSilo.StartAsync(provider, connectionString,
                decorateStorage: storage => new SlowWrites(storage, ["test-stream-follower"], TimeSpan.FromMilliseconds(300))))
            {
                foreach (var follower in followers)
                {
                    await first.Grains.GetGrain<IStreamFollowerGrain>(follower).FollowAsync($"w-{follower}", StreamStart.Beginning);
                }

                await Task.WhenAll(followers.Select(async follower =>
                {
                    for (var i = 0; i < 30; i++)
                    {
                        await first.Grains.GetGrain<IStreamWriterGrain>($"w-{follower}").WriteAsync([$"a{i}", $"b{i}"]);
                    }
                }));
                await first.StopAsync();
                var behind = first.Services.GetRequiredService<IStreamSubscriptions>().List().Where(s => s.Stream is not null && s.Checkpoint < 60).ToArray();
                Assert.True(behind.Length > 0, "the silo stopped before its subscribers caught up");
            }

            await using var second = await TestSilo.StartAsync(provider, connectionString);
            foreach (var follower in followers)
            {
                await second.Grains.GetGrain<IStreamWriterGrain>($"w-{follower}").WriteAsync(["after"]);
            }

            foreach (var follower in followers)
            {
                var grain = second.Grains.GetGrain<IStreamFollowerGrain>(follower);
                await Eventually.TrueAsync(async () => (await grain.GetAsync()).Applied.Count >= 61, $"{follower} caught up on the new silo", TimeSpan.FromSeconds(30));
            }

            await Task.Delay(300);
            foreach (var follower in followers)
            {
                var applied = (await second.Grains.GetGrain<IStreamFollowerGrain>(follower).GetAsync()).Applied;
                Assert.Equal(Enumerable.Range(1, 61).Select(i => $"w-{follower}:{i}"), applied.Select(a => a[..a.LastIndexOf(':')]));
            }

            var subscriptions = second.Services.GetRequiredService<IStreamSubscriptions>().List();
            Assert.All(followers, f => Assert.Equal(61, subscriptions.Single(s => s.Name == StreamFollowerGrain.Name(f, $"w-{f}")).Checkpoint));
        }
        finally
        {
            if (provider == "Sqlite")
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                File.Delete(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource);
            }
        }
    }
}
