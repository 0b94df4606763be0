using OrderActors.EventLog;
using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Locations;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace OrderActors.Tests.Grains;

[Collection(SharedClusterCollection.Name)]
public sealed class OrderLifecycleTests(SharedClusterFixture cluster)
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");
    private readonly IGrainFactory _grains = cluster.Grains;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private static PlaceOrder Order(string token, OrderPriority priority, params (string Sku, int Quantity)[] lines)
        => OrderPlacementTests.Order(lines) with { Payment = new PaymentDetails("card", token), Priority = priority };

    private async Task StockAsync(string sku, params (string Location, int OnHand)[] locations)
        => await TestCatalog.StockAsync(_grains, sku, new SetStock(locations.Select(l => new LocationQuantity(l.Location, l.OnHand)).ToArray(), []));

    private async Task<InventoryView> StockOfAsync(string sku) => (await _grains.GetGrain<IInventoryGrain>(sku).GetAsync())!;

    private Task<ShipmentView> StepAsync(IOrderGrain order, string shipmentId, ShipmentAction action, TrackingStatus? tracking = null)
        => order.UpdateShipmentAsync(new ShipmentCommand(shipmentId, action, null, tracking is { } t ? new TrackingEvent(t, null, null) : null, Ops));

    [Fact]
    public async Task An_order_over_two_locations_ships_in_two_shipments_and_completes_when_both_are_delivered()
    {
        var (a, b, east, west) = (NewId("sku"), NewId("sku"), NewId("east"), NewId("west"));
        await StockAsync(a, (east, 5));
        await StockAsync(b, (west, 5));
        var order = _grains.GetGrain<IOrderGrain>(NewId("o"));
        var placed = (await order.PlaceAsync(Order("tok_visa", OrderPriority.Standard, (a, 2), (b, 1)))).Order!;
        Assert.Equal(2, placed.Shipments.Count);
        Assert.All(placed.Shipments, s => Assert.Equal("ready_to_pick", s.Status));

        foreach (var shipment in placed.Shipments)
        {
            await StepAsync(order, shipment.Id, ShipmentAction.Pick);
            await StepAsync(order, shipment.Id, ShipmentAction.Pack);
            var shipped = await StepAsync(order, shipment.Id, ShipmentAction.Ship);
            Assert.NotNull(shipped.TrackingNumber);
            var view = (await order.GetAsync())!;
            Assert.Equal(PaymentStatus.Captured, view.PaymentStatus);
            Assert.Equal(placed.Subtotal, view.Payment.Captured); // captured once, in full, with the first shipment
        }

        Assert.Equal(FulfillmentStatus.Shipped, (await order.GetAsync())!.FulfillmentStatus);
        await StepAsync(order, placed.Shipments[0].Id, ShipmentAction.Track, TrackingStatus.Delivered);
        Assert.Equal((OrderStatus.Confirmed, FulfillmentStatus.PartiallyDelivered), ((await order.GetAsync())!.Status, (await order.GetAsync())!.FulfillmentStatus));
        await StepAsync(order, placed.Shipments[1].Id, ShipmentAction.Track, TrackingStatus.Delivered);
        var done = (await order.GetAsync())!;
        Assert.Equal((OrderStatus.Completed, FulfillmentStatus.Delivered), (done.Status, done.FulfillmentStatus));

        var stockA = await StockOfAsync(a);
        Assert.Equal((3, 0, 3, 2), (stockA.OnHand, stockA.Reserved, stockA.Available, stockA.Committed));
        var notifications = await order.GetNotificationsAsync();
        Assert.Equal(["order_confirmed", "shipment_shipped", "shipment_shipped", "shipment_delivered", "shipment_delivered", "feedback_requested"], notifications.Select(n => n.Type));
    }

    [Theory]
    [InlineData("tok_decline", "card_declined")]
    [InlineData("tok_insufficient_funds", "insufficient_funds")]
    public async Task A_declined_payment_releases_the_stock_and_says_why(string token, string reason)
    {
        var sku = NewId("sku");
        await StockAsync(sku, ("main", 5));
        var order = _grains.GetGrain<IOrderGrain>(NewId("o"));
        var command = Order(token, OrderPriority.Standard, (sku, 2));
        var result = await order.PlaceAsync(command);
        Assert.Equal(PlacementOutcome.PaymentDeclined, result.Outcome);
        Assert.Equal(reason, result.PaymentProblem!.Reason);
        Assert.Equal((0, 5), ((await StockOfAsync(sku)).Reserved, (await StockOfAsync(sku)).Available));
        Assert.Null(await order.GetAsync());
        Assert.Equal(PlacementOutcome.PaymentDeclined, (await order.PlaceAsync(command)).Outcome); // the retry gets the same answer
    }

    [Fact]
    public async Task An_unavailable_gateway_keeps_nothing_so_the_request_can_be_retried()
    {
        var sku = NewId("sku");
        await StockAsync(sku, ("main", 5));
        var order = _grains.GetGrain<IOrderGrain>(NewId("o"));
        var result = await order.PlaceAsync(Order("tok_unavailable", OrderPriority.Standard, (sku, 2)));
        Assert.Equal(PlacementOutcome.PaymentUnavailable, result.Outcome);
        Assert.Equal(0, (await StockOfAsync(sku)).Reserved);
        Assert.Null(await order.GetAsync());
    }

    [Fact]
    public async Task A_gateway_that_fails_transiently_a_few_times_is_retried_and_the_order_confirmed()
    {
        var sku = NewId("sku");
        await StockAsync(sku, ("main", 5));
        var result = await _grains.GetGrain<IOrderGrain>(NewId("o")).PlaceAsync(Order("tok_flaky_2", OrderPriority.Standard, (sku, 2)));
        Assert.Equal(PlacementOutcome.Placed, result.Outcome);
        Assert.Equal(PaymentStatus.Authorized, result.Order!.PaymentStatus);
        Assert.Equal(2, (await StockOfAsync(sku)).Reserved);
    }

    [Fact]
    public async Task Cancelling_before_anything_shipped_voids_the_payment_and_releases_all_stock()
    {
        var (sku, location) = (NewId("sku"), NewId("loc"));
        await StockAsync(sku, (location, 5));
        var order = _grains.GetGrain<IOrderGrain>(NewId("o"));
        var placed = (await order.PlaceAsync(Order("tok_visa", OrderPriority.Standard, (sku, 3)))).Order!;
        await StepAsync(order, placed.Shipments[0].Id, ShipmentAction.Pick);

        var cancelled = await order.CancelAsync(new CancelOrder("customer changed their mind", Ops));
        Assert.Equal((OrderStatus.Cancelled, PaymentStatus.Voided), (cancelled.Status, cancelled.PaymentStatus));
        Assert.Equal("cancelled", Assert.Single(cancelled.Shipments).Status);
        Assert.Equal((0, 5), ((await StockOfAsync(sku)).Reserved, (await StockOfAsync(sku)).Available));
        Assert.Equal("order_cancelled", (await order.GetNotificationsAsync())[^1].Type);
        Assert.Equal(cancelled.Status, (await order.CancelAsync(new CancelOrder("again", Ops))).Status); // repeat is harmless

        var error = await Assert.ThrowsAsync<DomainException>(() => StepAsync(order, placed.Shipments[0].Id, ShipmentAction.Pack));
        Assert.Equal(("invalid-transition", "cancelled"), (error.Code, error.CurrentState));
    }

    [Fact]
    public async Task Cancelling_after_one_shipment_shipped_cancels_the_rest_and_refunds_it()
    {
        var (a, b, east, west) = (NewId("sku"), NewId("sku"), NewId("east"), NewId("west"));
        await StockAsync(a, (east, 5));
        await StockAsync(b, (west, 5));
        var order = _grains.GetGrain<IOrderGrain>(NewId("o"));
        var placed = (await order.PlaceAsync(Order("tok_visa", OrderPriority.Standard, (a, 1), (b, 2)))).Order!;
        var first = placed.Shipments.Single(s => s.Location == east);
        await StepAsync(order, first.Id, ShipmentAction.Pick);
        await StepAsync(order, first.Id, ShipmentAction.Pack);
        await StepAsync(order, first.Id, ShipmentAction.Ship);

        var view = await order.CancelAsync(new CancelOrder("out of patience", Ops));
        Assert.Equal((OrderStatus.Confirmed, PaymentStatus.PartiallyRefunded), (view.Status, view.PaymentStatus));
        Assert.Equal((30m, 20m), (view.Payment.Captured, view.Payment.Refunded));
        Assert.Equal("cancelled", view.Shipments.Single(s => s.Location == west).Status);
        Assert.Equal((0, 5), ((await StockOfAsync(b)).Reserved, (await StockOfAsync(b)).Available));

        var again = await Assert.ThrowsAsync<DomainException>(() => order.CancelAsync(new CancelOrder("again", Ops)));
        Assert.Equal("invalid-transition", again.Code);
        Assert.Empty(again.AllowedActions!);
    }

    [Fact]
    public async Task The_pick_queue_serves_vip_then_express_then_standard_then_oldest()
    {
        var (sku, location) = (NewId("sku"), NewId("loc"));
        await StockAsync(sku, (location, 10));
        var ids = new List<(IOrderGrain Order, string Shipment)>();
        foreach (var priority in new[] { OrderPriority.Standard, OrderPriority.Standard, OrderPriority.Vip, OrderPriority.Express })
        {
            var order = _grains.GetGrain<IOrderGrain>(NewId("o"));
            var placed = await order.PlaceAsync(Order("tok_visa", priority, (sku, 1)));
            ids.Add((order, placed.Order!.Shipments[0].Id));
        }

        // The queue is a projection of the shipment streams: it shows them once it has read that far.
        var queue = _grains.GetGrain<IPickQueueGrain>(EventLogStreamIdMappers.SingleGrainKey);
        await Eventually.TrueAsync(async () => (await queue.ListAsync(location, 10)).Waiting == ids.Count, "the pick queue shows the four shipments");
        var listed = await queue.ListAsync(location, 10);
        Assert.Equal([ids[2].Shipment, ids[3].Shipment, ids[0].Shipment, ids[1].Shipment], listed.Shipments.Select(e => e.ShipmentId));

        // Picking or cancelling takes a shipment out of the queue.
        await StepAsync(ids[2].Order, ids[2].Shipment, ShipmentAction.Pick);
        await ids[0].Order.CancelAsync(new CancelOrder("changed my mind", Ops));
        await Eventually.TrueAsync(async () => (await queue.ListAsync(location, 10)).Waiting == 2, "picked and cancelled shipments leave the queue");
        Assert.Equal([ids[3].Shipment, ids[1].Shipment], (await queue.ListAsync(location, 10)).Shipments.Select(e => e.ShipmentId));
    }
}

