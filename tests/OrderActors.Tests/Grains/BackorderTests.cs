using Microsoft.Extensions.Time.Testing;
using OrderActors.EventLog;
using OrderActors.Grains;
using OrderActors.Grains.Catalog;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>Backorders through the grains: placement beyond stock, allocation as stock arrives, cancellation.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class BackorderTests(SharedClusterFixture cluster)
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");
    private readonly IGrainFactory _grains = cluster.Grains;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    internal static PlaceOrder Order(OrderPriority priority, params (string Sku, int Quantity)[] lines)
        => OrderPlacementTests.Order(lines) with { Priority = priority };

    internal static Task<ProductView> BackorderableAsync(IGrainFactory grains, string sku, DateTimeOffset? releaseAt = null, bool backorder = true)
        => grains.GetGrain<IProductGrain>(sku).PutAsync(new PutProduct(sku, new Dictionary<string, decimal> { ["USD"] = TestCatalog.Price }, "standard", null,
            ProductStatus.Active, Ops, backorder, releaseAt));

    private async Task<string> BackorderableSkuAsync(int onHand)
    {
        var sku = NewId("sku");
        await BackorderableAsync(_grains, sku);
        await _grains.GetGrain<IInventoryGrain>(sku).SetStockAsync(new SetStock([new LocationQuantity("main", onHand)], []));
        return sku;
    }

    private async Task<InventoryView> StockOfAsync(string sku) => (await _grains.GetGrain<IInventoryGrain>(sku).GetAsync())!;

    private Task ReceiveAsync(string sku, int units)
        => _grains.GetGrain<IInventoryGrain>(sku).AdjustStockAsync(new AdjustStock("main", units, StockReason.Receipt, null, null, Ops));

    private static int ShipmentUnits(OrderView order, string sku) => order.Lines.Where(l => l.Sku == sku).Sum(l => l.Allocations.Sum(a => a.Quantity));

    private async Task<OrderView> PlacedAsync(string orderId, PlaceOrder command)
    {
        var result = await _grains.GetGrain<IOrderGrain>(orderId).PlaceAsync(command);
        Assert.True(result.Outcome == PlacementOutcome.Placed, $"placing {orderId}: expected placed, got {result.Outcome}");
        return result.Order!;
    }

    private async Task<OrderView> OrderAsync(string orderId) => (await _grains.GetGrain<IOrderGrain>(orderId).GetAsync())!;

    [Fact]
    public async Task An_order_beyond_stock_is_placed_backordered_and_a_receipt_allocates_the_queue_by_priority_then_age()
    {
        var sku = await BackorderableSkuAsync(onHand: 2);
        var (older, newer, vip) = (NewId("o-old"), NewId("o-new"), NewId("o-vip"));

        var placed = await PlacedAsync(older, Order(OrderPriority.Standard, (sku, 5)));
        Assert.Equal((5, 3), (placed.Lines[0].Quantity, placed.Lines[0].Backordered));
        Assert.Equal([new LocationAllocation("main", 2)], placed.Lines[0].Allocations);
        Assert.Equal(FulfillmentStatus.Backordered, placed.FulfillmentStatus);
        Assert.Contains(placed.Timeline, t => t.Type == "order.backordered");
        Assert.Equal(50m, placed.Payment.Authorized); // the whole order is authorized at placement
        Assert.Contains(await _grains.GetGrain<IOrderGrain>(older).GetNotificationsAsync(), n => n.Type == "order_backordered");
        await PlacedAsync(newer, Order(OrderPriority.Standard, (sku, 4)));
        await PlacedAsync(vip, Order(OrderPriority.Vip, (sku, 6)));
        var queued = await StockOfAsync(sku);
        Assert.Equal((2, 2, 0, 13, 3), (queued.OnHand, queued.Reserved, queued.Available, queued.Backordered, queued.BackorderQueue));

        await ReceiveAsync(sku, 10); // the vip's 6 first, then the older order's 3, then 1 of the newer order's 4

        await Eventually.TrueAsync(async () => (await OrderAsync(older)).Lines[0].Backordered == 0 && (await OrderAsync(vip)).Lines[0].Backordered == 0
            && (await OrderAsync(newer)).Lines[0].Backordered == 3, "the allocations reached the orders", TimeSpan.FromSeconds(20));
        var covered = await OrderAsync(older);
        Assert.Equal(5, ShipmentUnits(covered, sku));
        Assert.Equal(2, covered.Shipments.Count); // placement's and the allocation's, both at main, under distinct ids
        Assert.Equal(2, covered.Shipments.Select(s => s.Id).Distinct().Count());
        Assert.Contains(covered.Timeline, t => t.Type == "order.allocated");
        Assert.Equal(FulfillmentStatus.Unfulfilled, covered.FulfillmentStatus);
        Assert.Equal(6, ShipmentUnits(await OrderAsync(vip), sku));
        Assert.Equal(1, ShipmentUnits(await OrderAsync(newer), sku));
        var after = await StockOfAsync(sku);
        Assert.Equal((12, 12, 0, 3, 1), (after.OnHand, after.Reserved, after.Available, after.Backordered, after.BackorderQueue));

        // The allocation's shipment commits its own units: the placement's two stay reserved at the same location.
        var order = _grains.GetGrain<IOrderGrain>(older);
        var later = covered.Shipments[1].Id;
        foreach (var action in new[] { ShipmentAction.Pick, ShipmentAction.Pack, ShipmentAction.Ship })
        {
            await order.UpdateShipmentAsync(new ShipmentCommand(later, action, null, null, Ops));
        }

        var shipped = await StockOfAsync(sku);
        Assert.Equal((9, 9, 3), (shipped.OnHand, shipped.Reserved, shipped.Committed));
        var view = await OrderAsync(older);
        Assert.Equal((PaymentStatus.Captured, 50m, FulfillmentStatus.PartiallyShipped), (view.PaymentStatus, view.Payment.Captured, view.FulfillmentStatus));
    }

    [Fact]
    public async Task A_sku_without_backorders_is_still_refused_with_its_alternatives()
    {
        var (plain, alternative) = (NewId("sku"), NewId("sku"));
        await TestCatalog.StockAsync(_grains, alternative, new SetStock([new LocationQuantity("main", 7)], []));
        await TestCatalog.StockAsync(_grains, plain, new SetStock([new LocationQuantity("main", 2)], [alternative]));
        var backorderable = await BackorderableSkuAsync(onHand: 0);

        var result = await _grains.GetGrain<IOrderGrain>(NewId("o")).PlaceAsync(Order(OrderPriority.Standard, (backorderable, 2), (plain, 5)));

        Assert.Equal(PlacementOutcome.OutOfStock, result.Outcome);
        var shortage = Assert.Single(result.Shortages);
        Assert.Equal((plain, 5, 2), (shortage.Sku, shortage.Requested, shortage.Available));
        Assert.Equal([new Alternative(alternative, 7)], shortage.Alternatives);
        var untouched = await StockOfAsync(backorderable);
        Assert.Equal((0, 0), (untouched.Backordered, untouched.Reserved)); // the refusal gave the backorder back too
    }

    [Fact]
    public async Task A_cancelled_backordered_order_leaves_the_queue_and_gets_nothing_allocated()
    {
        var sku = await BackorderableSkuAsync(onHand: 0);
        var orderId = NewId("o-cancel");
        var placed = await PlacedAsync(orderId, Order(OrderPriority.Vip, (sku, 3)));
        Assert.Empty(placed.Shipments);
        Assert.Equal(["cancel"], placed.AllowedActions);

        var cancelled = await _grains.GetGrain<IOrderGrain>(orderId).CancelAsync(new CancelOrder("changed my mind", Ops));
        Assert.Equal((OrderStatus.Cancelled, PaymentStatus.Voided, 0), (cancelled.Status, cancelled.PaymentStatus, cancelled.Lines[0].Backordered));
        Assert.Equal((0, 0), ((await StockOfAsync(sku)).Backordered, (await StockOfAsync(sku)).BackorderQueue));

        await ReceiveAsync(sku, 5);
        var stock = await StockOfAsync(sku);
        Assert.Equal((5, 0, 5), (stock.OnHand, stock.Reserved, stock.Available));
        Assert.Empty((await OrderAsync(orderId)).Shipments);
    }

    [Fact]
    public async Task A_cancellation_racing_an_allocation_never_leaves_units_reserved_for_the_cancelled_order()
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var sku = await BackorderableSkuAsync(onHand: 0);
            var orderId = NewId("o-race-cancel");
            await PlacedAsync(orderId, Order(OrderPriority.Standard, (sku, 3)));

            await Task.WhenAll(_grains.GetGrain<IOrderGrain>(orderId).CancelAsync(new CancelOrder("raced a receipt", Ops)), ReceiveAsync(sku, 3));

            await Eventually.TrueAsync(async () => (await StockOfAsync(sku)).Reserved == 0, $"attempt {attempt}: the cancelled order holds nothing", TimeSpan.FromSeconds(20));
            for (var check = 0; check < 20; check++) // and nothing comes back once the allocator has read the receipt
            {
                var stock = await StockOfAsync(sku);
                Assert.True((stock.Reserved, stock.Available, stock.Backordered) == (0, 3, 0), $"attempt {attempt}: {stock.Reserved} reserved, {stock.Available} available, {stock.Backordered} backordered");
                await Task.Delay(100);
            }

            var order = await OrderAsync(orderId);
            Assert.Equal(OrderStatus.Cancelled, order.Status);
            Assert.All(order.Shipments, s => Assert.Equal("cancelled", s.Status));
        }
    }

    [Fact]
    public async Task Receipts_racing_concurrent_placements_never_oversell_and_every_unit_ends_up_shipped_or_queued()
    {
        var sku = await BackorderableSkuAsync(onHand: 5);
        var orders = Enumerable.Range(0, 16).Select(i => (Id: NewId($"o-race{i}"), Units: 1 + i % 3, Priority: (OrderPriority)(i % 3))).ToArray();

        var placements = orders.Select(o => _grains.GetGrain<IOrderGrain>(o.Id).PlaceAsync(Order(o.Priority, (sku, o.Units))));
        var receipts = Enumerable.Range(0, 4).Select(_ => ReceiveAsync(sku, 3));
        var watcher = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                var view = await StockOfAsync(sku);
                Assert.All(view.Locations, l => Assert.True(l.Reserved <= l.OnHand, $"while racing: {l.Reserved} reserved of {l.OnHand} on hand"));
                await Task.Delay(5);
            }
        });
        var results = await Task.WhenAll(placements);
        await Task.WhenAll(receipts);
        await watcher;
        Assert.All(results, r => Assert.Equal(PlacementOutcome.Placed, r.Outcome));

        var ordered = orders.Sum(o => o.Units);
        await Eventually.TrueAsync(async () =>
        {
            var views = await Task.WhenAll(orders.Select(o => OrderAsync(o.Id)));
            var stock = await StockOfAsync(sku);
            return views.Sum(v => ShipmentUnits(v, sku)) == stock.Reserved && views.Sum(v => v.Lines[0].Backordered) == stock.Backordered;
        }, "the orders learned every allocation", TimeSpan.FromSeconds(20));
        var final = await StockOfAsync(sku);
        Assert.Equal(17, final.OnHand);
        Assert.Equal(Math.Min(17, ordered), final.Reserved);
        Assert.Equal(ordered - final.Reserved, final.Backordered);
        Assert.True(final.Reserved <= final.OnHand, $"{final.Reserved} reserved of {final.OnHand} on hand");
    }
}

