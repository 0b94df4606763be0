using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;

namespace OrderActors.Tests.Domain;

/// <summary>Adjustments, write-offs and transfers on the stock ledger, and the movements they record.</summary>
public sealed class StockMovementTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);
    private static readonly Actor Ops = new("api-key:ops", "ops-1");

    private static StockLedger Ledger(params (string Location, int OnHand)[] locations)
    {
        var ledger = new StockLedger("sku-1", new InventoryState());
        ledger.SetStock(new SetStock(locations.Select(l => new LocationQuantity(l.Location, l.OnHand)).ToArray(), [], Ops), Now);
        ledger.TakeMovements();
        return ledger;
    }

    private static AdjustStock Adjust(string location, int delta, StockReason reason) => new(location, delta, reason, "note", "ref-1", Ops);

    private static TransferStock Send(string from, string to, int quantity) => new(from, to, quantity, null, "truck-7", Ops);

    private static LocationStockView At(StockLedger ledger, string location) => ledger.View().Locations.Single(l => l.Location == location);

    [Fact]
    public void A_receipt_adds_units_and_records_a_movement_with_what_it_left()
    {
        var ledger = Ledger(("main", 5));
        var movement = ledger.Adjust(Adjust("main", 7, StockReason.Receipt), Now);
        Assert.Equal(new StockMovement(2, Now, "main", MovementKind.Adjusted, StockReason.Receipt, 7, 12, 0, "ref-1", null, "note", Ops), movement);
        Assert.Equal([movement], ledger.TakeMovements());
        Assert.Equal((12, 12, 2L), (ledger.View().OnHand, ledger.View().Available, ledger.View().LastMovement));
    }

    [Theory]
    [InlineData(StockReason.Damage)]
    [InlineData(StockReason.WriteOff)]
    public void Damage_and_write_offs_remove_units_and_count_them_as_written_off(StockReason reason)
    {
        var ledger = Ledger(("main", 10), ("east", 4));
        var movement = ledger.Adjust(Adjust("east", -3, reason), Now);
        Assert.Equal((-3, 1, 3), (movement.Delta, movement.OnHand, movement.WrittenOff));
        Assert.Equal((1, 3), (At(ledger, "east").OnHand, At(ledger, "east").WrittenOff));
        Assert.Equal((11, 3), (ledger.View().OnHand, ledger.View().WrittenOff));
    }

    [Fact]
    public void A_cycle_count_goes_either_way_and_writes_nothing_off()
    {
        var ledger = Ledger(("main", 10));
        ledger.Adjust(Adjust("main", -2, StockReason.CycleCount), Now);
        ledger.Adjust(Adjust("main", 1, StockReason.Correction), Now);
        Assert.Equal((9, 0), (At(ledger, "main").OnHand, ledger.View().WrittenOff));
    }

    [Theory]
    [InlineData(StockReason.Receipt, -1)]
    [InlineData(StockReason.Damage, 1)]
    [InlineData(StockReason.WriteOff, 2)]
    [InlineData(StockReason.CycleCount, 0)]
    [InlineData(StockReason.Correction, int.MinValue)]
    public void A_delta_that_does_not_fit_its_reason_is_refused_naming_delta(StockReason reason, int delta)
    {
        var ledger = Ledger(("main", 10));
        var refused = Assert.Throws<DomainException>(() => ledger.Adjust(Adjust("main", delta, reason), Now));
        Assert.Equal(("validation-failed", "delta"), (refused.Code, refused.Field));
        Assert.Empty(ledger.TakeMovements());
        Assert.Equal(10, ledger.View().OnHand);
    }

    [Fact]
    public void Units_that_are_reserved_cannot_be_adjusted_away()
    {
        var ledger = Ledger(("main", 10));
        ledger.Reserve(new ReserveStock("o1", 8), Now, Timeout);
        var refused = Assert.Throws<DomainException>(() => ledger.Adjust(Adjust("main", -3, StockReason.Damage), Now));
        Assert.Equal((DomainErrorKind.Conflict, "insufficient-stock"), (refused.Kind, refused.Code));
        ledger.Adjust(Adjust("main", -2, StockReason.Damage), Now); // exactly what is available
        Assert.Equal((8, 8, 0), (At(ledger, "main").OnHand, At(ledger, "main").Reserved, At(ledger, "main").Available));
    }

    [Fact]
    public void A_receipt_at_a_new_location_stocks_it_last_in_priority_and_removing_units_from_one_is_short()
    {
        var ledger = Ledger(("main", 1));
        ledger.Adjust(Adjust("north", 4, StockReason.Receipt), Now);
        Assert.Equal(["main", "north"], ledger.View().Locations.Select(l => l.Location));
        Assert.Equal("insufficient-stock", Assert.Throws<DomainException>(() => ledger.Adjust(Adjust("south", -1, StockReason.CycleCount), Now)).Code);
    }

    [Fact]
    public void A_location_past_the_most_a_sku_may_have_is_refused()
    {
        var ledger = Ledger([.. Enumerable.Range(0, DomainLimits.MaxLocationsPerSku).Select(i => ($"l{i}", 1))]);
        Assert.Equal((DomainErrorKind.Conflict, "too-many-locations"), Kind(() => ledger.Adjust(Adjust("one-more", 1, StockReason.Receipt), Now)));
        Assert.Equal((DomainErrorKind.Conflict, "too-many-locations"), Kind(() => ledger.Transfer(Send("l0", "one-more", 1), Now)));
        Assert.Equal(DomainLimits.MaxLocationsPerSku, ledger.View().Locations.Count);
    }

    [Fact]
    public void Movements_of_a_sku_never_stocked_are_unknown()
    {
        var ledger = new StockLedger("nothing", new InventoryState());
        Assert.Equal((DomainErrorKind.NotFound, "unknown-sku"), Kind(() => ledger.Adjust(Adjust("main", 1, StockReason.Receipt), Now)));
        Assert.Equal((DomainErrorKind.NotFound, "unknown-sku"), Kind(() => ledger.Transfer(Send("main", "east", 1), Now)));
        Assert.Equal((DomainErrorKind.NotFound, "transfer-not-found"), Kind(() => ledger.ReceiveTransfer(new ReceiveTransfer("t1", 1, null, null, Ops), Now)));
    }

    [Fact]
    public void A_transfer_leaves_at_once_is_in_transit_and_lands_at_its_destination()
    {
        var ledger = Ledger(("main", 10), ("east", 2));
        var transfer = ledger.Transfer(Send("main", "east", 6), Now);
        Assert.Equal(new StockTransfer("t1", "main", "east", 6, TransferStatus.InTransit, Now, null, "truck-7", Ops), transfer);
        var moving = ledger.View();
        Assert.Equal((4, 2, 6, 6), (At(ledger, "main").Available, At(ledger, "east").OnHand, moving.InTransit, moving.OnHand));
        Assert.Equal([transfer], moving.Transfers);

        var (received, changed) = ledger.ReceiveTransfer(new ReceiveTransfer("t1", 6, null, "all there", Ops), Now.AddHours(5));
        Assert.True(changed);
        Assert.Equal((TransferStatus.Received, 6, Now.AddHours(5)), (received.Status, received.Received, received.FinishedAt));
        var landed = ledger.View();
        Assert.Equal((4, 8, 0, 12, 0), (At(ledger, "main").OnHand, At(ledger, "east").OnHand, landed.InTransit, landed.OnHand, landed.WrittenOff));
        Assert.Empty(landed.Transfers);
        Assert.Equal(
            [(MovementKind.TransferredOut, "main", -6, 4), (MovementKind.TransferredIn, "east", 6, 8)],
            ledger.TakeMovements().Select(m => (m.Kind, m.Location, m.Delta, m.OnHand)));
    }

    [Fact]
    public void A_short_receipt_writes_the_shortfall_off_at_the_destination_with_its_reason()
    {
        var ledger = Ledger(("main", 10));
        ledger.Transfer(Send("main", "east", 5), Now);
        ledger.TakeMovements();
        Assert.Equal(("validation-failed", "received"), Field(() => ledger.ReceiveTransfer(new ReceiveTransfer("t1", 6, null, null, Ops), Now)));
        Assert.Equal(("validation-failed", "shortfallReason"), Field(() => ledger.ReceiveTransfer(new ReceiveTransfer("t1", 3, StockReason.Receipt, null, Ops), Now)));

        var (received, _) = ledger.ReceiveTransfer(new ReceiveTransfer("t1", 3, StockReason.Damage, "two crushed", Ops), Now);
        Assert.Equal((3, StockReason.Damage), (received.Received, received.ShortfallReason));
        Assert.Equal((3, 2), (At(ledger, "east").OnHand, At(ledger, "east").WrittenOff));
        var movement = Assert.Single(ledger.TakeMovements());
        Assert.Equal((MovementKind.TransferredIn, 3, 2, StockReason.Damage, "t1"), (movement.Kind, movement.Delta, movement.WrittenOff, movement.Reason, movement.TransferId));
        Assert.Equal(10, ledger.View().OnHand + ledger.View().InTransit + ledger.View().WrittenOff); // every unit is accounted for
    }

    [Fact]
    public void Nothing_arriving_writes_the_whole_transfer_off_without_stocking_the_destination()
    {
        var ledger = Ledger(("main", 4));
        ledger.Transfer(Send("main", "east", 4), Now);
        ledger.ReceiveTransfer(new ReceiveTransfer("t1", 0, null, "lost", Ops), Now);
        Assert.Equal(["main"], ledger.View().Locations.Select(l => l.Location));
        Assert.Equal((0, 0, 4), (ledger.View().OnHand, ledger.View().InTransit, ledger.View().WrittenOff));
        Assert.Equal(StockReason.WriteOff, ledger.State.Transfers.Single().ShortfallReason);
    }

    [Fact]
    public void A_cancelled_transfer_goes_back_where_it_left_and_repeats_change_nothing()
    {
        var ledger = Ledger(("main", 10));
        ledger.Transfer(Send("main", "east", 4), Now);
        var (cancelled, changed) = ledger.CancelTransfer(new CancelTransfer("t1", "wrong truck", Ops), Now);
        Assert.True(changed);
        Assert.Equal(TransferStatus.Cancelled, cancelled.Status);
        Assert.Equal((10, 0), (At(ledger, "main").Available, ledger.View().InTransit));
        Assert.False(ledger.CancelTransfer(new CancelTransfer("t1", null, Ops), Now).Changed);
        var refused = Assert.Throws<DomainException>(() => ledger.ReceiveTransfer(new ReceiveTransfer("t1", 4, null, null, Ops), Now));
        Assert.Equal(("invalid-transition", "cancelled"), (refused.Code, refused.CurrentState));
        Assert.Equal(
            [(MovementKind.TransferredOut, -4), (MovementKind.TransferCancelled, 4)],
            ledger.TakeMovements().Select(m => (m.Kind, m.Delta)));
    }

    [Fact]
    public void A_received_transfer_takes_the_same_receipt_again_and_refuses_another_or_a_cancel()
    {
        var ledger = Ledger(("main", 10));
        ledger.Transfer(Send("main", "east", 4), Now);
        ledger.ReceiveTransfer(new ReceiveTransfer("t1", 4, null, null, Ops), Now);
        ledger.TakeMovements();
        Assert.False(ledger.ReceiveTransfer(new ReceiveTransfer("t1", 4, null, null, Ops), Now).Changed);
        Assert.Equal("invalid-transition", Assert.Throws<DomainException>(() => ledger.ReceiveTransfer(new ReceiveTransfer("t1", 3, null, null, Ops), Now)).Code);
        Assert.Equal("invalid-transition", Assert.Throws<DomainException>(() => ledger.CancelTransfer(new CancelTransfer("t1", null, Ops), Now)).Code);
        Assert.Empty(ledger.TakeMovements());
        Assert.Equal(4, At(ledger, "east").OnHand);
    }

    [Fact]
    public void A_transfer_takes_only_available_units_and_a_reservation_only_units_that_have_not_left()
    {
        var ledger = Ledger(("main", 10), ("east", 0));
        ledger.Reserve(new ReserveStock("o1", 7), Now, Timeout);
        Assert.Equal("insufficient-stock", Assert.Throws<DomainException>(() => ledger.Transfer(Send("main", "east", 4), Now)).Code);
        ledger.Transfer(Send("main", "east", 3), Now);
        Assert.Equal(ReservationOutcome.Insufficient, ledger.Reserve(new ReserveStock("o2", 1), Now, Timeout).Result.Outcome);
        Assert.Equal((7, 7, 0, 3), (At(ledger, "main").OnHand, At(ledger, "main").Reserved, ledger.View().Available, ledger.View().InTransit));
    }

    [Fact]
    public void A_transfer_needs_two_locations_a_quantity_and_room_for_another_open_transfer()
    {
        var ledger = Ledger(("main", 1_000));
        Assert.Equal(("validation-failed", "to"), Field(() => ledger.Transfer(Send("main", "main", 1), Now)));
        Assert.Equal(("validation-failed", "quantity"), Field(() => ledger.Transfer(Send("main", "east", 0), Now)));
        Assert.Equal(("validation-failed", "from"), Field(() => ledger.Transfer(Send(" ", "east", 1), Now)));
        for (var i = 0; i < DomainLimits.MaxOpenTransfersPerSku; i++)
        {
            ledger.Transfer(Send("main", "east", 1), Now);
        }

        Assert.Equal("too-many-transfers", Assert.Throws<DomainException>(() => ledger.Transfer(Send("main", "east", 1), Now)).Code);
    }

    [Fact]
    public void Finished_transfers_are_forgotten_past_the_latest_ones_kept_and_ids_are_never_reused()
    {
        var ledger = Ledger(("main", 1_000));
        for (var i = 1; i <= StockLedger.FinishedTransfersKept + 5; i++)
        {
            ledger.Transfer(Send("main", "east", 1), Now);
            ledger.ReceiveTransfer(new ReceiveTransfer($"t{i}", 1, null, null, Ops), Now);
        }

        Assert.Equal(StockLedger.FinishedTransfersKept, ledger.State.Transfers.Count);
        Assert.Equal("t6", ledger.State.Transfers[0].Id);
        Assert.Equal("transfer-not-found", Assert.Throws<DomainException>(() => ledger.CancelTransfer(new CancelTransfer("t1", null, Ops), Now)).Code);
        Assert.Equal($"t{StockLedger.FinishedTransfersKept + 6}", ledger.Transfer(Send("main", "east", 1), Now).Id);
    }

    [Fact]
    public void Finished_transfers_are_forgotten_a_day_after_they_finished_and_open_ones_never()
    {
        var ledger = Ledger(("main", 10));
        ledger.Transfer(Send("main", "east", 1), Now);
        ledger.Transfer(Send("main", "east", 1), Now);
        ledger.ReceiveTransfer(new ReceiveTransfer("t1", 1, null, null, Ops), Now);
        ledger.ForgetFinishedTransfers(Now + StockLedger.FinishedTransfersKeptFor);
        Assert.Equal(["t1", "t2"], ledger.State.Transfers.Select(t => t.Id));
        ledger.ForgetFinishedTransfers(Now + StockLedger.FinishedTransfersKeptFor + TimeSpan.FromSeconds(1));
        Assert.Equal(["t2"], ledger.State.Transfers.Select(t => t.Id));
        Assert.Equal(1, ledger.View().InTransit);
    }

    [Fact]
    public void Setting_shipping_and_restocking_are_movements_too()
    {
        var ledger = Ledger(("main", 10), ("east", 3));
        ledger.SetStock(new SetStock([new LocationQuantity("main", 12), new LocationQuantity("west", 1)], [], Ops), Now);
        ledger.Reserve(new ReserveStock("o1", 2, Confirm: true), Now, Timeout);
        ledger.Commit("o1", "main", Now);
        ledger.Restock(new RestockStock("o1-r1", "main", 1, 1), Now);
        Assert.Equal(
            [
                (MovementKind.Set, "main", 2, 12, 0, (string?)null), (MovementKind.Set, "west", 1, 1, 0, null), (MovementKind.Set, "east", -3, 0, 0, null),
                (MovementKind.Shipped, "main", -2, 10, 0, "o1"), (MovementKind.Restocked, "main", 1, 11, 1, "o1-r1"),
            ],
            ledger.TakeMovements().Select(m => (m.Kind, m.Location, m.Delta, m.OnHand, m.WrittenOff, m.Reference)));
    }

    private static (DomainErrorKind, string) Kind(Action action)
    {
        var refused = Assert.Throws<DomainException>(action);
        return (refused.Kind, refused.Code);
    }

    private static (string, string?) Field(Action action)
    {
        var refused = Assert.Throws<DomainException>(action);
        return (refused.Code, refused.Field);
    }
}