/// <summary>
/// Reservations nobody confirms are released by the inventory grain's expiry reminder. Reminders tick on real time: a
/// 2 s timeout makes the reminder due after 2 s and sweep every second. Which reservations are due is decided on the
/// silo's clock, a fake one that moves only when the test moves it, so nothing expires before the test says so.
/// </summary>
public sealed class ReservationExpiryTests
{
    private static readonly Dictionary<string, string?> Settings = new() { ["OrderActors:Orders:ReservationTimeout"] = "00:00:02" };

    private static PlaceOrder Order(string sku) => OrderPlacementTests.Order((sku, 2));

    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Timed_out_reservations_are_released_unless_their_order_vouches_for_them_even_across_a_restart()
    {
        using var database = new TestDatabase();
        var time = Clock();
        const string sku = "expiring-sku";
        await using (var first = await OrderActorsTestCluster.StartAsync(database, time, Settings))
        {
            var inventory = first.Grains.GetGrain<IInventoryGrain>(sku);
            await TestCatalog.PriceAsync(first.Grains, sku);
            await inventory.SetStockAsync(new SetStock([new LocationQuantity("main", 10)], []));
            // A placement that died after reserving, before its order recorded anything: nobody will confirm it.
            await inventory.ReserveAsync(new ReserveStock("o-crashed", 2));
            // A placement that died after reserving, with its order still saying "reserving".
            await inventory.ReserveAsync(new ReserveStock("o-half", 3));
            await first.WriteEventedStateAsync("order", "o-half", "order", new OrderState { Status = OrderStatus.Reserving, Request = Order(sku), Fingerprint = "x" });
            // A placement that completed.
            Assert.Equal(PlacementOutcome.Placed, (await first.Grains.GetGrain<IOrderGrain>("o-fine").PlaceAsync(Order(sku))).Outcome);
            Assert.Equal(7, (await inventory.GetAsync())!.Reserved);
        }

        // The reminder and the reservations are in the database only: the second silo's reminder service loads them.
        Assert.Equal(1L, await ExpiryRemindersAsync(database, sku));
        time.Advance(TimeSpan.FromMinutes(15));
        await using var second = await OrderActorsTestCluster.StartAsync(database, time, Settings);
        var restarted = second.Grains.GetGrain<IInventoryGrain>(sku);
        await Eventually.TrueAsync(async () => (await restarted.GetAsync())!.Reserved == 2, "only the confirmed order's reservation is left", TimeSpan.FromSeconds(20));
        var view = (await restarted.GetAsync())!;
        Assert.Equal((10, 2, 8, 0), (view.OnHand, view.Reserved, view.Available, view.Committed));
        Assert.Equal(OrderStatus.Confirmed, (await second.Grains.GetGrain<IOrderGrain>("o-fine").GetAsync())!.Status);

        // Confirmed now: nothing is left to expire, so the grain drops its reminder and no further sweep touches it.
        await Eventually.TrueAsync(async () => await ExpiryRemindersAsync(database, sku) == 0, "the idle inventory grain unregistered its reminder");
        time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(2, (await restarted.GetAsync())!.Reserved);
    }

