using System.Net.Http.Headers;
using System.Text.Json;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

public sealed class EventFeedTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task<OrderView> PlaceAsync(string sku)
    {
        await fixture.StockAsync(sku, 10);
        return await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("c-feed", (sku, 2)))).ReadAsync<OrderView>(201, "place");
    }

    private static JsonElement[] Events(string json) => JsonDocument.Parse(json).RootElement.GetProperty("events").EnumerateArray().ToArray();

    [Fact]
    public async Task The_global_feed_pages_every_change_in_position_order()
    {
        var sku = ApiFixture.NewSku();
        var order = await PlaceAsync(sku);
        var all = Events(await fixture.Analytics.GetStringAsync("/v1/events?after=0&limit=1000"));
        var positions = all.Select(e => e.GetProperty("position").GetInt64()).ToArray();
        Assert.Equal(positions.Order(), positions);

        var mine = all.Where(e => e.GetProperty("stream").GetString() == $"orders/{order.Id}").ToArray();
        Assert.Equal(["order.placed", "payment.authorized", "order.confirmed", "customer.notification"], mine.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("confirmed", mine[2].GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("order_confirmed", mine[3].GetProperty("data").GetProperty("notification").GetProperty("type").GetString());
        Assert.Contains(all, e => e.GetProperty("stream").GetString() == $"inventory/{sku}" && e.GetProperty("type").GetString() == "inventory.reserved");
        Assert.Contains(all, e => e.GetProperty("stream").GetString()!.StartsWith("shipments/", StringComparison.Ordinal));

        // Paging: the pages, joined, are the feed.
        var paged = new List<long>();
        var after = 0L;
        while (true)
        {
            var page = JsonDocument.Parse(await fixture.Analytics.GetStringAsync($"/v1/events?after={after}&limit=3")).RootElement;
            var events = page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("position").GetInt64()).ToArray();
            if (events.Length == 0 || paged.Count >= positions.Length)
            {
                break;
            }

            paged.AddRange(events);
            after = page.GetProperty("next").GetInt64();
        }

        Assert.Equal(positions, paged.Take(positions.Length));
        await (await fixture.Storefront.GetAsync("/v1/events")).AssertProblemAsync(403, "forbidden");
        await (await fixture.Analytics.GetAsync("/v1/events?limit=0")).AssertProblemAsync(422, "validation-failed");
    }

    [Fact]
    public async Task An_order_stream_numbers_its_events_and_a_live_tail_resumes_after_a_disconnect_without_loss()
    {
        var order = await PlaceAsync(ApiFixture.NewSku());
        var shipment = order.Shipments[0].Id;
        var sequences = Events(await fixture.Storefront.GetStringAsync($"/v1/orders/{order.Id}/events"))
            .Select(e => e.GetProperty("sequence").GetInt64()).ToArray();
        Assert.Equal([1L, 2L, 3L, 4L], sequences);

        var seen = new List<(long Id, string Type)>();
        using (var tail = await OpenTailAsync(order.Id, lastEventId: null))
        {
            seen.AddRange(await tail.ReadAsync(4));
            await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipment}/pick", new { });
            seen.AddRange(await tail.ReadAsync(1)); // live
        }

        // While disconnected:
        await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipment}/pack", new { });
        await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipment}/ship", new { });

        using (var resumed = await OpenTailAsync(order.Id, lastEventId: seen[^1].Id))
        {
            seen.AddRange(await resumed.ReadAsync(4)); // packed, shipped, its notification, payment captured
        }

        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L], seen.Select(e => e.Id));
        Assert.Equal(["order.placed", "payment.authorized", "order.confirmed", "customer.notification", "shipment.picked",
            "shipment.packed", "shipment.shipped", "customer.notification", "payment.captured"], seen.Select(e => e.Type));
    }

    [Fact]
    public async Task An_event_stream_client_gets_problem_json_errors_too()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/orders/bad%20id/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        await (await fixture.Storefront.SendAsync(request)).AssertProblemAsync(404, "order-not-found");

        var anonymous = new HttpRequestMessage(HttpMethod.Get, "/v1/events");
        anonymous.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        await (await fixture.Api.ClientWithKey(null).SendAsync(anonymous)).AssertProblemAsync(401, "unauthorized");

        var missing = new HttpRequestMessage(HttpMethod.Get, "/v1/nothing-here");
        missing.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        await (await fixture.Storefront.SendAsync(missing)).AssertProblemAsync(404, "not-found");
    }

    private async Task<EventTail> OpenTailAsync(string orderId, long? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/orders/{orderId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = await fixture.Storefront.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventTail(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    private sealed class EventTail(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public async Task<List<(long Id, string Type)>> ReadAsync(int count)
        {
            var events = new List<(long, string)>();
            long id = 0;
            var type = "";
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (events.Count < count)
            {
                var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("The event stream ended.");
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.Length == 0 && type.Length > 0)
                {
                    events.Add((id, type));
                    type = "";
                }
            }

            return events;
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }
}
