using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrderActors.EventLog;
using OrderActors.Grains.Events;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Webhooks;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>
/// The webhook grains on the silo's clock (a fake one: the endpoint's back-off timer is a grain timer, which follows
/// it) with a scripted sender in place of HTTP: back-off, exactly-once recording, failed deliveries and redelivery,
/// the bounded log. The streams' pulling agents run on grain timers too, so events reach the dispatcher only while a
/// test advances the clock, which it does only while no back-off is pending.
/// </summary>
public sealed class WebhookEndpointTests
{
    internal static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    internal static async Task<(OrderActorsTestCluster Cluster, ScriptedWebhookSender Sender, FakeTimeProvider Time)> StartAsync(params (string Key, string Value)[] settings)
    {
        var time = new FakeTimeProvider(Start);
        var sender = new ScriptedWebhookSender(time);
        var cluster = await OrderActorsTestCluster.StartAsync(time: time, services: s => s.AddSingleton<IWebhookSender>(sender),
            settings: settings.ToDictionary(s => $"OrderActors:Webhooks:{s.Key}", s => (string?)s.Value));
        return (cluster, sender, time);
    }

    internal static IWebhookDispatcherGrain Dispatcher(OrderActorsTestCluster cluster) => cluster.Grains.GetGrain<IWebhookDispatcherGrain>(WebhookDispatcherGrain.Key);

    internal static async Task<IWebhookEndpointGrain> RegisterAsync(OrderActorsTestCluster cluster, string url = "http://receiver.invalid/hooks")
    {
        var registration = await Dispatcher(cluster).RegisterAsync(new RegisterWebhook(url, ["inventory.stocked"]));
        return cluster.Grains.GetGrain<IWebhookEndpointGrain>(registration.Id);
    }

    internal static Task StockAsync(OrderActorsTestCluster cluster, string sku, int onHand)
        => TestCatalog.StockAsync(cluster.Grains, sku, new SetStock([new LocationQuantity("main", onHand)], []));

    [Fact]
    public async Task Retries_wait_one_two_four_eight_seconds_on_the_silo_clock_and_a_repeated_batch_is_recorded_once()
    {
        var (cluster, sender, time) = await StartAsync();
        await using var _ = cluster;
        sender.FailNext = 4;
        var endpoint = await RegisterAsync(cluster);
        await StockAsync(cluster, "sku-backoff", 5);

        await cluster.AdvanceUntilAsync(time, async () => await endpoint.GetAsync() is { Pending: 1 }, "the endpoint recorded the delivery");
        await Eventually.TrueAsync(() => sender.Calls.Count == 1, "the first attempt");
        var first = sender.Calls.Single().At;
        foreach (var wait in new[] { 1, 2, 4, 8 })
        {
            var calls = sender.Calls.Count;
            var due = time.GetUtcNow() + TimeSpan.FromSeconds(wait);
            await Eventually.TrueAsync(async () => (await endpoint.GetAsync())!.NextAttemptAt == due, $"the retry is set {wait} s after the failure");
            time.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(1));
            await Task.Delay(50);
            Assert.Equal(calls, sender.Calls.Count); // nothing before the back-off ends
            time.Advance(TimeSpan.FromMilliseconds(1));
            await Eventually.TrueAsync(() => sender.Calls.Count == calls + 1, $"the attempt after {wait} s");
        }

