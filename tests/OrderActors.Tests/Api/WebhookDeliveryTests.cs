using System.Text.Json;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Webhooks;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>
/// Outgoing webhooks end to end: the API on SQLite, a real HTTP receiver that verifies signatures, orders placed and
/// fulfilled through the API. Retries are made fast through configuration (50 ms, doubling up to 200 ms).
/// </summary>
public sealed class WebhookDeliveryTests
{
    private static readonly string[] Patterns = ["order.*", "payment.captured", "shipment.*", "customer.notification"];

    private static Dictionary<string, string?> FastRetries() => new()
    {
        ["OrderActors:Webhooks:RetryBaseDelay"] = "00:00:00.050",
        ["OrderActors:Webhooks:MaxRetryDelay"] = "00:00:00.200",
        ["OrderActors:Webhooks:Timeout"] = "00:00:05",
        ["OrderActors:Webhooks:MaxAttempts"] = "1000",
    };

    private sealed record FeedEvent(long Position, string Stream, long Sequence, string Type, JsonElement Data)
    {
        public string EventId => $"{Stream}:{Sequence}";
    }

    private sealed record DeliveryLog(IReadOnlyList<WebhookDeliveryView> Deliveries);

    private sealed class Clients(ApiFactory api)
    {
        public HttpClient Admin { get; } = api.ClientWithKey(ApiFactory.AdminKey);

        public HttpClient Ops { get; } = api.ClientWithKey(ApiFactory.OpsKey);

        public HttpClient Storefront { get; } = api.ClientWithKey(ApiFactory.StorefrontKey);

        public async Task<WebhookRegistration> RegisterAsync(WebhookReceiver receiver, params string[] eventTypes)
        {
            var registration = await (await Admin.PostJsonAsync("/v1/webhooks", new { url = receiver.Url, eventTypes }))
                .ReadAsync<WebhookRegistration>(201, "register");
            receiver.Secret = registration.Secret;
            return registration;
        }

        public async Task<OrderView> PlaceAsync(string sku, string customer)
        {
            (await Ops.PutJsonAsync($"/v1/products/{sku}", ApiBodies.Product(sku))).EnsureSuccessStatusCode();
            (await Ops.PutJsonAsync($"/v1/inventory/{sku}", ApiBodies.Stock(20))).EnsureSuccessStatusCode();
            return await (await Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order(customer, (sku, 2)))).ReadAsync<OrderView>(201, "place");
        }

