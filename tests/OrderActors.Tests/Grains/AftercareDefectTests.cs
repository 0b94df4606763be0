using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Payments;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace OrderActors.Tests.Grains;

/// <summary>Valuation of returned units, refusals that change nothing, and commitments counted per parcel.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class AftercareValuationTests(SharedClusterFixture cluster)
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");

    internal static async Task DeliverAsync(IOrderGrain order, string shipmentId, TrackingStatus outcome = TrackingStatus.Delivered)
    {
        foreach (var action in new[] { ShipmentAction.Pick, ShipmentAction.Pack, ShipmentAction.Ship })
        {
            await order.UpdateShipmentAsync(new ShipmentCommand(shipmentId, action, null, null, Ops));
        }

        await order.UpdateShipmentAsync(new ShipmentCommand(shipmentId, ShipmentAction.Track, null, new TrackingEvent(outcome, null, null), Ops));
    }

    [Fact]
    public async Task Receipts_resolutions_and_replies_retried_with_their_idempotency_key_happen_once()
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        var (order, _) = await ReturnInvariantTests.DeliveredAsync(cluster.Grains, (sku, 3));
        var opened = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1));
        var receive = new ReceiveReturn(opened.Id, null, [new InspectedUnits(sku, 1, ItemCondition.Resellable)], Ops, "rcv-1");
        var received = await order.ReceiveReturnAsync(receive);
        Assert.Equal(received.Id, (await order.ReceiveReturnAsync(receive)).Id);

        var claim = await order.OpenClaimAsync(new OpenClaim(ClaimType.ArrivedDamaged, null, [new SkuQuantity(sku, 1)], "cracked", null, Ops));
        var resolve = new ResolveClaim(claim.Id, ClaimResolution.Refund, null, Ops, "res-1");
        await order.ResolveClaimAsync(resolve);
        Assert.Equal(ClaimStatus.Resolved, (await order.ResolveClaimAsync(resolve)).Status);

        var ticket = await order.OpenTicketAsync(new OpenTicket("Hello", "A question.", TicketPriority.Normal, null, Ops));
        var reply = new TicketCommand(ticket.Id, TicketAction.Reply, "An answer.", Ops, "reply-1");
        await order.UpdateTicketAsync(reply);
        Assert.Equal(2, (await order.UpdateTicketAsync(reply)).Messages.Count);
        Assert.Equal(10m + 10m, (await order.GetAsync())!.Payment.Refunded);
    }

    [Fact]
    public async Task A_receipt_at_a_location_that_does_not_stock_the_sku_is_refused_and_changes_nothing()
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        var (order, _) = await ReturnInvariantTests.DeliveredAsync(cluster.Grains, (sku, 2));
        var opened = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1));
        var before = (await order.GetAsync())!;

        var refused = await Assert.ThrowsAsync<DomainException>(() => order.ReceiveReturnAsync(new ReceiveReturn(opened.Id, "nowhere", [new InspectedUnits(sku, 1, ItemCondition.Resellable)], Ops)));
        Assert.Equal(("validation-failed", DomainErrorKind.Invalid), (refused.Code, refused.Kind));
        var after = (await order.GetAsync())!;
        Assert.Equal((ReturnStatus.Authorized, before.Timeline.Count), (after.Returns.Single().Status, after.Timeline.Count));
    }

    // One unit of a SKU on each of two lines, at the two prices, delivered.
    private async Task<(IOrderGrain Order, string Sku)> DeliveredAtPricesAsync(decimal first, decimal second)
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        await TestCatalog.StockAsync(cluster.Grains, sku, new SetStock([new LocationQuantity("main", 10)], []));
        var order = cluster.Grains.GetGrain<IOrderGrain>($"o-{Guid.NewGuid():N}");
        var request = OrderPlacementTests.Order((sku, 1)) with
        {
            Lines = [new OrderLineRequest(sku, 1, first, PriceOverride: true), new OrderLineRequest(sku, 1, second, PriceOverride: true)],
            Actor = new Actor("api-key:ops", "test"),
        };
        var placed = (await order.PlaceAsync(request)).Order!;
        await TestLocations.AddressAsync(cluster.Grains, placed);
        await DeliverAsync(order, Assert.Single(placed.Shipments).Id);
        return (order, sku);
    }

    [Fact]
    public async Task Units_of_a_sku_sold_at_two_prices_are_returned_cheapest_first()
    {
        var (order, sku) = await DeliveredAtPricesAsync(50m, 0m);

        var first = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1));
        Assert.True(first.Value == 0m, $"the first returned unit is the free one: value {first.Value}, expected 0");
        var received = await order.ReceiveReturnAsync(new ReceiveReturn(first.Id, null, [new InspectedUnits(sku, 1, ItemCondition.Resellable)], Ops));
        Assert.Equal(0m, received.Refunded);
        var second = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1));
        Assert.Equal(50m, second.Value);
    }

    [Fact]
    public async Task A_rejected_return_frees_its_cheapest_units_for_the_next_one()
    {
        var (order, sku) = await DeliveredAtPricesAsync(200m, 120m);

        var above = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1)); // 120 is above the policy: ops decide
        Assert.Equal((ReturnStatus.Requested, 120m), (above.Status, above.Value));
        await order.DecideReturnAsync(new DecideReturn(above.Id, false, "worn", Ops));
        var again = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1));
        Assert.Equal(120m, again.Value);
        var refund = await order.RefundAsync(new RefundPayment([new SkuQuantity(sku, 1)], 0, "goodwill", null, Ops));
        Assert.Equal(200m, refund.Amount);
    }

    [Fact]
    public async Task A_lost_parcel_claim_does_not_block_returns_of_the_delivered_parcel_and_its_units_are_restocked_once()
    {
        var (sku, east, west) = ($"sku-{Guid.NewGuid():N}", $"east-{Guid.NewGuid():N}", $"west-{Guid.NewGuid():N}");
        var inventory = cluster.Grains.GetGrain<IInventoryGrain>(sku);
        await TestCatalog.PriceAsync(cluster.Grains, sku);
        await inventory.SetStockAsync(new SetStock([new LocationQuantity(east, 1), new LocationQuantity(west, 1)], []));
        var order = cluster.Grains.GetGrain<IOrderGrain>($"o-{Guid.NewGuid():N}");
        var placed = (await order.PlaceAsync(OrderPlacementTests.Order((sku, 2)))).Order!;
        await TestLocations.AddressAsync(cluster.Grains, placed);
        await DeliverAsync(order, placed.Shipments.Single(s => s.Location == east).Id);
        var lostId = placed.Shipments.Single(s => s.Location == west).Id;
        await DeliverAsync(order, lostId, TrackingStatus.ReturnedToSender);

        var claim = await order.OpenClaimAsync(new OpenClaim(ClaimType.ParcelLost, lostId, [], "came back", null, Ops));
        var returned = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1));
        Assert.Equal((ReturnStatus.Authorized, 10m), (returned.Status, returned.Value));
        Assert.Equal("return-exceeds-delivered", (await Assert.ThrowsAsync<DomainException>(() => order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1)))).Code);

        await order.ResolveClaimAsync(new ResolveClaim(claim.Id, ClaimResolution.Refund, null, Ops));
        await order.GetAsync();
        var stock = (await inventory.GetAsync())!;
        Assert.Equal(1, stock.Locations.Single(l => l.Location == west).Available); // the parcel that came back is stock again, once
    }
}

