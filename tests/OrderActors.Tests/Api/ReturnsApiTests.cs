using System.Text.Json;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>A return from request to refund through the HTTP API, with its own database so the reports count only it.</summary>
public sealed class ReturnAcceptanceTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly AftercareApi _api = new(fixture);

    [Fact]
    public async Task Returning_two_of_three_units_restocks_the_resellable_one_refunds_both_and_shows_in_the_reports()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var order = await _api.DeliveredOrderAsync(null, (sku, 3));
        Assert.Equal(7, (await _api.StockAsync(sku)).Available);

        var opened = await _api.OpenReturnAsync(order.Id, new { lines = new[] { new { sku, quantity = 2, reason = "defective", comment = "stops after a minute" } } });
        Assert.Equal($"{order.Id}-r1", opened.Id);
        Assert.Equal((ReturnStatus.Authorized, 20m), (opened.Status, opened.Value)); // within the auto-authorization policy
        Assert.NotNull(opened.Label?.TrackingNumber);
        Assert.Contains(opened.Label!.TrackingNumber, opened.Instructions, StringComparison.Ordinal);
        Assert.Equivalent(opened, await (await fixture.Storefront.GetAsync($"/v1/returns/{opened.Id}")).ReadAsync<ReturnView>(200, "read return"), strict: true);

        var received = await _api.ReceiveAsync(opened.Id, (sku, 1, "resellable"), (sku, 1, "damaged"));
        Assert.Equal((ReturnStatus.Completed, 20m), (received.Status, received.Refunded));
        Assert.Equal(new InspectionResult(sku, 1, 1), Assert.Single(received.Inspection));

        var after = await _api.OrderAsync(order.Id);
        Assert.Equal((PaymentStatus.PartiallyRefunded, 30m, 20m), (after.PaymentStatus, after.Payment.Captured, after.Payment.Refunded));
        var refund = Assert.Single(after.Refunds);
        Assert.Equal((opened.Id, 20m), (refund.Cause, refund.Amount));
        var story = after.Timeline.Select(t => t.Type).ToArray();
        Assert.Equal(["return.requested", "return.authorized", "return.received", "payment.refunded", "return.completed"], story.SkipWhile(t => t != "return.requested"));
        var notifications = JsonDocument.Parse(await fixture.Storefront.GetStringAsync($"/v1/orders/{order.Id}/notifications")).RootElement.GetProperty("notifications")
            .EnumerateArray().Select(n => n.GetProperty("type").GetString()).ToArray();
        Assert.Equal(new string?[] { "feedback_requested", "return_authorized", "return_received", "refund_issued" }, notifications[^4..]);

        var stock = await _api.StockAsync(sku);
        Assert.Equal((8, 8, 3), (stock.OnHand, stock.Available, stock.Committed)); // the resellable unit is back; the damaged one is written off

        await Eventually.TrueAsync(async () => (await _api.KpisAsync()).GetProperty("checkpoint").GetInt64() >= LastPosition(await fixture.Ops.GetStringAsync($"/v1/orders/{order.Id}/events")),
            "the KPIs include the order's last event");
        var kpis = await _api.KpisAsync();
        Assert.Equal(1.0, kpis.GetProperty("returns").GetProperty("rate").GetDouble());
        var refunded = Assert.Single(kpis.GetProperty("refunded").EnumerateArray());
        Assert.Equal(("USD", 20m), (refunded.GetProperty("currency").GetString(), refunded.GetProperty("amount").GetDecimal()));
        Assert.Equal(1, kpis.GetProperty("returns").GetProperty("count").GetInt32());
        var events = JsonDocument.Parse(await fixture.Ops.GetStringAsync($"/v1/orders/{order.Id}/events")).RootElement.GetProperty("events");
        Assert.Contains(events.EnumerateArray(), e => e.GetProperty("type").GetString() == "payment.refunded");
    }

    private static long LastPosition(string events) => JsonDocument.Parse(events).RootElement.GetProperty("events").EnumerateArray().Max(e => e.GetProperty("position").GetInt64());
}