    [Fact]
    public async Task A_storage_failure_when_confirming_leaves_no_stock_held_once_the_reservation_times_out()
    {
        var time = Clock();
        await using var cluster = await OrderActorsTestCluster.StartAsync(time: time, settings: Settings);
        const string orderId = "o-storage";
        var fault = await StateWriteFault.CreateAsync(cluster.Database, "order", orderId, "\"status\":\"confirmed\"");
        var sku = $"sku-{Guid.NewGuid():N}";
        var inventory = cluster.Grains.GetGrain<IInventoryGrain>(sku);
        await TestCatalog.PriceAsync(cluster.Grains, sku);
        await inventory.SetStockAsync(new SetStock([new LocationQuantity("main", 10)], []));

        await fault.ArmAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => cluster.Grains.GetGrain<IOrderGrain>(orderId).PlaceAsync(Order(sku)));
        Assert.True(fault.Caused(failure), $"the placement failed on the injected fault, not on: {failure}");
        await fault.DisarmAsync();
        Assert.Equal(2, (await inventory.GetAsync())!.Reserved); // held until the order is asked

        time.Advance(TimeSpan.FromMinutes(13));
        await Eventually.TrueAsync(async () => (await inventory.GetAsync())!.Reserved == 0, "the reservation of the order that never confirmed was released", TimeSpan.FromSeconds(20));
        var view = (await inventory.GetAsync())!;
        Assert.Equal(10, view.Available + view.Reserved + view.Committed);
        Assert.Null(await cluster.Grains.GetGrain<IOrderGrain>(orderId).GetAsync());
    }

    private static async Task<long> ExpiryRemindersAsync(TestDatabase database, string sku)
        => (long)(await database.ScalarAsync(
            "SELECT count(*) FROM orleans_reminders WHERE service_id = @service AND grain_id = @grain AND reminder_name = 'reservation-expiry'",
            ("@service", OrderActorsTestCluster.ServiceId), ("@grain", $"inventory/{sku}")))!;
}