        await Eventually.TrueAsync(async () => await endpoint.GetAsync() is { Delivered: 1, Pending: 0, ConsecutiveFailures: 0, NextAttemptAt: null }, "delivered");
        var offsets = sender.Calls.Select(c => (c.At - first).TotalSeconds).ToArray();
        Assert.Equal([0, 1, 3, 7, 15], offsets);
        Assert.Equal(sender.Calls.Select(c => c.At.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)), sender.Calls.Select(c => c.Timestamp));
        var delivery = Assert.Single(await endpoint.GetDeliveriesAsync(10, null));
        Assert.Equal((WebhookDeliveryState.Delivered, 5, 200), (delivery.State, delivery.Attempts, delivery.LastStatusCode));
        Assert.Equal([500, 500, 500, 500, 200], delivery.RecentAttempts.Select(a => a.StatusCode ?? 0));

        // The dispatcher repeating a batch (it handed the event over but did not write its checkpoint) records nothing new ...
        await endpoint.EnqueueAsync([new WebhookEventRef(delivery.Position, new StreamRef(StreamNamespaces.Inventory, "sku-backoff"), 1, "inventory.stocked", Start)]);
        Assert.Single(await endpoint.GetDeliveriesAsync(10, null));

        // ... nor does an admin rebuild that makes it read every stream again.
        var dispatcher = Dispatcher(cluster).AsReference<IEventLogProjection>();
        var rebuilt = await dispatcher.RebuildAsync();
        Assert.True(rebuilt.Position >= delivery.Position, $"the dispatcher read the streams again, up to {rebuilt.Position}");
        Assert.Single(await endpoint.GetDeliveriesAsync(10, null));
        Assert.Equal(5, sender.Calls.Count);

        // The rebuild kept the registration: the next event is delivered, once.
        Assert.Equal([endpoint.GetPrimaryKeyString()], (await Dispatcher(cluster).ListAsync()).Select(w => w.Id));
        await StockAsync(cluster, "sku-backoff", 6);
        await cluster.AdvanceUntilAsync(time, async () => await endpoint.GetAsync() is { Delivered: 2, Pending: 0 }, "the event after the rebuild delivered");
        Assert.Equal(6, sender.Calls.Count);
    }

    [Fact]
    public async Task A_delivery_that_uses_up_its_attempts_is_failed_lets_the_next_one_go_and_can_be_redelivered()
    {
        var (cluster, sender, time) = await StartAsync(("MaxAttempts", "2"));
        await using var _ = cluster;
        sender.AlwaysFail = true;
        var endpoint = await RegisterAsync(cluster);
        await StockAsync(cluster, "sku-failing", 1);
        await StockAsync(cluster, "sku-failing", 2);
        await cluster.AdvanceUntilAsync(time, async () => await endpoint.GetAsync() is { Pending: 2 }, "both recorded");
        await Eventually.TrueAsync(async () => await endpoint.GetAsync() is { Pending: 2, ConsecutiveFailures: 1 }, "the first attempt failed");

        time.Advance(TimeSpan.FromSeconds(1)); // the first delivery's second and last attempt
        await Eventually.TrueAsync(async () => await endpoint.GetAsync() is { Failed: 1, Pending: 1, ConsecutiveFailures: 2 }, "the first is failed");
        time.Advance(TimeSpan.FromSeconds(2)); // the endpoint's back-off goes on; then the second delivery's turn
        await Eventually.TrueAsync(async () => await endpoint.GetAsync() is { ConsecutiveFailures: 3 }, "the second was tried");

        var log = await endpoint.GetDeliveriesAsync(10, null);
        var (second, first) = (log[0], log[1]);
        Assert.Equal((WebhookDeliveryState.Failed, 2, 500), (first.State, first.Attempts, first.LastStatusCode));
        Assert.Equal((WebhookDeliveryState.Pending, 1), (second.State, second.Attempts));
        Assert.Equal([first.Id], (await endpoint.GetDeliveriesAsync(10, WebhookDeliveryState.Failed)).Select(d => d.Id));

        // The receiver is fixed; redelivering the failed one skips the back-off, and the pending one follows it.
        sender.AlwaysFail = false;
        Assert.Equal(WebhookDeliveryState.Pending, (await endpoint.RedeliverAsync(first.Id)).State);
        await Eventually.TrueAsync(async () => await endpoint.GetAsync() is { Delivered: 2, Pending: 0, Failed: 0 }, "both delivered");
        Assert.Equal([first.Id, first.Id, second.Id, first.Id, second.Id], sender.Calls.Select(c => c.DeliveryId));
        Assert.Equal(3, (await endpoint.GetDeliveriesAsync(10, null))[1].Attempts);
    }

    [Fact]
    public async Task The_log_keeps_the_newest_deliveries_up_to_its_limit()
    {
        var (cluster, sender, time) = await StartAsync(("DeliveryLogLimit", "10"));
        await using var __ = cluster;
        var endpoint = await RegisterAsync(cluster);
        for (var i = 1; i <= 15; i++)
        {
            await StockAsync(cluster, "sku-log", i);
        }

        await cluster.AdvanceUntilAsync(time, () => Task.FromResult(sender.Calls.Count == 15), "all 15 sent");
        await Eventually.TrueAsync(async () => await endpoint.GetAsync() is { Delivered: 10, Pending: 0 }, "the log holds 10");
        var log = await endpoint.GetDeliveriesAsync(100, null);
        Assert.Equal(sender.Calls.Select(c => c.DeliveryId).TakeLast(10).Reverse(), log.Select(d => d.Id));
    }

    [Fact]
    public async Task A_paused_endpoint_records_but_sends_nothing_until_resumed_and_an_update_changes_what_it_selects_from_then_on()
    {
        var (cluster, sender, time) = await StartAsync();
        await using var _ = cluster;
        var paused = await RegisterAsync(cluster, "http://receiver.invalid/paused");
        var witness = await RegisterAsync(cluster, "http://receiver.invalid/witness"); // every inventory.stocked: shows how far the dispatcher read
        var pausedId = paused.GetPrimaryKeyString();

        var view = await Dispatcher(cluster).UpdateAsync(pausedId, new UpdateWebhook(null, null, true));
        Assert.True(view.Paused, "paused: the update's answer");
        Assert.True((await Dispatcher(cluster).ListAsync()).Single(w => w.Id == pausedId).Paused, "paused: the list");
        await StockAsync(cluster, "sku-paused", 1);
        await StockAsync(cluster, "sku-paused", 2);
        await cluster.AdvanceUntilAsync(time, async () => await witness.GetAsync() is { Delivered: 2 }, "the witness got both events");
        await Task.Delay(200);
        Assert.Equal((2, 0), ((await paused.GetAsync())!.Pending, sender.Calls.Count(c => c.Url.AbsolutePath == "/paused")));

        // New event types select the events the dispatcher reads after the update, and nothing of the old type.
        await Dispatcher(cluster).UpdateAsync(pausedId, new UpdateWebhook("http://receiver.invalid/moved", ["order.*", "order.*"], null));
        Assert.Equal(["order.*"], (await paused.GetAsync())!.EventTypes);
        await StockAsync(cluster, "sku-paused", 3);
        await cluster.AdvanceUntilAsync(time, async () => await witness.GetAsync() is { Delivered: 3 }, "the witness got the third event");
        Assert.Equal(2, (await paused.GetAsync())!.Pending);

        // Resumed: the recorded deliveries go to the new url, oldest first.
        await Dispatcher(cluster).UpdateAsync(pausedId, new UpdateWebhook(null, null, false));
        await Eventually.TrueAsync(async () => await paused.GetAsync() is { Delivered: 2, Pending: 0, Paused: false }, "both delivered after the resume");
        var sent = sender.Calls.Where(c => c.Url.AbsolutePath == "/moved").ToArray();
        var log = await paused.GetDeliveriesAsync(10, null);
        Assert.Equal(log.Select(d => d.Id).Reverse(), sent.Select(c => c.DeliveryId));
        Assert.Equal(2, sent.Length);

        await Assert.ThrowsAsync<OrderActors.Grains.DomainException>(() => Dispatcher(cluster).UpdateAsync("wh_missing", new UpdateWebhook(null, null, true)));
    }
}