/// <summary>Failures other than domain errors while settling: the order keeps serving, and the settlement finishes later.</summary>
public sealed class SettlementFaultTests
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");

    [Fact]
    public async Task A_refused_return_changes_nothing()
    {
        await using var cluster = await OrderActorsTestCluster.StartAsync(settings: new Dictionary<string, string?> { ["OrderActors:Returns:Carrier"] = "no-such-carrier" });
        var sku = $"sku-{Guid.NewGuid():N}";
        var (order, before) = await ReturnInvariantTests.DeliveredAsync(cluster.Grains, (sku, 2));

        var refused = await Assert.ThrowsAsync<DomainException>(() => order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1)));
        Assert.Equal("no-carrier", refused.Code);
        var after = (await order.GetAsync())!;
        Assert.Empty(after.Returns);
        Assert.Equal(before.Timeline.Count, after.Timeline.Count);
    }

    [Fact]
    public async Task A_gateway_that_throws_while_settling_does_not_block_the_order()
    {
        var gateway = new ScriptedGateway();
        await using var cluster = await OrderActorsTestCluster.StartAsync(services: s => s.AddSingleton<IPaymentGateway>(gateway));
        var sku = $"sku-{Guid.NewGuid():N}";
        var (order, _) = await ReturnInvariantTests.DeliveredAsync(cluster.Grains, (sku, 3));
        var opened = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1));

        gateway.ThrowOnRefund = true;
        var received = await order.ReceiveReturnAsync(new ReceiveReturn(opened.Id, null, [new InspectedUnits(sku, 1, ItemCondition.Resellable)], Ops));
        Assert.Equal(ReturnStatus.Received, received.Status);
        var ticket = await order.OpenTicketAsync(new OpenTicket("Where is my refund?", "It has been a while.", TicketPriority.Normal, null, new Actor("api-key:storefront", "shop")));
        Assert.NotNull(ticket);

        gateway.ThrowOnRefund = false;
        await order.OpenTicketAsync(new OpenTicket("Again", "Still nothing.", TicketPriority.Normal, null, new Actor("api-key:storefront", "shop")));
        var view = (await order.GetAsync())!;
        Assert.Equal((ReturnStatus.Completed, 10m), (view.Returns.Single().Status, view.Payment.Refunded));
    }
}

