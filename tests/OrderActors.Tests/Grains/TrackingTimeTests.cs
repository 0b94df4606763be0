using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace OrderActors.Tests.Grains;

/// <summary>Tracking times on a clock the test drives: bounded by the order's history, and the clock of the return window.</summary>
public sealed class TrackingTimeTests
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");

    [Fact]
    public async Task The_return_window_counts_from_the_delivery_and_a_delivery_cannot_predate_the_shipment()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 2, 2, 9, 0, 0, TimeSpan.Zero));
        await using var cluster = await OrderActorsTestCluster.StartAsync(time: time);
        var sku = $"sku-{Guid.NewGuid():N}";
        await TestCatalog.StockAsync(cluster.Grains, sku, new SetStock([new LocationQuantity("main", 10)], []));
        var order = cluster.Grains.GetGrain<IOrderGrain>("o-window");
        var placed = (await order.PlaceAsync(OrderPlacementTests.Order((sku, 2)))).Order!;
        await TestLocations.AddressAsync(cluster.Grains, placed);
        var shipmentId = placed.Shipments[0].Id;
        foreach (var action in new[] { ShipmentAction.Pick, ShipmentAction.Pack, ShipmentAction.Ship })
        {
            time.Advance(TimeSpan.FromHours(1));
            await order.UpdateShipmentAsync(new ShipmentCommand(shipmentId, action, null, null, Ops));
        }

        var shipped = (await order.GetAsync())!;
        var early = await Assert.ThrowsAsync<DomainException>(() => order.UpdateShipmentAsync(
            new ShipmentCommand(shipmentId, ShipmentAction.Track, null, new TrackingEvent(TrackingStatus.Delivered, null, placed.PlacedAt.AddDays(-1)), Ops)));
        Assert.Equal(("validation-failed", "at"), (early.Code, early.Field));
        Assert.Equivalent(shipped, (await order.GetAsync())!);

        time.Advance(TimeSpan.FromDays(1));
        await order.UpdateShipmentAsync(new ShipmentCommand(shipmentId, ShipmentAction.Track, null, new TrackingEvent(TrackingStatus.Delivered, null, null), Ops));
        time.Advance(TimeSpan.FromDays(29));
        Assert.Equal(ReturnStatus.Authorized, (await order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1))).Status); // day 29: open

        time.Advance(TimeSpan.FromDays(2));
        var before = (await order.GetAsync())!;
        var late = await Assert.ThrowsAsync<DomainException>(() => order.RequestReturnAsync(ReturnInvariantTests.Return(sku, 1)));
        Assert.Equal("return-window-closed", late.Code);
        Assert.Equivalent(before, (await order.GetAsync())!);
    }
}
