using Microsoft.Extensions.DependencyInjection;
using OrderActors.Runtime;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Runtime;

public sealed class StreamSubscriptionTests
{
    private const string Counting = "test-counting-projection";

    [Fact]
    public async Task A_poison_event_parks_only_its_subscription_until_an_admin_skips_it()
    {
        await using var silo = await TestSilo.StartAsync();
        var subscriptions = silo.Services.GetRequiredService<IStreamSubscriptions>();
        var counting = silo.Grains.GetGrain<ICountingProjectionGrain>(StreamSubscriptionAttribute.ConsumerKey);
        var tolerant = silo.Grains.GetGrain<ITolerantProjectionGrain>(StreamSubscriptionAttribute.ConsumerKey);
        var writer = silo.Grains.GetGrain<IStreamWriterGrain>("w1");

        await writer.WriteAsync(["ok", "poison", "ok"]);
        await Eventually.TrueAsync(() => subscriptions.List().Single(s => s.Name == Counting).State == SubscriptionState.Parked,
            "the counting subscription parked at the poison event", TimeSpan.FromSeconds(20));
        var parked = subscriptions.List().Single(s => s.Name == Counting);
        Assert.Equal("poison", parked.ParkedType);
        Assert.Contains("can never be applied", parked.LastError, StringComparison.Ordinal);
        Assert.Equal(1, (await counting.GetAsync()).ByType.GetValueOrDefault("ok")); // the event before it was applied, once
        await Eventually.TrueAsync(async () => await tolerant.CountAsync() == 3, "the other consumer of the namespace went on");

        Assert.True(await subscriptions.SkipAsync(Counting, "bad data"));
        await writer.WriteAsync(["ok"]);
        await Eventually.TrueAsync(async () => (await counting.GetAsync()).ByType.GetValueOrDefault("ok") == 3, "delivery resumed after the skip");
        Assert.Equal(SubscriptionState.Running, subscriptions.List().Single(s => s.Name == Counting).State);
        Assert.False(await subscriptions.SkipAsync(Counting, "nothing parked"));
    }

    [Fact]
    public async Task A_consumer_applies_every_event_exactly_once_in_order_across_a_restart()
    {
        var file = Path.Combine(Path.GetTempPath(), $"orderactors-subscriptions-{Guid.NewGuid():N}.db");
        try
        {
            await using (var first = await TestSilo.StartAsync("Sqlite", $"Data Source={file}"))
            {
                await Task.WhenAll(Enumerable.Range(0, 10).Select(i => first.Grains.GetGrain<IStreamWriterGrain>($"w{i}").WriteAsync(["a", "b"])));
                var counting = first.Grains.GetGrain<ICountingProjectionGrain>(StreamSubscriptionAttribute.ConsumerKey);
                await Eventually.TrueAsync(async () => (await counting.GetAsync()).Positions.Count == 20, "the first silo delivered 20 events");
            }

            await using var second = await TestSilo.StartAsync("Sqlite", $"Data Source={file}");
            await second.Grains.GetGrain<IStreamWriterGrain>("w-after").WriteAsync(["c"]);
            var restarted = second.Grains.GetGrain<ICountingProjectionGrain>(StreamSubscriptionAttribute.ConsumerKey);
            await Eventually.TrueAsync(async () => (await restarted.GetAsync()).Positions.Count >= 21, "the restarted silo delivered the new event");
            await Task.Delay(300);
            var model = await restarted.GetAsync();
            Assert.Equal(21, model.Positions.Count); // nothing applied twice, nothing missed
            Assert.Equal(model.Positions.Order(), model.Positions);
            Assert.Equal((10, 10, 1), (model.ByType["a"], model.ByType["b"], model.ByType["c"]));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_projection_refuses_a_batch_read_past_what_it_holds_so_a_reset_leaves_no_gap()
    {
        await using var silo = await TestSilo.StartAsync();
        var projection = silo.Grains.GetGrain<ICountingProjectionGrain>("gap-test"); // no subscription delivers to this key
        var late = new StreamEvent(50, new StreamId(StreamWriterGrain.Namespace, "w"), 5, "late", "{}"u8.ToArray(), DateTimeOffset.UnixEpoch);
        Assert.Equal(0, await projection.ApplyAsync([late], after: 40, upTo: 50)); // a delivery that started before a reset
        Assert.Empty((await projection.GetAsync()).Positions);
        var first = late with { Position = 10, Type = "first" };
        Assert.Equal(50, await projection.ApplyAsync([first, late], after: 0, upTo: 50));
        Assert.Equal([10L, 50L], (await projection.GetAsync()).Positions);
    }

    [Fact]
    public async Task A_silo_told_not_to_runs_no_subscription()
    {
        await using var silo = await TestSilo.StartAsync(configure: o => o.RunStreamSubscriptions = false);
        Assert.Empty(silo.Services.GetRequiredService<IStreamSubscriptions>().List());
    }

    [Fact]
    public async Task A_reset_projection_rebuilds_the_same_model_from_the_streams()
    {
        await using var silo = await TestSilo.StartAsync();
        var subscriptions = silo.Services.GetRequiredService<IStreamSubscriptions>();
        var tolerant = silo.Grains.GetGrain<ITolerantProjectionGrain>(StreamSubscriptionAttribute.ConsumerKey);
        await silo.Grains.GetGrain<IStreamWriterGrain>("w").WriteAsync(["x", "y", "z"]);
        await Eventually.TrueAsync(async () => await tolerant.CountAsync() == 3, "built");
        Assert.True(await subscriptions.ResetAsync("test-tolerant-projection"));
        await Eventually.TrueAsync(async () => await tolerant.CountAsync() == 3, "rebuilt from the beginning, without double counting");
    }
}
