using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

[Collection(SharedClusterCollection.Name)]
public sealed class OrderPlacementTests(SharedClusterFixture cluster)
{
    private readonly IGrainFactory _grains = cluster.Grains;

    internal static PlaceOrder Order(params (string Sku, int Quantity)[] lines)
        => new(new Customer("c-1", "c1@example.com", "C One"), SalesChannel.Web, OrderPriority.Standard, "USD",
            lines.Select(l => new OrderLineRequest(l.Sku, l.Quantity, 10m)).ToArray(),
            new Address("C One", "1 Main St", null, "Springfield", null, "12345", "US"), new PaymentDetails("card", "tok_visa"), new Actor("api-key:storefront", "test"));

    private static string Sku() => $"sku-{Guid.NewGuid():N}";

    private Task<InventoryView> StockAsync(string sku, int onHand, params string[] substitutes)
        => TestCatalog.StockAsync(_grains, sku, new SetStock([new LocationQuantity("main", onHand)], substitutes));

    [Fact]
    public async Task Placement_reserves_every_line_and_records_it_on_the_timeline()
    {
        var (a, b) = (Sku(), Sku());
        await StockAsync(a, 5);
        await StockAsync(b, 5);
        var result = await _grains.GetGrain<IOrderGrain>("o-" + a).PlaceAsync(Order((a, 2), (b, 3), (a, 1)));
        Assert.Equal(PlacementOutcome.Placed, result.Outcome);
        Assert.Equal((OrderStatus.Confirmed, PaymentStatus.Authorized), (result.Order!.Status, result.Order.PaymentStatus));
        Assert.Equal(60m, result.Order.Subtotal);
        Assert.Equal(["order.placed", "payment.authorized", "order.confirmed"], result.Order.Timeline.Select(t => t.Type));
        Assert.Equal(3, (await _grains.GetGrain<IInventoryGrain>(a).GetAsync())!.Reserved);
        Assert.Equal(3, (await _grains.GetGrain<IInventoryGrain>(b).GetAsync())!.Reserved);
    }

    [Fact]
    public async Task A_shortage_reserves_nothing_and_offers_in_stock_alternatives()
    {
        var (short1, plenty, alternative, emptyAlternative) = (Sku(), Sku(), Sku(), Sku());
        await StockAsync(alternative, 7);
        await StockAsync(emptyAlternative, 0);
        await StockAsync(short1, 2, alternative, emptyAlternative);
        await StockAsync(plenty, 10);

        var orderId = "o-" + short1;
        var result = await _grains.GetGrain<IOrderGrain>(orderId).PlaceAsync(Order((plenty, 4), (short1, 3)));

        Assert.Equal(PlacementOutcome.OutOfStock, result.Outcome);
        var shortage = Assert.Single(result.Shortages);
        Assert.Equal((short1, 3, 2), (shortage.Sku, shortage.Requested, shortage.Available));
        Assert.Equal([new Alternative(alternative, 7)], shortage.Alternatives);
        Assert.Equal(0, (await _grains.GetGrain<IInventoryGrain>(plenty).GetAsync())!.Reserved);
        Assert.Equal(0, (await _grains.GetGrain<IInventoryGrain>(short1).GetAsync())!.Reserved);
        Assert.Null(await _grains.GetGrain<IOrderGrain>(orderId).GetAsync());
    }

    [Fact]
    public async Task An_unknown_sku_is_reported_and_nothing_is_reserved()
    {
        var known = Sku();
        await StockAsync(known, 5);
        var unknown = Sku();
        var result = await _grains.GetGrain<IOrderGrain>("o-" + unknown).PlaceAsync(Order((known, 1), (unknown, 1)));
        Assert.Equal(PlacementOutcome.UnknownSku, result.Outcome);
        Assert.Equal([unknown], result.UnknownSkus);
        Assert.Equal(0, (await _grains.GetGrain<IInventoryGrain>(known).GetAsync())!.Reserved);
    }

    [Fact]
    public async Task Placing_the_same_order_twice_returns_it_and_reserves_once()
    {
        var sku = Sku();
        await StockAsync(sku, 5);
        var order = _grains.GetGrain<IOrderGrain>("o-" + sku);
        var command = Order((sku, 2));
        var results = await Task.WhenAll(order.PlaceAsync(command), order.PlaceAsync(command), order.PlaceAsync(command));
        Assert.All(results, r => Assert.Equal(PlacementOutcome.Placed, r.Outcome));
        Assert.Equal(2, (await _grains.GetGrain<IInventoryGrain>(sku).GetAsync())!.Reserved);

        var other = await Assert.ThrowsAsync<DomainException>(() => order.PlaceAsync(Order((sku, 3))));
        Assert.Equal("order-exists", other.Code);
        Assert.Equal(2, (await _grains.GetGrain<IInventoryGrain>(sku).GetAsync())!.Reserved);
    }

    [Fact]
    public async Task Concurrent_orders_never_oversell()
    {
        var sku = Sku();
        await StockAsync(sku, 30);
        var results = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(i => _grains.GetGrain<IOrderGrain>($"o-{sku}-{i}").PlaceAsync(Order((sku, 1)))));
        Assert.Equal(30, results.Count(r => r.Outcome == PlacementOutcome.Placed));
        Assert.Equal(70, results.Count(r => r.Outcome == PlacementOutcome.OutOfStock));
        var view = (await _grains.GetGrain<IInventoryGrain>(sku).GetAsync())!;
        Assert.Equal((30, 0), (view.Reserved, view.Available));
    }

    [Fact]
    public async Task Invalid_lines_are_refused_before_anything_is_reserved()
    {
        var sku = Sku();
        await StockAsync(sku, 5);
        var ex = await Assert.ThrowsAsync<DomainException>(() => _grains.GetGrain<IOrderGrain>("o-" + sku).PlaceAsync(Order((sku, 0))));
        Assert.Equal(DomainErrorKind.Invalid, ex.Kind);
        Assert.Equal(0, (await _grains.GetGrain<IInventoryGrain>(sku).GetAsync())!.Reserved);
    }
}

[Collection(SharedClusterCollection.Name)]
public sealed class PlacementCrashRepairTests(SharedClusterFixture cluster)
{
    [Fact]
    public async Task An_order_found_mid_placement_releases_its_reservations_when_it_reactivates()
    {
        var grains = cluster.Grains;
        var sku = $"sku-{Guid.NewGuid():N}";
        var orderId = $"o-crashed-{Guid.NewGuid():N}";
        var inventory = grains.GetGrain<IInventoryGrain>(sku);
        await TestCatalog.PriceAsync(grains, sku);
        await inventory.SetStockAsync(new SetStock([new LocationQuantity("main", 5)], []));

        // The state a process leaves behind when it dies after reserving but before recording the outcome.
        await inventory.ReserveAsync(new ReserveStock(orderId, 2));
        var command = OrderPlacementTests.Order((sku, 2));
        var crashed = new OrderState { Status = OrderStatus.Reserving, Request = command, Fingerprint = "x" };
        await cluster.Cluster.WriteEventedStateAsync("order", orderId, "order", crashed);

        Assert.Null(await grains.GetGrain<IOrderGrain>(orderId).GetAsync());
        Assert.Equal(0, (await inventory.GetAsync())!.Reserved);

        // The client's retry of the same placement now succeeds from a clean slate.
        var retry = await grains.GetGrain<IOrderGrain>(orderId).PlaceAsync(command);
        Assert.Equal(PlacementOutcome.Placed, retry.Outcome);
        Assert.Equal(2, (await inventory.GetAsync())!.Reserved);
    }
}
