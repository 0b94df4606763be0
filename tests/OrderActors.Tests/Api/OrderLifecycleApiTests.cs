using System.Net;
using System.Text.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>The order lifecycle through the HTTP API alone.</summary>
public sealed class OrderLifecycleApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static object Order(string priority, params (string Sku, int Quantity)[] lines)
        => new
        {
            customer = new { id = "cus-walk", email = "walk@example.com", name = "Walker" },
            channel = "web",
            priority,
            lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity, unitPrice = 10m }).ToArray(),
            shippingAddress = new { name = "Walker", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
            payment = new { method = "card", token = "tok_visa" },
        };

    private async Task<OrderView> PlaceAsync(object body)
        => await (await fixture.Storefront.PostJsonAsync("/v1/orders", body)).ReadAsync<OrderView>(201, "place");

    private async Task<ShipmentView> StepAsync(string shipmentId, string step, object? body = null)
        => await (await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipmentId}/{step}", body ?? new { })).ReadAsync<ShipmentView>(200, $"{step} {shipmentId}");

    private Task<ShipmentView> TrackAsync(string shipmentId, string status)
        => StepAsync(shipmentId, "tracking", new { status, detail = $"carrier says {status}" });

    private async Task<OrderView> GetOrderAsync(string id) => await (await fixture.Ops.GetAsync($"/v1/orders/{id}")).ReadAsync<OrderView>(200, "read order");

    private async Task<InventoryView> GetStockAsync(string sku) => await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, "read stock");

    [Fact]
    public async Task A_vip_order_over_two_locations_goes_from_placement_to_delivered()
    {
        var (a, b) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        var (east, west) = ($"east-{a}", $"west-{b}");
        await fixture.PriceAsync(a);
        await fixture.PriceAsync(b);
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{a}", new { locations = new Dictionary<string, int> { [east] = 10 } })).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{b}", new { locations = new Dictionary<string, int> { [west] = 10 } })).EnsureSuccessStatusCode();

        var standard = await PlaceAsync(Order("standard", (a, 1)));
        var vip = await PlaceAsync(Order("vip", (a, 2), (b, 1)));
        Assert.Equal((OrderStatus.Confirmed, PaymentStatus.Authorized), (vip.Status, vip.PaymentStatus));
        Assert.Equal(2, vip.Shipments.Count);
        var vipEast = vip.Shipments.Single(s => s.Location == east).Id;
        var vipWest = vip.Shipments.Single(s => s.Location == west).Id;

        // The VIP order is picked first although the standard one is older.
        JsonElement queue = default;
        await Eventually.TrueAsync(async () =>
        {
            queue = JsonDocument.Parse(await fixture.Ops.GetStringAsync($"/v1/locations/{east}/pick-queue")).RootElement;
            return queue.GetProperty("waiting").GetInt32() == 2;
        }, "the pick queue shows both shipments at east");
        Assert.Equal(east, queue.GetProperty("location").GetString());
        Assert.Equal([vipEast, standard.Shipments[0].Id], queue.GetProperty("shipments").EnumerateArray().Select(e => e.GetProperty("shipmentId").GetString()));

        await StepAsync(vipEast, "pick");
        await StepAsync(vipEast, "pack");
        var shippedEast = await StepAsync(vipEast, "ship", new { carrier = "swift-express" });
        Assert.Equal(("swift-express", ShipmentStatus.Shipped), (shippedEast.Carrier, shippedEast.Status));
        var afterFirst = await GetOrderAsync(vip.Id);
        Assert.Equal((PaymentStatus.Captured, 30m, FulfillmentStatus.PartiallyShipped), (afterFirst.PaymentStatus, afterFirst.Payment.Captured, afterFirst.FulfillmentStatus));

        await StepAsync(vipWest, "pick");
        await StepAsync(vipWest, "pack");
        var shippedWest = await StepAsync(vipWest, "ship");
        Assert.NotNull(shippedWest.Carrier);
        Assert.NotEqual(shippedEast.TrackingNumber, shippedWest.TrackingNumber);
        var afterSecond = await GetOrderAsync(vip.Id);
        Assert.Equal((30m, FulfillmentStatus.Shipped), (afterSecond.Payment.Captured, afterSecond.FulfillmentStatus)); // captured once

        var label = JsonDocument.Parse(await fixture.Ops.GetStringAsync($"/v1/shipments/{vipEast}/label")).RootElement;
        Assert.Equal("zpl", label.GetProperty("format").GetString());
        Assert.Contains(shippedEast.TrackingNumber!, label.GetProperty("document").GetString(), StringComparison.Ordinal);

        foreach (var shipment in new[] { vipEast, vipWest })
        {
            await TrackAsync(shipment, "in_transit");
            await TrackAsync(shipment, "out_for_delivery");
            await TrackAsync(shipment, "delivered");
        }

        var done = await GetOrderAsync(vip.Id);
        Assert.Equal((OrderStatus.Completed, PaymentStatus.Captured, FulfillmentStatus.Delivered), (done.Status, done.PaymentStatus, done.FulfillmentStatus));
        Assert.All(done.Shipments, s => Assert.Equal("delivered", s.Status));
        var story = done.Timeline.Select(t => t.Type).ToArray();
        Assert.Equal(["order.placed", "payment.authorized", "order.confirmed"], story[..3]);
        Assert.Equal(2, story.Count(t => t == "shipment.shipped"));
        Assert.Equal(1, story.Count(t => t == "payment.captured"));
        Assert.Equal("order.completed", story[^1]);
        Assert.Contains(done.Timeline, t => t.Type == "shipment.picked" && t.Actor.Id == "dev-ops");

        var notifications = JsonDocument.Parse(await fixture.Storefront.GetStringAsync($"/v1/orders/{vip.Id}/notifications")).RootElement.GetProperty("notifications");
        Assert.Equal(
            ["order_confirmed", "shipment_shipped", "shipment_shipped", "shipment_out_for_delivery", "shipment_delivered", "shipment_out_for_delivery", "shipment_delivered", "feedback_requested"],
            notifications.EnumerateArray().Select(n => n.GetProperty("type").GetString()));
        Assert.All(notifications.EnumerateArray(), n => Assert.Equal("walk@example.com", n.GetProperty("to").GetString()));

        var stockA = await GetStockAsync(a);
        Assert.Equal((8, 1, 7, 2), (stockA.OnHand, stockA.Reserved, stockA.Available, stockA.Committed));
        Assert.Equal(10, stockA.Available + stockA.Reserved + stockA.Committed);
        var stockB = await GetStockAsync(b);
        Assert.Equal((9, 0, 9, 1), (stockB.OnHand, stockB.Reserved, stockB.Available, stockB.Committed));
    }

    // How to bring a single-shipment order's shipment into each status, through the API.
    private static readonly Dictionary<string, string[]> PathTo = new()
    {
        ["ready_to_pick"] = [],
        ["picked"] = ["pick"],
        ["packed"] = ["pick", "pack"],
        ["shipped"] = ["pick", "pack", "ship"],
        ["in_transit"] = ["pick", "pack", "ship", "track:in_transit"],
        ["out_for_delivery"] = ["pick", "pack", "ship", "track:out_for_delivery"],
        ["failed_attempt"] = ["pick", "pack", "ship", "track:failed_attempt"],
        ["delivered"] = ["pick", "pack", "ship", "track:delivered"],
        ["returned_to_sender"] = ["pick", "pack", "ship", "track:returned_to_sender"],
        ["cancelled"] = ["cancel"],
    };

    public static TheoryData<string> Statuses() => new(PathTo.Keys);

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task Every_action_the_state_machine_refuses_is_a_409_that_changes_nothing(string status)
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var order = await PlaceAsync(Order("standard", (sku, 2)));
        var shipmentId = Assert.Single(order.Shipments).Id;
        foreach (var step in PathTo[status])
        {
            await ApplyAsync(order.Id, shipmentId, step, expectSuccess: true);
        }

        var shipment = await (await fixture.Ops.GetAsync($"/v1/shipments/{shipmentId}")).ReadAsync<ShipmentView>(200, "shipment");
        var expected = Enum.GetValues<ShipmentStatus>().Single(s => ShipmentStateMachine.Format(s) == status);
        Assert.Equal(expected, shipment.Status);
        var allowed = ShipmentStateMachine.AllowedIn(expected);
        Assert.Equal(allowed, shipment.AllowedActions);

        foreach (var action in ShipmentStateMachine.Actions.Where(a => !allowed.Contains(a)))
        {
            if (action == "cancel" && status == "cancelled")
            {
                continue; // repeating a cancellation is an idempotent retry, answered 200 with nothing changed
            }

            var orderBefore = await fixture.Ops.GetStringAsync($"/v1/orders/{order.Id}");
            var shipmentBefore = await fixture.Ops.GetStringAsync($"/v1/shipments/{shipmentId}");
            var stockBefore = await fixture.Ops.GetStringAsync($"/v1/inventory/{sku}");

            var response = await ApplyAsync(order.Id, shipmentId, action == "track" ? "track:delivered" : action, expectSuccess: false);
            var problem = await response.AssertProblemAsync(409, "invalid-transition", $"{action} while {status}");
            if (action != "cancel")
            {
                Assert.Equal(status, problem.GetProperty("currentState").GetString());
                Assert.Equal(allowed, problem.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()));
            }

            Assert.Equal(orderBefore, await fixture.Ops.GetStringAsync($"/v1/orders/{order.Id}"));
            Assert.Equal(shipmentBefore, await fixture.Ops.GetStringAsync($"/v1/shipments/{shipmentId}"));
            Assert.Equal(stockBefore, await fixture.Ops.GetStringAsync($"/v1/inventory/{sku}"));
        }

        var stock = await GetStockAsync(sku);
        Assert.Equal(5, stock.Available + stock.Reserved + stock.Committed);
    }

    private async Task<HttpResponseMessage> ApplyAsync(string orderId, string shipmentId, string step, bool expectSuccess)
    {
        var response = step switch
        {
            "cancel" => await fixture.Storefront.PostJsonAsync($"/v1/orders/{orderId}/cancel", new { reason = "test" }),
            _ when step.StartsWith("track:", StringComparison.Ordinal) =>
                await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipmentId}/tracking", new { status = step["track:".Length..] }),
            _ => await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipmentId}/{step}", new { }),
        };
        if (expectSuccess)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{step}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }

    [Fact]
    public async Task Cancelling_a_delivered_order_is_refused_naming_the_state()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var order = await PlaceAsync(Order("express", (sku, 1)));
        var shipment = order.Shipments[0].Id;
        foreach (var step in PathTo["delivered"])
        {
            await ApplyAsync(order.Id, shipment, step, expectSuccess: true);
        }

        var problem = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/cancel", new { reason = "too late" })).AssertProblemAsync(409, "invalid-transition");
        Assert.Equal("completed", problem.GetProperty("currentState").GetString());
        Assert.Empty(problem.GetProperty("allowedActions").EnumerateArray());
    }

    [Fact]
    public async Task Payment_problems_at_placement_are_402_and_503_and_reserve_nothing()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var declined = await (await fixture.Storefront.PostJsonAsync("/v1/orders", WithToken(Order("standard", (sku, 1)), "tok_fraud"))).AssertProblemAsync(402, "payment-declined");
        Assert.Equal("suspected_fraud", declined.GetProperty("reason").GetString());
        var unavailable = await fixture.Storefront.PostJsonAsync("/v1/orders", WithToken(Order("standard", (sku, 1)), "tok_unavailable"));
        await unavailable.AssertProblemAsync(503, "payment-unavailable");
        Assert.NotNull(unavailable.Headers.RetryAfter);
        Assert.Equal(0, (await GetStockAsync(sku)).Reserved);
    }

    private static Dictionary<string, object?> WithToken(object order, string token)
    {
        var body = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(order))!;
        body["payment"] = new { method = "card", token };
        return body;
    }
}