/// <summary>Preorders on a clock the test drives: nothing is allocated before the release date, everything after.</summary>
public sealed class PreorderTests
{
    [Fact]
    public async Task A_preorder_is_backordered_before_its_release_date_and_allocated_when_it_passes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var cluster = await OrderActorsTestCluster.StartAsync(time: time);
        var sku = $"sku-{Guid.NewGuid():N}";
        var release = time.GetUtcNow().AddDays(10);
        await BackorderTests.BackorderableAsync(cluster.Grains, sku, release, backorder: false);
        var inventory = cluster.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.SetStockAsync(new SetStock([new LocationQuantity("main", 10)], []));

        var order = cluster.Grains.GetGrain<IOrderGrain>("o-preorder");
        var placed = (await order.PlaceAsync(BackorderTests.Order(OrderPriority.Standard, (sku, 3)))).Order!;
        Assert.Equal((3, 0), (placed.Lines[0].Backordered, placed.Shipments.Count));
        Assert.Contains("preorder", placed.Timeline.Single(t => t.Type == "order.backordered").Details);
        Assert.Equal((0, 10, 3), ((await inventory.GetAsync())!.Reserved, (await inventory.GetAsync())!.Available, (await inventory.GetAsync())!.Backordered));

        time.Advance(TimeSpan.FromDays(9));
        await inventory.AsReference<IRemindable>().ReceiveReminder(InventoryGrain.ReleaseReminder, default);
        Assert.Equal(0, (await inventory.GetAsync())!.Reserved); // a tick before the release date allocates nothing