/// <summary>Exchanges, refusals and idempotency of returns, refunds and claims through the HTTP API.</summary>
public sealed class ReturnsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly AftercareApi _api = new(fixture);

    // Delivers 3 units of a SKU at 10.00, and exchanges one for a unit of another SKU at its catalog price.
    private async Task<(OrderView Order, string Sku, string Other, ReturnView Received)> ExchangedAsync(decimal replacementPrice)
    {
        var (sku, other) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        await fixture.StockAsync(sku, 10);
        await fixture.StockAsync(other, 10);
        await fixture.PriceAsync(other, replacementPrice);
        var order = await _api.DeliveredOrderAsync(null, (sku, 3));
        var opened = await _api.OpenReturnAsync(order.Id, new
        {
            lines = new[] { new { sku, quantity = 1, reason = "size_or_fit" } },
            resolution = "exchange",
            exchange = new[] { new { sku = other, quantity = 1 } },
        });
        return (order, sku, other, await _api.ReceiveAsync(opened.Id, (sku, 1, "resellable")));
    }

    [Theory]
    [InlineData(15.00, 15.00, 10.00)] // dearer: the returned unit is refunded, the replacement charged in full
    [InlineData(6.00, 6.00, 10.00)] // cheaper: the same rule
    public async Task An_exchange_ships_a_linked_replacement_and_the_money_balances(decimal replacementPrice, decimal charged, decimal refunded)
    {
        var (order, sku, other, received) = await ExchangedAsync(replacementPrice);
        Assert.Equal(ReturnStatus.Completed, received.Status);
        var replacementId = received.ReplacementOrderId;
        Assert.Equal($"{order.Id}-x1", replacementId);

        var replacement = await _api.OrderAsync(replacementId!);
        Assert.Equal((order.Id, OrderStatus.Confirmed, charged), (replacement.ReplacementFor, replacement.Status, replacement.Payment.Authorized));
        Assert.Equal([new OrderLineRequest(other, 1, replacementPrice)], replacement.Lines.Select(l => new OrderLineRequest(l.Sku, l.Quantity, l.UnitPrice)));
        Assert.Equal([replacementId!], (await _api.OrderAsync(order.Id)).Replacements);
        await _api.DeliverAsync(Assert.Single(replacement.Shipments).Id);

        var original = await _api.OrderAsync(order.Id);
        replacement = await _api.OrderAsync(replacementId!);
        Assert.Equal((OrderStatus.Completed, FulfillmentStatus.Delivered), (replacement.Status, replacement.FulfillmentStatus));
        Assert.Equal((30m, refunded, charged), (original.Payment.Captured, original.Payment.Refunded, replacement.Payment.Captured));
        var keptGoods = 2 * 10m + replacementPrice;
        Assert.True(original.Payment.Captured - original.Payment.Refunded + replacement.Payment.Captured == keptGoods,
            $"money: captured {original.Payment.Captured} − refunded {original.Payment.Refunded} + charged {replacement.Payment.Captured} should pay for the goods kept, {keptGoods}");
        Assert.Equal((8, 1), ((await _api.StockAsync(sku)).Available, (await _api.StockAsync(other)).Committed));
    }

    [Theory]
    [InlineData("cancel")] // the replacement is cancelled before it ships
    [InlineData("return")] // the replacement is delivered and sent back
    public async Task The_money_balances_when_an_exchange_replacement_is_cancelled_or_returned(string fate)
    {
        var (order, _, other, received) = await ExchangedAsync(15m);
        var replacementId = received.ReplacementOrderId!;
        if (fate == "cancel")
        {
            (await fixture.Ops.PostJsonAsync($"/v1/orders/{replacementId}/cancel", new { reason = "changed my mind" })).EnsureSuccessStatusCode();
        }
        else
        {
            await _api.DeliverAsync(Assert.Single((await _api.OrderAsync(replacementId)).Shipments).Id);
            var back = await _api.OpenReturnAsync(replacementId, new { lines = new[] { new { sku = other, quantity = 1, reason = "no_longer_needed" } } });
            await _api.ReceiveAsync(back.Id, (other, 1, "resellable"));
        }

        var (original, replacement) = (await _api.OrderAsync(order.Id), await _api.OrderAsync(replacementId));
        var paid = original.Payment.Captured - original.Payment.Refunded + replacement.Payment.Captured - replacement.Payment.Refunded;
        Assert.True(paid == 20m, $"after the replacement's {fate}: paid {paid} over both orders, expected 20 for the two units kept");
    }

    [Fact]
    public async Task Over_returning_and_over_refunding_are_refused_and_change_nothing()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var order = await _api.DeliveredOrderAsync(null, (sku, 3));
        await _api.OpenReturnAsync(order.Id, new { lines = new[] { new { sku, quantity = 2, reason = "no_longer_needed" } } }); // open, not yet received

        var before = await _api.SnapshotAsync(order.Id, sku);
        var overReturn = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/returns",
            new { lines = new[] { new { sku, quantity = 2, reason = "other" } } })).AssertProblemAsync(409, "return-exceeds-delivered", "over-return");
        Assert.Contains("1 left", overReturn.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await fixture.Ops.PostJsonAsync($"/v1/orders/{order.Id}/refunds", new { shipping = 31m, reason = "goodwill" }))
            .AssertProblemAsync(409, "refund-exceeds-captured", "over-refund");
        await (await fixture.Ops.PostJsonAsync($"/v1/orders/{order.Id}/refunds", new { lines = new[] { new { sku, quantity = 2 } }, reason = "units in the open return" }))
            .AssertProblemAsync(409, "refund-exceeds-units", "refund of returned units");
        await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/refunds", new { shipping = 1m, reason = "storefront" }))
            .AssertProblemAsync(403, "forbidden", "refunds are for ops");
        Assert.Equal(before, await _api.SnapshotAsync(order.Id, sku));

        // What is left can be refunded: 10 for the third unit, 20 more as goodwill; then not a cent more.
        var unit = await (await fixture.Ops.PostJsonAsync($"/v1/orders/{order.Id}/refunds", new { lines = new[] { new { sku, quantity = 1 } }, shipping = 20m, reason = "goodwill" }))
            .ReadAsync<RefundView>(201, "refund up to the capture");
        Assert.Equal(30m, unit.Amount);
        Assert.Equal(PaymentStatus.Refunded, (await _api.OrderAsync(order.Id)).PaymentStatus);
        var full = await _api.SnapshotAsync(order.Id, sku);
        await (await fixture.Ops.PostJsonAsync($"/v1/orders/{order.Id}/refunds", new { shipping = 0.01m, reason = "one cent" })).AssertProblemAsync(409, "refund-exceeds-captured");
        Assert.Equal(full, await _api.SnapshotAsync(order.Id, sku));
        // A return after the window closed: TrackingTimeTests (a delivery can no longer be dated before its order).
    }

    [Fact]
    public async Task A_like_for_like_exchange_of_a_free_unit_costs_nothing()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var body = new
        {
            customer = new { id = "cus-bogo", email = "cus-bogo@example.com" },
            lines = new[] { new { sku, quantity = 1, unitPrice = 50m, priceOverride = true }, new { sku, quantity = 1, unitPrice = 0m, priceOverride = true } },
            shippingAddress = new { name = "Ana Buyer", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
            payment = new { method = "card", token = "tok_visa" },
        };
        var order = await (await fixture.Ops.PostJsonAsync("/v1/orders", body)).ReadAsync<OrderView>(201, "place buy one, get one (a phone order at set prices)");
        await _api.DeliverAsync(Assert.Single(order.Shipments).Id);

        var opened = await _api.OpenReturnAsync(order.Id, new
        {
            lines = new[] { new { sku, quantity = 1, reason = "size_or_fit" } },
            resolution = "exchange",
            exchange = new[] { new { sku, quantity = 1 } },
        });
        Assert.Equal((0m, 0m), (opened.Value, Assert.Single(opened.Exchange).UnitPrice));
    }

    [Fact]
    public async Task Only_a_failed_refund_can_be_retried_and_only_by_ops()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var order = await _api.DeliveredOrderAsync(null, (sku, 1));
        var refund = await (await fixture.Ops.PostJsonAsync($"/v1/orders/{order.Id}/refunds", new { shipping = 1m, reason = "goodwill" })).ReadAsync<RefundView>(201, "refund");
        Assert.Equal(RefundStatus.Refunded, refund.Status);

        await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/refunds/{refund.Id}/retry", new { })).AssertProblemAsync(403, "forbidden", "retry is for ops");
        await (await fixture.Ops.PostJsonAsync($"/v1/orders/{order.Id}/refunds/{refund.Id}/retry", new { })).AssertProblemAsync(409, "invalid-transition", "retry of a refunded refund");
        await (await fixture.Ops.PostJsonAsync($"/v1/orders/{order.Id}/refunds/{order.Id}-f9/retry", new { })).AssertProblemAsync(404, "refund-not-found", "retry of no refund");
    }

    [Fact]
    public async Task Returns_are_refused_before_delivery_and_bad_bodies_are_422()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("cus-early", (sku, 1)))).ReadAsync<OrderView>(201, "place");
        var early = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/returns", new { lines = new[] { new { sku, quantity = 1, reason = "other" } } }))
            .AssertProblemAsync(409, "invalid-transition", "return before delivery");
        Assert.Equal("unfulfilled", early.GetProperty("currentState").GetString());

        var bad = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/returns", new { lines = new[] { new { sku, quantity = 0, reason = "bored" } } }))
            .AssertProblemAsync(422, "validation-failed");
        Assert.True(bad.GetProperty("errors").TryGetProperty("lines[0].reason", out _), bad.ToString());
        await (await fixture.Ops.GetAsync($"/v1/returns/{order.Id}-r9")).AssertProblemAsync(404, "return-not-found");
    }

    [Fact]
    public async Task A_return_retried_with_its_idempotency_key_is_opened_once()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var order = await _api.DeliveredOrderAsync(null, (sku, 2));
        var body = new { lines = new[] { new { sku, quantity = 1, reason = "damaged" } } };

        async Task<HttpResponseMessage> PostAsync(object request)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, $"/v1/orders/{order.Id}/returns") { Content = System.Net.Http.Json.JsonContent.Create(request, options: ApiFactory.Json) };
            message.Headers.Add("Idempotency-Key", "rma-1");
            return await fixture.Storefront.SendAsync(message);
        }

        var first = await (await PostAsync(body)).ReadAsync<ReturnView>(201, "first");
        var again = await (await PostAsync(body)).ReadAsync<ReturnView>(201, "retry");
        Assert.Equivalent(first, again, strict: true);
        await (await PostAsync(new { lines = new[] { new { sku, quantity = 1, reason = "other" } } })).AssertProblemAsync(409, "idempotency-key-reused");
        Assert.Single((await _api.OrderAsync(order.Id)).Returns);
    }

    [Fact]
    public async Task Ops_authorize_a_return_above_the_policy_and_a_lost_parcel_claim_gets_a_free_replacement()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 30);
        var order = await _api.DeliveredOrderAsync(null, (sku, 12));
        var opened = await _api.OpenReturnAsync(order.Id, new { lines = new[] { new { sku, quantity = 11, reason = "wrong_item" } } });
        Assert.Equal(ReturnStatus.Requested, opened.Status); // 110 is above the default 100
        Assert.Equal(["authorize", "reject"], opened.AllowedActions);
        await (await fixture.Storefront.PostJsonAsync($"/v1/returns/{opened.Id}/authorize", new { })).AssertProblemAsync(403, "forbidden");
        var authorized = await (await fixture.Ops.PostJsonAsync($"/v1/returns/{opened.Id}/authorize", new { })).ReadAsync<ReturnView>(200, "authorize");
        Assert.Equal(ReturnStatus.Authorized, authorized.Status);
        await (await fixture.Ops.PostJsonAsync($"/v1/returns/{opened.Id}/authorize", new { })).AssertProblemAsync(409, "invalid-transition", "authorize twice");

        var lost = await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("cus-lost", (sku, 2)))).ReadAsync<OrderView>(201, "place");
        var shipment = Assert.Single(lost.Shipments).Id;
        foreach (var step in new[] { "pick", "pack", "ship" })
        {
            (await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipment}/{step}", new { })).EnsureSuccessStatusCode();
        }

        await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{lost.Id}/claims", new { type = "parcel_lost", description = "never came" }))
            .AssertProblemAsync(409, "parcel-not-lost", "claim while in transit");
        (await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipment}/tracking", new { status = "returned_to_sender" })).EnsureSuccessStatusCode();
        var claim = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{lost.Id}/claims", new { type = "parcel_lost", description = "never came" }))
            .ReadAsync<ClaimView>(201, "claim");
        Assert.Equal((ClaimStatus.Open, shipment, 20m), (claim.Status, claim.ShipmentId, claim.Value));
        var resolved = await (await fixture.Ops.PostJsonAsync($"/v1/claims/{claim.Id}/resolve", new { resolution = "replacement" })).ReadAsync<ClaimView>(200, "resolve");
        Assert.Equal(ClaimStatus.Resolved, resolved.Status);
        var replacement = await _api.OrderAsync(resolved.ReplacementOrderId!);
        Assert.Equal((lost.Id, 0m, 2), (replacement.ReplacementFor, replacement.Payment.Authorized, replacement.Lines.Sum(l => l.Quantity)));
        await _api.DeliverAsync(Assert.Single(replacement.Shipments).Id);
        Assert.Equal((OrderStatus.Completed, 0m), ((await _api.OrderAsync(replacement.Id)).Status, (await _api.OrderAsync(replacement.Id)).Payment.Captured));
        Assert.Equal(20m, (await _api.OrderAsync(lost.Id)).Payment.Captured - (await _api.OrderAsync(lost.Id)).Payment.Refunded); // nothing refunded: replaced
    }
}
