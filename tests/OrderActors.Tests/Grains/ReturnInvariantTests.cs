using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace OrderActors.Tests.Grains;

/// <summary>The invariants of returns and refunds, on the order grain: units, money, stock, and crashes in between.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ReturnInvariantTests(SharedClusterFixture cluster)
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");
    private static readonly Actor Customer = new("api-key:storefront", "test-shop");

    internal static RequestReturn Return(string sku, int quantity)
        => new([new ReturnLineRequest(sku, quantity, ReturnReason.NoLongerNeeded, null)], ReturnResolution.Refund, [], null, null, Customer);

    // Places an order for the lines (10.00 a unit, all at "main") and delivers it.
    internal static async Task<(IOrderGrain Order, OrderView View)> DeliveredAsync(IGrainFactory grains, params (string Sku, int Quantity)[] lines)
    {
        foreach (var (sku, _) in lines)
        {
            await TestCatalog.StockAsync(grains, sku, new SetStock([new LocationQuantity("main", 10)], []));
        }

        var order = grains.GetGrain<IOrderGrain>($"o-{Guid.NewGuid():N}");
        var placed = (await order.PlaceAsync(OrderPlacementTests.Order(lines))).Order!;
        await TestLocations.AddressAsync(grains, placed);
        foreach (var shipment in placed.Shipments)
        {
            foreach (var action in new[] { ShipmentAction.Pick, ShipmentAction.Pack, ShipmentAction.Ship })
            {
                await order.UpdateShipmentAsync(new ShipmentCommand(shipment.Id, action, null, null, Ops));
            }

            await order.UpdateShipmentAsync(new ShipmentCommand(shipment.Id, ShipmentAction.Track, null, new TrackingEvent(TrackingStatus.Delivered, null, null), Ops));
        }

        return (order, (await order.GetAsync())!);
    }

    [Fact]
    public async Task Concurrent_returns_cannot_together_exceed_what_was_delivered()
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        var (order, _) = await DeliveredAsync(cluster.Grains, (sku, 3));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            try
            {
                return (await order.RequestReturnAsync(Return(sku, 1))).Id;
            }
            catch (DomainException ex)
            {
                return ex.Code;
            }
        }));

        Assert.Equal(3, attempts.Count(a => a.Contains("-r", StringComparison.Ordinal)));
        Assert.Equal(2, attempts.Count(a => a == "return-exceeds-delivered"));
        Assert.Equal(3, (await order.GetAsync())!.Returns.Sum(r => r.Lines.Sum(l => l.Quantity)));
    }

    [Fact]
    public async Task A_rejected_return_frees_its_units_and_received_units_cannot_exceed_the_return()
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        var (order, _) = await DeliveredAsync(cluster.Grains, (sku, 2));
        var first = await order.RequestReturnAsync(Return(sku, 2));
        await Assert.ThrowsAsync<DomainException>(() => order.RequestReturnAsync(Return(sku, 1)));

        var over = await Assert.ThrowsAsync<DomainException>(() => order.ReceiveReturnAsync(new ReceiveReturn(first.Id, null, [new InspectedUnits(sku, 3, ItemCondition.Resellable)], Ops)));
        Assert.Equal("receipt-exceeds-return", over.Code);

        var refused = await Assert.ThrowsAsync<DomainException>(() => order.DecideReturnAsync(new DecideReturn(first.Id, false, "no", Ops)));
        Assert.Equal(("invalid-transition", "authorized"), (refused.Code, refused.CurrentState)); // already authorized by policy
        Assert.Equal(["receive"], refused.AllowedActions!);
    }

    [Fact]
    public async Task Refunds_never_exceed_the_capture_counting_the_cancellation_refund()
    {
        var (a, b, east, west) = ($"sku-{Guid.NewGuid():N}", $"sku-{Guid.NewGuid():N}", $"east-{Guid.NewGuid():N}", $"west-{Guid.NewGuid():N}");
        await TestCatalog.StockAsync(cluster.Grains, a, new SetStock([new LocationQuantity(east, 5)], []));
        await TestCatalog.StockAsync(cluster.Grains, b, new SetStock([new LocationQuantity(west, 5)], []));
        var order = cluster.Grains.GetGrain<IOrderGrain>($"o-{Guid.NewGuid():N}");
        var placed = (await order.PlaceAsync(OrderPlacementTests.Order((a, 1), (b, 2)))).Order!;
        var shipped = placed.Shipments.Single(s => s.Location == east).Id;
        foreach (var action in new[] { ShipmentAction.Pick, ShipmentAction.Pack, ShipmentAction.Ship })
        {
            await order.UpdateShipmentAsync(new ShipmentCommand(shipped, action, null, null, Ops));
        }

        var cancelled = await order.CancelAsync(new CancelOrder("rest not wanted", Ops));
        Assert.Equal((30m, 20m), (cancelled.Payment.Captured, cancelled.Payment.Refunded));

        var over = await Assert.ThrowsAsync<DomainException>(() => order.RefundAsync(new RefundPayment([], 10.01m, "goodwill", null, Ops)));
        Assert.Equal("refund-exceeds-captured", over.Code);
        var unshipped = await Assert.ThrowsAsync<DomainException>(() => order.RefundAsync(new RefundPayment([new SkuQuantity(b, 1)], 0, "never shipped", null, Ops)));
        Assert.Equal("refund-exceeds-units", unshipped.Code);
        Assert.Equal(20m, (await order.GetAsync())!.Payment.Refunded);

        var rest = await order.RefundAsync(new RefundPayment([new SkuQuantity(a, 1)], 0, "shipped unit", null, Ops));
        Assert.Equal(10m, rest.Amount);
        var view = (await order.GetAsync())!;
        Assert.Equal((PaymentStatus.Refunded, 30m), (view.PaymentStatus, view.Payment.Refunded));
        Assert.Equal("refund-exceeds-captured", (await Assert.ThrowsAsync<DomainException>(() => order.RefundAsync(new RefundPayment([], 0.01m, "more", null, Ops)))).Code);
    }

    [Fact]
    public async Task Restocking_a_return_again_takes_its_units_back_once()
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        var inventory = cluster.Grains.GetGrain<IInventoryGrain>(sku);
        await TestCatalog.PriceAsync(cluster.Grains, sku);
        await inventory.SetStockAsync(new SetStock([new LocationQuantity("main", 4)], []));

        var first = await inventory.RestockAsync(new RestockStock("o-1-r1", "main", 2, 1));
        var retry = await inventory.RestockAsync(new RestockStock("o-1-r1", "main", 2, 1));
        Assert.Equal((6, 6), (first.OnHand, retry.OnHand)); // the damaged unit is written off, not stocked
        var other = await inventory.RestockAsync(new RestockStock("o-1-r2", "outlet", 1, 0));
        Assert.Equal((7, 1), (other.OnHand, other.Locations.Single(l => l.Location == "outlet").Available));
    }
}