/// <summary>Refunds that crash between the gateway and the write, or that the gateway declines.</summary>
public sealed class RefundLedgerTests
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");

    [Fact]
    public async Task A_refund_retried_after_a_crash_reaches_the_gateway_once_even_if_another_refund_came_between()
    {
        var gateway = new ScriptedGateway();
        await using var cluster = await OrderActorsTestCluster.StartAsync(services: s => s.AddSingleton<IPaymentGateway>(gateway));
        var sku = $"sku-{Guid.NewGuid():N}";
        var (order, _) = await ReturnInvariantTests.DeliveredAsync(cluster.Grains, (sku, 3));
        var opened = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1));
        var goodwill = new RefundPayment([], 5m, "late delivery", "refund-1", Ops);
        // Fails the write that records a refund the gateway made (its reference); the one ahead of the gateway call goes through.
        var fault = await StateWriteFault.CreateAsync(cluster.Database, "order", order.GetPrimaryKeyString(), "\"reference\":\"ref_");

        await fault.ArmAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => order.RefundAsync(goodwill)); // the gateway refunded, the write after it failed
        Assert.True(fault.Caused(failure), $"the refund failed on the injected fault, not on: {failure}");
        await fault.DisarmAsync();
        await order.ReceiveReturnAsync(new ReceiveReturn(opened.Id, null, [new InspectedUnits(sku, 1, ItemCondition.Resellable)], Ops)); // another refund
        var retried = await order.RefundAsync(goodwill);

        var view = (await order.GetAsync())!;
        Assert.Equal((retried.Id, 5m), (view.Refunds.Single(r => r.Cause is null).Id, retried.Amount));
        Assert.True((gateway.Inner.RefundCount, gateway.Inner.RefundedTotal) == (2, 15m),
            $"the gateway made {gateway.Inner.RefundCount} refunds of {gateway.Inner.RefundedTotal} in all; expected 2 (the return's and the goodwill once) of 15");
        Assert.Equal(15m, view.Payment.Refunded);
    }

    [Fact]
    public async Task A_declined_settlement_refund_is_marked_failed_not_retried_held_against_the_capture_and_retried_by_ops()
    {
        var gateway = new ScriptedGateway();
        await using var cluster = await OrderActorsTestCluster.StartAsync(services: s => s.AddSingleton<IPaymentGateway>(gateway));
        var sku = $"sku-{Guid.NewGuid():N}";
        var (order, _) = await ReturnInvariantTests.DeliveredAsync(cluster.Grains, (sku, 3));
        var opened = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1));

        gateway.DeclineRefunds = true;
        var received = await order.ReceiveReturnAsync(new ReceiveReturn(opened.Id, null, [new InspectedUnits(sku, 1, ItemCondition.Resellable)], Ops));
        Assert.Equal((ReturnStatus.Completed, 0m), (received.Status, received.Refunded));
        var calls = gateway.RefundCalls;
        var view = (await order.GetAsync())!;
        await order.GetNotificationsAsync();
        Assert.Equal(calls, gateway.RefundCalls); // not retried before every request
        var failed = Assert.Single(view.Refunds);
        Assert.Equal((opened.Id, RefundStatus.Failed, 10m), (failed.Cause, failed.Status, failed.Amount));
        Assert.Contains("refund_not_allowed", failed.Failure, StringComparison.Ordinal);
        Assert.Contains(view.Timeline, t => t.Type == "payment.refund_failed");
        Assert.Equal("refund-exceeds-captured", (await Assert.ThrowsAsync<DomainException>(() => order.RefundAsync(new RefundPayment([], 25m, "goodwill", null, Ops)))).Code);

        gateway.DeclineRefunds = false;
        var retried = await order.RetryRefundAsync(new RetryRefund(failed.Id, Ops));
        Assert.Equal((RefundStatus.Refunded, 10m), (retried.Status, retried.Amount));
        view = (await order.GetAsync())!;
        Assert.Equal((10m, 10m), (view.Payment.Refunded, view.Returns.Single().Refunded));
        Assert.Equal("invalid-transition", (await Assert.ThrowsAsync<DomainException>(() => order.RetryRefundAsync(new RetryRefund(failed.Id, Ops)))).Code);
    }
}