        time.Advance(TimeSpan.FromDays(1));
        await inventory.AsReference<IRemindable>().ReceiveReminder(InventoryGrain.ReleaseReminder, default);
        Assert.Equal((3, 0), ((await inventory.GetAsync())!.Reserved, (await inventory.GetAsync())!.Backordered));
        await cluster.AdvanceUntilAsync(time, async () => (await order.GetAsync())!.Lines[0].Backordered == 0, "the preorder's order learned its allocation");
        var allocated = (await order.GetAsync())!;
        Assert.Equal(3, allocated.Lines[0].Allocations.Sum(a => a.Quantity));
        Assert.Single(allocated.Shipments);

        // Released and not backorderable: a new order beyond stock is refused like any other.
        var late = await cluster.Grains.GetGrain<IOrderGrain>("o-late").PlaceAsync(BackorderTests.Order(OrderPriority.Standard, (sku, 8)));
        Assert.Equal(PlacementOutcome.OutOfStock, late.Outcome);
    }
}

/// <summary>An allocation round that fails after it claimed its units is finished with the same units, once.</summary>
public sealed class BackorderCrashTests
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");

    [Fact]
    public async Task A_round_whose_write_failed_after_its_claims_is_finished_with_the_same_units_when_the_allocation_is_delivered_again()
    {
        await using var cluster = await OrderActorsTestCluster.StartAsync();
        var sku = $"sku-{Guid.NewGuid():N}";
        const string orderId = "o-crash-round";
        await BackorderTests.BackorderableAsync(cluster.Grains, sku);
        var inventory = cluster.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.SetStockAsync(new SetStock([new LocationQuantity("main", 2)], []));
        var order = cluster.Grains.GetGrain<IOrderGrain>(orderId);
        Assert.Equal(PlacementOutcome.Placed, (await order.PlaceAsync(BackorderTests.Order(OrderPriority.Standard, (sku, 5)))).Outcome);

        // The write that records round 1 fails every time: after its claims, as a process dying there would leave it.
        var fault = await StateWriteFault.CreateAsync(cluster.Database, "order", orderId, "\"allocationRounds\":1");
        await fault.ArmAsync();
        await inventory.AdjustStockAsync(new AdjustStock("main", 10, StockReason.Receipt, null, null, Ops));
        var allocator = cluster.Grains.GetGrain<IBackorderAllocatorGrain>(EventLogStreamIdMappers.SingleGrainKey).AsReference<IEventLogProjection>();
        await Eventually.TrueAsync(async () => (await allocator.GetStatusAsync()).Parked is not null, "the allocator parked on the order's failing round", TimeSpan.FromSeconds(20));
        var claimed = await inventory.GetAsync();
        Assert.Equal((12, 5, 0), (claimed!.OnHand, claimed.Reserved, claimed.Backordered)); // claimed into round 1's reservation, nothing twice
        var stored = (string)(await cluster.Database.ScalarAsync(
            "SELECT CAST(payload AS TEXT) FROM orderactors_grain_state WHERE grain_type = 'order' AND grain_key = @key", ("@key", orderId)))!;
        Assert.Contains("\"pendingAllocation\":1", stored); // written ahead

        await fault.DisarmAsync();
        await allocator.RetryAsync(); // the event again: the order finishes round 1 first, then has nothing left to allocate
        await Eventually.TrueAsync(async () => (await allocator.GetStatusAsync()).Parked is null, "the allocator went on");
        var view = (await order.GetAsync())!;
        Assert.Equal((0, 5, 2), (view.Lines[0].Backordered, view.Lines[0].Allocations.Sum(a => a.Quantity), view.Shipments.Count));
        Assert.Single(view.Timeline, t => t.Type == "order.allocated");
        var after = (await inventory.GetAsync())!;
        Assert.Equal((12, 5, 7), (after.OnHand, after.Reserved, after.Available));
    }
}
