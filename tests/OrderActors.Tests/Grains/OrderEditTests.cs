using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Pricing;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>
/// Order edits before fulfilment: versioned previews, all-or-nothing reservations, the payment difference, re-planned
/// shipments, and a refused or interrupted edit never leaving the order half changed.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class OrderEditTests(SharedClusterFixture cluster)
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");
    private static readonly Actor Buyer = new("api-key:storefront", "test");
    private readonly IGrainFactory _grains = cluster.Grains;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private async Task<string> SkuAsync(params (string Location, int OnHand)[] locations)
    {
        var sku = NewId("sku");
        await TestCatalog.StockAsync(_grains, sku, new SetStock(locations.Select(l => new LocationQuantity(l.Location, l.OnHand)).ToArray(), []));
        return sku;
    }

    private async Task<(IOrderGrain Order, OrderView View)> PlaceAsync(params (string Sku, int Quantity)[] lines)
    {
        var order = _grains.GetGrain<IOrderGrain>(NewId("o"));
        var result = await order.PlaceAsync(OrderPlacementTests.Order(lines));
        Assert.Equal(PlacementOutcome.Placed, result.Outcome);
        return (order, result.Order!);
    }

    private static EditOrder Edit(int? version, bool preview, params (string Sku, int Quantity)[] lines)
        => new(lines.Select(l => new SkuQuantity(l.Sku, l.Quantity)).ToArray(), null, preview, version, null, "customer asked", Buyer);

    private async Task<InventoryView> StockOfAsync(string sku) => (await _grains.GetGrain<IInventoryGrain>(sku).GetAsync())!;

    private async Task<IReadOnlyList<ShipmentLine>> ShipmentLinesAsync(string shipmentId)
        => (await _grains.GetGrain<IShipmentGrain>(shipmentId).GetAsync())!.Lines.OrderBy(l => l.Sku, StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task A_preview_changes_nothing_and_confirming_it_grows_adds_and_removes_lines_reauthorizes_and_replans_shipments()
    {
        var (a, b, c) = (await SkuAsync(("main", 10)), await SkuAsync(("main", 10)), await SkuAsync(("east", 10)));
        var (order, placed) = await PlaceAsync((a, 2), (b, 1));
        Assert.Contains("edit", placed.AllowedActions);
        var mainShipment = Assert.Single(placed.Shipments).Id;

        var preview = await order.EditAsync(Edit(placed.Version, preview: true, (a, 3), (c, 2)));
        Assert.Equal(EditOutcome.Previewed, preview.Outcome);
        Assert.Equal((placed.Version, 50m, 30m, 20m, "authorize"), (preview.Edit!.Version, preview.Edit.Total, preview.Edit.PreviousTotal, preview.Edit.Difference, preview.Edit.Payment));
        Assert.Equal([new LocationAllocation("east", 2)], preview.Edit.Lines.Single(l => l.Sku == c).Allocations);
        var unchanged = (await order.GetAsync())!; // nothing changed
        Assert.Equal((placed.Version, placed.Total, placed.Payment), (unchanged.Version, unchanged.Total, unchanged.Payment));
        Assert.Equal((2, 1, 0), ((await StockOfAsync(a)).Reserved, (await StockOfAsync(b)).Reserved, (await StockOfAsync(c)).Reserved));

        var edited = await order.EditAsync(Edit(placed.Version, preview: false, (a, 3), (c, 2)));
        Assert.Equal(EditOutcome.Edited, edited.Outcome);
        var view = edited.Order!;
        Assert.Equal([(a, 3), (c, 2)], view.Lines.Select(l => (l.Sku, l.Quantity)));
        Assert.Equal((50m, 50m, 50m), (view.Subtotal, view.Total, view.Payment.Authorized));
        Assert.NotEqual(placed.Payment.Authorization, view.Payment.Authorization);
        Assert.Equal((3, 0, 2), ((await StockOfAsync(a)).Reserved, (await StockOfAsync(b)).Reserved, (await StockOfAsync(c)).Reserved));
        Assert.Equal(2, view.Shipments.Count);
        Assert.Equal([new ShipmentLine(a, 3)], await ShipmentLinesAsync(mainShipment));
        var eastShipment = view.Shipments.Single(s => s.Location == "east");
        Assert.Equal([new ShipmentLine(c, 2)], await ShipmentLinesAsync(eastShipment.Id));
        var entry = Assert.Single(view.Timeline, t => t.Type == "order.edited");
        Assert.Contains("30.00 → 50.00", entry.Details);
        Assert.True(view.Version > placed.Version);
        Assert.Contains(await order.GetNotificationsAsync(), n => n.Type == "order_updated");

        // The same confirmation again (a retry after a lost answer) is answered, not applied twice; a stale version is refused.
        var again = await order.EditAsync(Edit(placed.Version, preview: false, (a, 3), (c, 2)));
        Assert.Equal(EditOutcome.Edited, again.Outcome);
        Assert.Equal(3, (await StockOfAsync(a)).Reserved);
        Assert.Equal("order-changed", (await Assert.ThrowsAsync<DomainException>(() => order.EditAsync(Edit(placed.Version, preview: false, (a, 1))))).Code);
    }

    [Fact]
    public async Task A_lower_total_keeps_the_authorization_and_the_capture_takes_only_the_new_total()
    {
        var a = await SkuAsync(("main", 10));
        var (order, placed) = await PlaceAsync((a, 4));
        var edited = await order.EditAsync(Edit(placed.Version, preview: false, (a, 1)));
        Assert.Equal(("reduce", -30m), (edited.Edit!.Payment, edited.Edit.Difference));
        Assert.Equal((placed.Payment.Authorization, 40m), (edited.Order!.Payment.Authorization, edited.Order.Payment.Authorized));
        Assert.Equal(1, (await StockOfAsync(a)).Reserved);

        var shipment = edited.Order.Shipments.Single().Id;
        foreach (var step in new[] { ShipmentAction.Pick, ShipmentAction.Pack, ShipmentAction.Ship })
        {
            await order.UpdateShipmentAsync(new ShipmentCommand(shipment, step, null, null, Ops));
        }

        var shipped = (await order.GetAsync())!;
        Assert.Equal((PaymentStatus.Captured, 10m), (shipped.PaymentStatus, shipped.Payment.Captured));
        Assert.Equal((9, 1), ((await StockOfAsync(a)).OnHand, (await StockOfAsync(a)).Committed));
        Assert.DoesNotContain("edit", shipped.AllowedActions);
        Assert.Equal("order-not-editable", (await Assert.ThrowsAsync<DomainException>(() => order.EditAsync(Edit(null, preview: true, (a, 2))))).Code);
    }

    [Fact]
    public async Task An_edit_short_of_stock_or_declined_by_the_gateway_changes_nothing()
    {
        var (a, b) = (await SkuAsync(("main", 3)), await SkuAsync(("main", 10)));
        var (order, placed) = await PlaceAsync((a, 2), (b, 2));

        var shortResult = await order.EditAsync(Edit(placed.Version, preview: false, (a, 5), (b, 6)));
        Assert.Equal(EditOutcome.OutOfStock, shortResult.Outcome);
        var shortage = Assert.Single(shortResult.Shortages);
        Assert.Equal((a, 3, 1), (shortage.Sku, shortage.Requested, shortage.Available));

        var declined = await order.EditAsync(Edit(placed.Version, preview: false, (a, 3), (b, 6)) with { Payment = new PaymentDetails("card", "tok_decline") });
        Assert.Equal((EditOutcome.PaymentDeclined, "card_declined"), (declined.Outcome, declined.PaymentProblem!.Reason));

        var view = (await order.GetAsync())!;
        Assert.Equal(placed.Version, view.Version);
        Assert.Equal([(a, 2), (b, 2)], view.Lines.Select(l => (l.Sku, l.Quantity)));
        Assert.Equal((placed.Payment.Authorization, 40m), (view.Payment.Authorization, view.Payment.Authorized));
        Assert.Equal((2, 2), ((await StockOfAsync(a)).Reserved, (await StockOfAsync(b)).Reserved));
        Assert.Equivalent(new[] { new ShipmentLine(a, 2), new ShipmentLine(b, 2) }, await ShipmentLinesAsync(placed.Shipments.Single().Id), strict: true);
        Assert.DoesNotContain(view.Timeline, t => t.Type == "order.edited");
    }

    [Fact]
    public async Task A_refused_growth_puts_the_reservation_back_at_the_locations_the_order_and_its_shipment_name()
    {
        var a = await SkuAsync(("main", 0), ("east", 2));
        var (order, placed) = await PlaceAsync((a, 2)); // all at east: main was empty
        await _grains.GetGrain<IInventoryGrain>(a).SetStockAsync(new SetStock([new LocationQuantity("main", 5), new LocationQuantity("east", 2)], []));
        var declined = await order.EditAsync(Edit(placed.Version, preview: false, (a, 5)) with { Payment = new PaymentDetails("card", "tok_decline") });
        Assert.Equal(EditOutcome.PaymentDeclined, declined.Outcome); // the growth took main's units first, then gave them back
        var stock = await StockOfAsync(a);
        Assert.Equal((0, 2), (stock.Locations.Single(l => l.Location == "main").Reserved, stock.Locations.Single(l => l.Location == "east").Reserved));
        Assert.Equal([new LocationAllocation("east", 2)], (await order.GetAsync())!.Lines.Single().Allocations);
    }

    [Fact]
    public async Task An_edit_racing_a_pick_either_wins_whole_or_is_refused_and_what_is_picked_is_what_the_order_says()
    {
        for (var round = 0; round < 6; round++)
        {
            var a = await SkuAsync(("main", 10));
            var (order, placed) = await PlaceAsync((a, 2));
            var shipment = placed.Shipments.Single().Id;
            var edit = order.EditAsync(Edit(placed.Version, preview: false, (a, 5)));
            var pick = order.UpdateShipmentAsync(new ShipmentCommand(shipment, ShipmentAction.Pick, null, null, Ops));
            var editWon = await Task.WhenAll(edit.ContinueWith(t => t.IsCompletedSuccessfully), pick.ContinueWith(t => t.IsCompletedSuccessfully)) switch
            {
                [true, true] => true, // the edit came first; the pick took the new units
                [false, true] => false,
                var outcomes => throw new Xunit.Sdk.XunitException($"Edit and pick both failed or the pick failed: {string.Join(", ", outcomes)}"),
            };

            if (!editWon)
            {
                Assert.Equal("order-not-editable", Assert.IsType<DomainException>(edit.Exception!.InnerException).Code);
            }

            var expected = editWon ? 5 : 2;
            var view = (await order.GetAsync())!;
            Assert.Equal(expected, view.Lines.Single().Quantity);
            Assert.Equal(expected, (await StockOfAsync(a)).Reserved);
            Assert.Equal([new ShipmentLine(a, expected)], await ShipmentLinesAsync(shipment));
            Assert.Equal("picked", view.Shipments.Single().Status);
        }
    }

    [Fact]
    public async Task An_edit_whose_final_write_failed_is_finished_once_by_the_next_request()
    {
        var (a, b) = (await SkuAsync(("main", 10)), await SkuAsync(("east", 10)));
        var (order, placed) = await PlaceAsync((a, 2));
        var fault = await StateWriteFault.CreateAsync(cluster.Cluster.Database, "order", order.GetPrimaryKeyString(), "\"edits\":[{");
        await fault.ArmAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => order.EditAsync(Edit(placed.Version, preview: false, (a, 1), (b, 3))));
        Assert.True(fault.Caused(failure), $"the edit failed on the injected fault, not on: {failure}");
        await fault.DisarmAsync();

        var view = (await order.GetAsync())!; // the edit written ahead is applied again, to the same result
        Assert.Equal([(a, 1), (b, 3)], view.Lines.Select(l => (l.Sku, l.Quantity)));
        Assert.Single(view.Timeline, t => t.Type == "order.edited");
        Assert.Equal((1, 3), ((await StockOfAsync(a)).Reserved, (await StockOfAsync(b)).Reserved));
        Assert.Equal((40m, 40m), (view.Total, view.Payment.Authorized));
        Assert.Equal(2, view.Shipments.Count);
        Assert.Equal([new ShipmentLine(b, 3)], await ShipmentLinesAsync(view.Shipments.Single(s => s.Location == "east").Id));
    }

    [Fact]
    public async Task A_new_address_goes_to_every_shipment_and_cancelling_after_an_edit_releases_the_edited_units()
    {
        var (a, b) = (await SkuAsync(("main", 10)), await SkuAsync(("east", 10)));
        var (order, placed) = await PlaceAsync((a, 1), (b, 1));
        var moved = new Address("C One", "9 Elm St", null, "Shelbyville", null, "54321", "US");
        var edited = await order.EditAsync(new EditOrder([new SkuQuantity(a, 2)], moved, false, placed.Version, 20m, "moved house", Buyer));
        Assert.Equal(EditOutcome.Edited, edited.Outcome);
        Assert.Equal(moved, edited.Order!.ShippingAddress);
        var shipment = Assert.Single(edited.Order.Shipments);
        Assert.Equal("main", shipment.Location);
        Assert.Equal(ShipmentStatus.Cancelled, (await _grains.GetGrain<IShipmentGrain>(placed.Shipments.Single(s => s.Location == "east").Id).GetAsync())!.Status);
        Assert.Equal((2, 0), ((await StockOfAsync(a)).Reserved, (await StockOfAsync(b)).Reserved));

        var changed = await order.EditAsync(new EditOrder([new SkuQuantity(a, 3)], null, false, edited.Order.Version, 20m, null, Buyer));
        Assert.Equal(EditOutcome.TotalChanged, changed.Outcome); // the buyer was shown 20.00; it would be 30.00
        Assert.Equal(2, (await StockOfAsync(a)).Reserved);

        var cancelled = await order.CancelAsync(new CancelOrder("changed my mind", Buyer));
        Assert.Equal((OrderStatus.Cancelled, PaymentStatus.Voided), (cancelled.Status, cancelled.PaymentStatus));
        Assert.Equal((0, 0), ((await StockOfAsync(a)).Reserved, (await StockOfAsync(b)).Reserved));
    }

    // An address in a tax region of its own (region codes are at most three characters), taxed at 10 % on top.
    private async Task<(Address Address, string Region)> TaxedAddressAsync()
    {
        var region = "Z" + Guid.NewGuid().ToString("N")[..2].ToUpperInvariant();
        await TaxAsync($"US-{region}", 10m);
        return (new Address("C One", "9 Elm St", null, "Shelbyville", region, "54321", "US"), region);
    }

    private Task TaxAsync(string code, decimal standard)
        => _grains.GetGrain<ITaxRegionGrain>(code).PutAsync(new PutTaxRegion(new Dictionary<string, decimal> { ["standard"] = standard }, false, false, Ops));

    [Theory]
    [InlineData("\"edits\":[{")] // after everything but the final write
    [InlineData("},\"authorization\":\"auth_")] // the approval of the new total, before anything is given back
    public async Task An_interrupted_edit_is_finished_at_the_price_the_buyer_accepted_even_if_tax_changed_meanwhile(string failingWrite)
    {
        var (a, b) = (await SkuAsync(("main", 10)), await SkuAsync(("east", 10)));
        var (order, placed) = await PlaceAsync((a, 2), (b, 2));
        var (address, region) = await TaxedAddressAsync();
        var edit = new EditOrder([new SkuQuantity(a, 4)], address, true, placed.Version, null, "customer asked", Buyer);
        var preview = (await order.EditAsync(edit)).Edit!;
        Assert.Equal((40m, 4m, 44m, "authorize"), (preview.Subtotal, preview.TaxTotal, preview.Total, preview.Payment));

        var fault = await StateWriteFault.CreateAsync(cluster.Cluster.Database, "order", order.GetPrimaryKeyString(), failingWrite);
        await fault.ArmAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => order.EditAsync(edit with { Preview = false, ExpectedTotal = preview.Total }));
        Assert.True(fault.Caused(failure), $"the edit failed on the injected fault, not on: {failure}");
        await fault.DisarmAsync();
        await TaxAsync($"US-{region}", 20m); // priced again, the edit would total 48.00, not the 44.00 the buyer accepted

        var view = (await order.GetAsync())!; // finished before the read, from the stage it reached
        Assert.Equal([(a, 4)], view.Lines.Select(l => (l.Sku, l.Quantity)));
        Assert.Equal((44m, 4m, address), (view.Total, view.TaxTotal, view.ShippingAddress));
        Assert.Equal(44m, view.Payment.Authorized);
        Assert.NotEqual(placed.Payment.Authorization, view.Payment.Authorization);
        Assert.Single(view.Timeline, t => t.Type == "order.edited");
        Assert.Equal((4, 0), ((await StockOfAsync(a)).Reserved, (await StockOfAsync(b)).Reserved));
        var shipment = Assert.Single(view.Shipments);
        Assert.Equal([new ShipmentLine(a, 4)], await ShipmentLinesAsync(shipment.Id));
        Assert.Equal(ShipmentStatus.Cancelled, (await _grains.GetGrain<IShipmentGrain>(placed.Shipments.Single(s => s.Location == "east").Id).GetAsync())!.Status);
    }

    [Fact]
    public async Task An_edit_the_gateway_cannot_authorize_now_changes_nothing_and_the_next_edit_under_its_number_ships_once()
    {
        var (a, b) = (await SkuAsync(("main", 10)), await SkuAsync(("east", 10)));
        var (order, placed) = await PlaceAsync((a, 2));
        var unavailable = await order.EditAsync(Edit(placed.Version, preview: false, (a, 2), (b, 3)) with { Payment = new PaymentDetails("card", "tok_unavailable") });
        Assert.Equal((EditOutcome.PaymentUnavailable, "gateway_unavailable"), (unavailable.Outcome, unavailable.PaymentProblem!.Reason));
        Assert.Equal((2, 0), ((await StockOfAsync(a)).Reserved, (await StockOfAsync(b)).Reserved));
        Assert.Equal(placed.Version, (await order.GetAsync())!.Version);

        var edited = await order.EditAsync(Edit(placed.Version, preview: false, (a, 2), (b, 3))); // edit 1 again, paid this time
        Assert.Equal(EditOutcome.Edited, edited.Outcome);
        var east = Assert.Single(edited.Order!.Shipments, s => s.Location == "east");
        Assert.Equal([new ShipmentLine(b, 3)], await ShipmentLinesAsync(east.Id));
        Assert.Equal((2, 3), ((await StockOfAsync(a)).Reserved, (await StockOfAsync(b)).Reserved));
    }

    [Fact]
    public async Task A_sku_on_two_lines_at_different_prices_keeps_both_prices_and_units_come_off_the_last_line_first()
    {
        var a = await SkuAsync(("main", 20));
        var order = _grains.GetGrain<IOrderGrain>(NewId("o"));
        var placement = OrderPlacementTests.Order() with
        {
            Lines = [new OrderLineRequest(a, 2, 10m), new OrderLineRequest(a, 3, 6m, PriceOverride: true)], // a price agreed by phone
            Actor = Ops,
        };
        var placed = (await order.PlaceAsync(placement)).Order!;
        Assert.Equal(38m, placed.Subtotal);

        var fewer = await order.EditAsync(Edit(placed.Version, preview: false, (a, 3)));
        Assert.Equal([(2, 10m), (1, 6m)], fewer.Order!.Lines.Select(l => (l.Quantity, l.UnitPrice)));
        var more = await order.EditAsync(Edit(fewer.Order.Version, preview: false, (a, 6)));
        Assert.Equal([(2, 10m), (4, 6m)], more.Order!.Lines.Select(l => (l.Quantity, l.UnitPrice)));
        var one = await order.EditAsync(Edit(more.Order.Version, preview: false, (a, 1)));
        Assert.Equal([(1, 10m)], one.Order!.Lines.Select(l => (l.Quantity, l.UnitPrice)));
        Assert.Equal(1, (await StockOfAsync(a)).Reserved);

        var unknown = await order.EditAsync(Edit(one.Order.Version, preview: true, (a, 1), (NewId("never"), 1)));
        Assert.Equal(EditOutcome.UnknownSku, unknown.Outcome);
    }
}