/// <summary>The test gateway, with refunds that throw or are declined on demand, counting refunds per key.</summary>
internal sealed class ScriptedGateway : IPaymentGateway
{
    private readonly TestPaymentGateway _inner = new();

    public bool ThrowOnRefund { get; set; }

    public bool DeclineRefunds { get; set; }

    public int RefundCalls { get; private set; }

    public TestPaymentGateway Inner => _inner;

    public Task<PaymentResult> AuthorizeAsync(string idempotencyKey, string method, string? token, decimal amount, string currency, CancellationToken cancellationToken = default)
        => _inner.AuthorizeAsync(idempotencyKey, method, token, amount, currency, cancellationToken);

    public Task<PaymentResult> CaptureAsync(string idempotencyKey, string authorization, decimal amount, string currency, CancellationToken cancellationToken = default)
        => _inner.CaptureAsync(idempotencyKey, authorization, amount, currency, cancellationToken);

    public Task<PaymentResult> VoidAsync(string idempotencyKey, string authorization, CancellationToken cancellationToken = default)
        => _inner.VoidAsync(idempotencyKey, authorization, cancellationToken);

    public Task<PaymentResult> RefundAsync(string idempotencyKey, string capture, decimal amount, string currency, CancellationToken cancellationToken = default)
        => ++RefundCalls > 0 && ThrowOnRefund ? throw new HttpRequestException("The gateway connection was reset.")
            : DeclineRefunds ? Task.FromResult(new PaymentResult(PaymentOutcome.Declined, null, "refund_not_allowed", "The issuer refused the refund."))
            : _inner.RefundAsync(idempotencyKey, capture, amount, currency, cancellationToken);
}