/// <summary>A storage failure in the middle of settling a return: the next request finishes it, moving stock and money once.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ReturnCrashTests(SharedClusterFixture cluster)
{
    [Fact]
    public async Task A_return_whose_final_write_failed_is_settled_once_by_the_next_request()
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        var (order, _) = await ReturnInvariantTests.DeliveredAsync(cluster.Grains, (sku, 3));
        var opened = await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 2));
        // The write that records the settlement done (nothing pending, the inspection recorded) fails; the one before
        // it, which wrote the settlement ahead, went through.
        var fault = await StateWriteFault.CreateAsync(cluster.Cluster.Database, "order", order.GetPrimaryKeyString(),
            "\"pendingSettlements\":[]", "\"inspection\":[{");

        await fault.ArmAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => order.ReceiveReturnAsync(new ReceiveReturn(opened.Id, null,
            [new InspectedUnits(sku, 1, ItemCondition.Resellable), new InspectedUnits(sku, 1, ItemCondition.Damaged)], new Actor("api-key:ops", "ops"))));
        Assert.True(fault.Caused(failure), $"the receipt failed on the injected fault, not on: {failure}");
        await fault.DisarmAsync();

        var view = (await order.GetAsync())!; // the next request finishes the settlement written ahead
        var settled = Assert.Single(view.Returns);
        Assert.Equal((ReturnStatus.Completed, 20m), (settled.Status, settled.Refunded));
        Assert.Equal((20m, 1), (view.Payment.Refunded, view.Refunds.Count));
        Assert.Single(view.Timeline, t => t.Type == "payment.refunded");
        var stock = (await cluster.Grains.GetGrain<IInventoryGrain>(sku).GetAsync())!;
        Assert.Equal(8, stock.OnHand); // 10 − 3 shipped + 1 resellable, once
    }
}

/// <summary>A parcel that never arrives: claimable once it is overdue, refunded once.</summary>
public sealed class LostParcelTests
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");
    private static readonly Actor Customer = new("api-key:storefront", "test-shop");

    [Fact]
    public async Task A_parcel_not_delivered_a_week_after_the_promised_date_can_be_claimed_lost_and_is_refunded_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var cluster = await OrderActorsTestCluster.StartAsync(time: time);
        var sku = $"sku-{Guid.NewGuid():N}";
        await TestCatalog.StockAsync(cluster.Grains, sku, new SetStock([new LocationQuantity("main", 10)], []));
        var order = cluster.Grains.GetGrain<IOrderGrain>("o-lost");
        var placed = (await order.PlaceAsync(OrderPlacementTests.Order((sku, 2)))).Order!;
        foreach (var action in new[] { ShipmentAction.Pick, ShipmentAction.Pack, ShipmentAction.Ship })
        {
            await order.UpdateShipmentAsync(new ShipmentCommand(placed.Shipments[0].Id, action, null, null, Ops));
        }

        var claimLost = new OpenClaim(ClaimType.ParcelLost, null, [], "It never came.", null, Customer);
        Assert.Equal("parcel-not-lost", (await Assert.ThrowsAsync<DomainException>(() => order.OpenClaimAsync(claimLost))).Code);

        time.Advance(placed.PromisedBy - time.GetUtcNow() + TimeSpan.FromDays(8));
        var claim = await order.OpenClaimAsync(claimLost);
        Assert.Equal((ClaimStatus.Open, placed.Shipments[0].Id, 20m), (claim.Status, claim.ShipmentId, claim.Value));
        Assert.Equal("claim-exceeds-shipped", (await Assert.ThrowsAsync<DomainException>(() => order.OpenClaimAsync(claimLost))).Code);

        var resolved = await order.ResolveClaimAsync(new ResolveClaim(claim.Id, ClaimResolution.Refund, "the carrier lost it", Ops));
        Assert.Equal((ClaimStatus.Resolved, 20m), (resolved.Status, resolved.Refunded));
        Assert.Equal("invalid-transition", (await Assert.ThrowsAsync<DomainException>(() => order.ResolveClaimAsync(new ResolveClaim(claim.Id, ClaimResolution.Refund, null, Ops)))).Code);
        var view = (await order.GetAsync())!;
        Assert.Equal((PaymentStatus.Refunded, 20m, 20m), (view.PaymentStatus, view.Payment.Captured, view.Payment.Refunded));
    }
}