        public async Task FulfilAsync(OrderView order, bool deliver)
        {
            foreach (var shipment in order.Shipments)
            {
                foreach (var (step, body) in new (string, object)[]
                {
                    ("pick", new { }), ("pack", new { }), ("ship", new { }),
                    ("tracking", new { status = "out_for_delivery" }), ("tracking", new { status = "delivered" }),
                }.Take(deliver ? 5 : 3))
                {
                    var response = await Ops.PostJsonAsync($"/v1/shipments/{shipment.Id}/{step}", body);
                    Assert.True(response.IsSuccessStatusCode, $"{step} {shipment.Id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        /// <summary>
        /// The whole event feed once it has settled (no new event for half a second: an order learns of its shipments'
        /// moves, and notifies, a moment after the shipment calls return), as the events the patterns select.
        /// </summary>
        public async Task<List<FeedEvent>> ExpectedAsync(IReadOnlyList<string> patterns)
        {
            var seen = await FeedAsync(patterns);
            while (true)
            {
                await Task.Delay(500);
                var now = await FeedAsync(patterns);
                if (now.Count == seen.Count)
                {
                    return now;
                }

                seen = now;
            }
        }

        private async Task<List<FeedEvent>> FeedAsync(IReadOnlyList<string> patterns)
        {
            var events = new List<FeedEvent>();
            var after = 0L;
            while (true)
            {
                var page = JsonDocument.Parse(await Admin.GetStringAsync($"/v1/events?after={after}&limit=1000")).RootElement;
                var batch = page.GetProperty("events").EnumerateArray().Select(e => new FeedEvent(
                    e.GetProperty("position").GetInt64(), e.GetProperty("stream").GetString()!, e.GetProperty("sequence").GetInt64(),
                    e.GetProperty("type").GetString()!, e.GetProperty("data").Clone())).ToArray();
                if (batch.Length == 0)
                {
                    return events.Where(e => WebhookEventTypes.Matches(patterns, e.Type)).ToList();
                }

                events.AddRange(batch);
                after = page.GetProperty("next").GetInt64();
            }
        }

        public async Task<IReadOnlyList<WebhookDeliveryView>> DeliveriesAsync(string webhookId)
            => (await (await Admin.GetAsync($"/v1/webhooks/{webhookId}/deliveries?limit=1000")).ReadAsync<DeliveryLog>(200, "deliveries")).Deliveries;
    }

    private static Task AllArrivedAsync(WebhookReceiver receiver, IEnumerable<FeedEvent> expected, string what)
    {
        var ids = expected.Select(e => e.EventId).ToHashSet();
        return Eventually.TrueAsync(() => ids.IsSubsetOf(receiver.Received.Select(r => r.EventId)),
            $"{what}: every expected event reached the receiver ({ids.Count} expected, missing {string.Join(", ", ids.Except(receiver.Received.Select(r => r.EventId)).Take(5))})",
            TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_receiver_gets_every_selected_event_and_notification_signed_once_per_id_and_in_order_per_stream()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var api = new ApiFactory(settings: FastRetries());
        var clients = new Clients(api);
        var webhook = await clients.RegisterAsync(receiver, Patterns);

        var delivered = await clients.PlaceAsync("hook-tee", "cus-hook-1");
        await clients.FulfilAsync(delivered, deliver: true);
        var cancelled = await clients.PlaceAsync("hook-cap", "cus-hook-2");
        (await clients.Storefront.PostJsonAsync($"/v1/orders/{cancelled.Id}/cancel", new { reason = "changed my mind" })).EnsureSuccessStatusCode();

        var expected = await clients.ExpectedAsync(Patterns);
        await AllArrivedAsync(receiver, expected, "happy path");
        Assert.Equal(0, receiver.Rejected);

        // Only what the patterns select: no stock changes, no authorizations.
        var received = receiver.Received;
        Assert.DoesNotContain(received, r => r.Type.StartsWith("inventory.", StringComparison.Ordinal) || r.Type == "payment.authorized");
        Assert.Contains(received, r => r.Type == "payment.captured");
        Assert.Contains(received, r => r.Stream.StartsWith("shipments/", StringComparison.Ordinal));

        // De-duplicated by id, each event is the one on the feed, and each stream arrives in sequence order.
        var firstReceipts = received.DistinctBy(r => r.EventId).ToArray();
        Assert.Equal(expected.Select(e => e.EventId).Order(), firstReceipts.Select(r => r.EventId).Order());
        foreach (var feedEvent in expected)
        {
            var got = firstReceipts.Single(r => r.EventId == feedEvent.EventId);
            Assert.Equal((feedEvent.Type, feedEvent.Stream, feedEvent.Sequence), (got.Type, got.Stream, got.Sequence));
            Assert.True(JsonElement.DeepEquals(feedEvent.Data, got.Data), $"{feedEvent.EventId}: the body's data is the event's JSON");
        }

        foreach (var stream in firstReceipts.GroupBy(r => r.Stream))
        {
            var sequences = stream.Select(r => r.Sequence).ToArray();
            Assert.True(sequences.SequenceEqual(sequences.Order()), $"{stream.Key} arrived as {string.Join(",", sequences)}");
        }

        // Every customer notification of both orders went out, with its own id inside.
        foreach (var order in new[] { delivered, cancelled })
        {
            var notifications = JsonDocument.Parse(await clients.Storefront.GetStringAsync($"/v1/orders/{order.Id}/notifications"))
                .RootElement.GetProperty("notifications").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToArray();
            Assert.NotEmpty(notifications);
            var sent = firstReceipts.Where(r => r.Type == "customer.notification" && r.Stream == $"orders/{order.Id}")
                .Select(r => r.Data.GetProperty("notification").GetProperty("id").GetString()).ToArray();
            Assert.Equal(notifications, sent);
        }

        // The log has exactly one delivery per event, all delivered at the first attempt; nothing shows the secret again.
        var log = await clients.DeliveriesAsync(webhook.Id);
        Assert.Equal(expected.Count, log.Count);
        Assert.Equal(expected.Select(e => e.EventId).Order(), log.Select(d => d.EventId).Order());
        Assert.All(log, d => Assert.Equal((WebhookDeliveryState.Delivered, 1, 200), (d.State, d.Attempts, d.LastStatusCode)));
        var one = await (await clients.Admin.GetAsync($"/v1/webhooks/{webhook.Id}")).ReadAsync<JsonElement>(200, "get");
        Assert.Equal(expected.Count, one.GetProperty("delivered").GetInt32());
        Assert.False(one.TryGetProperty("secret", out _));
        Assert.DoesNotContain(webhook.Secret, await clients.Admin.GetStringAsync("/v1/webhooks"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_fails_for_a_while_gets_everything_after_it_recovers_and_a_dead_one_holds_up_nobody()
    {
        await using var flaky = await WebhookReceiver.StartAsync(failFirst: 3);
        await using var dead = await WebhookReceiver.StartAsync();
        dead.Down = true;
        using var api = new ApiFactory(settings: FastRetries());
        var clients = new Clients(api);
        var deadHook = await clients.RegisterAsync(dead, "*");
        var webhook = await clients.RegisterAsync(flaky, "order.*", "customer.notification");

        var order = await clients.PlaceAsync("hook-flaky", "cus-flaky");
        await clients.FulfilAsync(order, deliver: false);
        var expected = await clients.ExpectedAsync(["order.*", "customer.notification"]);
        await AllArrivedAsync(flaky, expected, "after recovery");
        Assert.Equal(0, flaky.Rejected);

        // The first event took the three failures (nothing overtook it), then everything went out in order.
        var log = await clients.DeliveriesAsync(webhook.Id);
        Assert.All(log, d => Assert.Equal(WebhookDeliveryState.Delivered, d.State));
        var first = log[^1];
        Assert.Equal(expected[0].EventId, first.EventId);
        Assert.Equal(4, first.Attempts);
        Assert.Equal([500, 500, 500, 200], first.RecentAttempts.Select(a => a.StatusCode ?? 0));
        Assert.Equal("HTTP 500 Internal Server Error", first.RecentAttempts[0].Error);
        Assert.Equal(expected.Select(e => e.EventId), flaky.Received.Select(r => r.EventId).Distinct());

        // The dead endpoint keeps retrying on its own.
        WebhookView? deadView = null;
        await Eventually.TrueAsync(async () =>
        {
            deadView = await (await clients.Admin.GetAsync($"/v1/webhooks/{deadHook.Id}")).ReadAsync<WebhookView>(200, "dead");
            return deadView.Pending > 0 && deadView.ConsecutiveFailures > 0 && dead.Requests > 0;
        }, "the dead endpoint has pending deliveries and keeps failing");
        Assert.Equal(0, deadView!.Delivered);

        // Redeliver sends the same event, with the same id, once more.
        var redelivered = await (await clients.Admin.PostAsync($"/v1/webhooks/{webhook.Id}/deliveries/{first.Id}/redeliver", null))
            .ReadAsync<WebhookDeliveryView>(202, "redeliver");
        Assert.Equal((first.EventId, WebhookDeliveryState.Pending), (redelivered.EventId, redelivered.State));
        await Eventually.TrueAsync(() => flaky.Received.Count(r => r.EventId == first.EventId) == 2, "the redelivery arrived");
        Assert.Equal(first.Id, flaky.Received.Last(r => r.EventId == first.EventId).DeliveryId);
        await Eventually.TrueAsync(async () => (await clients.DeliveriesAsync(webhook.Id))[^1] is { State: WebhookDeliveryState.Delivered, Attempts: 5 },
            "the log shows the redelivery");

        // Deleting the dead endpoint stops it.
        (await clients.Admin.DeleteAsync($"/v1/webhooks/{deadHook.Id}")).EnsureSuccessStatusCode();
        await (await clients.Admin.GetAsync($"/v1/webhooks/{deadHook.Id}")).AssertProblemAsync(404, "webhook-not-found");
        var list = await clients.Admin.GetStringAsync("/v1/webhooks");
        Assert.DoesNotContain(deadHook.Id, list, StringComparison.Ordinal);
        Assert.Contains(webhook.Id, list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deliveries_pending_when_the_silo_stops_go_out_once_a_new_silo_starts_on_the_same_database()
    {
        var directory = Directory.CreateTempSubdirectory("orderactors-webhooks-").FullName;
        var connectionString = $"Data Source={Path.Combine(directory, "orderactors.db")}";
        try
        {
            await using var receiver = await WebhookReceiver.StartAsync();
            receiver.Down = true;
            WebhookRegistration webhook;
            List<FeedEvent> expected;
            using (var first = new ApiFactory("Sqlite", connectionString, FastRetries()))
            {
                var clients = new Clients(first);
                webhook = await clients.RegisterAsync(receiver, Patterns);
                var order = await clients.PlaceAsync("hook-restart", "cus-restart");
                await clients.FulfilAsync(order, deliver: false);
                expected = await clients.ExpectedAsync(Patterns);
                await Eventually.TrueAsync(async () => await clients.DeliveriesAsync(webhook.Id) is var log
                        && log.Count == expected.Count && log.All(d => d.State == WebhookDeliveryState.Pending) && log[^1].Attempts > 0,
                    "every delivery is recorded and the receiver refused the first");
            }

            Assert.Empty(receiver.Received);
            receiver.Down = false;
            using (var second = new ApiFactory("Sqlite", connectionString, FastRetries()))
            {
                var clients = new Clients(second); // starts the silo: nothing else happens in this life but reads
                await AllArrivedAsync(receiver, expected, "after the restart");
                Assert.Equal(expected.Select(e => e.EventId), receiver.Received.Select(r => r.EventId).Distinct());
                await Eventually.TrueAsync(async () => (await clients.DeliveriesAsync(webhook.Id)).All(d => d.State == WebhookDeliveryState.Delivered),
                    "the log shows every delivery delivered");
                var log = await clients.DeliveriesAsync(webhook.Id);
                Assert.Equal(expected.Count, log.Count); // recorded once each, although the dispatcher ran in two silos
                Assert.Equal(0, receiver.Rejected);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
