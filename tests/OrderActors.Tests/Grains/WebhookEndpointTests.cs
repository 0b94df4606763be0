using System.Collections.Concurrent;
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
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Answers 500 while told to fail, 200 otherwise, and remembers when each request was made.</summary>
    private sealed class ScriptedSender(TimeProvider time) : IWebhookSender
    {
        private int _failNext;

        public ConcurrentQueue<(DateTimeOffset At, string DeliveryId, string Timestamp)> Calls { get; } = new();

        public volatile bool AlwaysFail;

        public int FailNext { set => Volatile.Write(ref _failNext, value); }

        public Task<WebhookHttpResponse> SendAsync(WebhookHttpRequest request, CancellationToken cancellationToken)
        {
            var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value);
            Calls.Enqueue((time.GetUtcNow(), headers[WebhookHeaders.DeliveryId], headers[WebhookHeaders.Timestamp]));
            var fail = AlwaysFail || Interlocked.Decrement(ref _failNext) >= 0;
            return Task.FromResult(fail ? new WebhookHttpResponse(500, "HTTP 500") : new WebhookHttpResponse(200, null));
        }
    }

    private static async Task<(OrderActorsTestCluster Cluster, ScriptedSender Sender, FakeTimeProvider Time)> StartAsync(params (string Key, string Value)[] settings)
    {
        var time = new FakeTimeProvider(Start);
        var sender = new ScriptedSender(time);
        var cluster = await OrderActorsTestCluster.StartAsync(time: time, services: s => s.AddSingleton<IWebhookSender>(sender),
            settings: settings.ToDictionary(s => $"OrderActors:Webhooks:{s.Key}", s => (string?)s.Value));
        return (cluster, sender, time);
    }

    private static IWebhookDispatcherGrain Dispatcher(OrderActorsTestCluster cluster) => cluster.Grains.GetGrain<IWebhookDispatcherGrain>(WebhookDispatcherGrain.Key);

    private static async Task<IWebhookEndpointGrain> RegisterAsync(OrderActorsTestCluster cluster)
    {
        var registration = await Dispatcher(cluster).RegisterAsync(new RegisterWebhook("http://receiver.invalid/hooks", ["inventory.stocked"]));
        return cluster.Grains.GetGrain<IWebhookEndpointGrain>(registration.Id);
    }

    private static Task StockAsync(OrderActorsTestCluster cluster, string sku, int onHand)
        => cluster.Grains.GetGrain<IInventoryGrain>(sku).SetStockAsync(new SetStock([new LocationQuantity("main", onHand)], []));

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
}