/// <summary>What the order and its shipments do after a crash left them out of step.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class OrderShipmentRecoveryTests(SharedClusterFixture cluster)
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");

    private async Task<(IOrderGrain Order, OrderView View, string Sku)> PlaceAsync()
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        await TestCatalog.StockAsync(cluster.Grains, sku, new SetStock([new LocationQuantity("main", 5)], []));
        var order = cluster.Grains.GetGrain<IOrderGrain>($"o-{Guid.NewGuid():N}");
        var view = (await order.PlaceAsync(OrderPlacementTests.Order((sku, 2)))).Order!;
        return (order, view, sku);
    }

    // What a crash between the shipment's write and the order's leaves: the shipment moved, the order does not know.
    private async Task ShipBehindTheOrdersBackAsync(string shipmentId)
    {
        var shipment = cluster.Grains.GetGrain<IShipmentGrain>(shipmentId);
        foreach (var action in new[] { ShipmentAction.Pick, ShipmentAction.Pack, ShipmentAction.Ship })
        {
            await shipment.ApplyAsync(new ShipmentStep(action, null, null, Ops));
        }
    }

    [Fact]
    public async Task An_order_adopts_a_shipment_that_moved_on_without_it_and_captures_the_payment()
    {
        var (order, view, sku) = await PlaceAsync();
        var shipmentId = view.Shipments[0].Id;
        await ShipBehindTheOrdersBackAsync(shipmentId);

        var delivered = await order.UpdateShipmentAsync(new ShipmentCommand(shipmentId, ShipmentAction.Track, null, new TrackingEvent(TrackingStatus.Delivered, null, null), Ops));
        Assert.Equal(ShipmentStatus.Delivered, delivered.Status);
        var after = (await order.GetAsync())!;
        Assert.Equal((OrderStatus.Completed, PaymentStatus.Captured, 20m), (after.Status, after.PaymentStatus, after.Payment.Captured));
        Assert.Contains(after.Timeline, t => t.Type == "shipment.shipped");
        Assert.Equal(2, (await cluster.Grains.GetGrain<IInventoryGrain>(sku).GetAsync())!.Committed);
    }

    [Fact]
    public async Task Cancelling_an_order_whose_shipment_left_unbeknown_to_it_is_refused_and_the_order_stays_usable()
    {
        var (order, view, _) = await PlaceAsync();
        await ShipBehindTheOrdersBackAsync(view.Shipments[0].Id);

        var refused = await Assert.ThrowsAsync<DomainException>(() => order.CancelAsync(new CancelOrder("too late", Ops)));
        Assert.Equal(("invalid-transition", "shipped"), (refused.Code, refused.CurrentState));
        var after = (await order.GetAsync())!;
        Assert.Equal(("shipped", PaymentStatus.Captured), (after.Shipments[0].Status, after.PaymentStatus)); // not voided
    }

    [Fact]
    public async Task A_shipment_that_crashed_after_shipping_commits_its_stock_when_it_next_activates()
    {
        var grains = cluster.Grains;
        var sku = $"sku-{Guid.NewGuid():N}";
        var (orderId, shipmentId) = ($"o-shipped-{Guid.NewGuid():N}", $"shp-crashed-{Guid.NewGuid():N}");
        var inventory = grains.GetGrain<IInventoryGrain>(sku);
        await TestCatalog.PriceAsync(grains, sku);
        await inventory.SetStockAsync(new SetStock([new LocationQuantity("main", 5)], []));
        await inventory.ReserveAsync(new ReserveStock(orderId, 2, Confirm: true));
        var crashed = new ShipmentState
        {
            Status = ShipmentStatus.Shipped, OrderId = orderId, Location = "main", Lines = [new ShipmentLine(sku, 2)],
            Carrier = "ground-co", TrackingNumber = "GC1", StockCommitted = false,
        };
        await cluster.Cluster.WriteEventedStateAsync("shipment", shipmentId, "shipment", crashed);

        Assert.Equal(ShipmentStatus.Shipped, (await grains.GetGrain<IShipmentGrain>(shipmentId).GetAsync())!.Status);
        var stock = (await inventory.GetAsync())!;
        Assert.Equal((3, 0, 3, 2), (stock.OnHand, stock.Reserved, stock.Available, stock.Committed));
    }
}
