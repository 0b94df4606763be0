using OrderActors.Grains;
using OrderActors.Grains.Inventory;

namespace OrderActors.Tests.Domain;

/// <summary>An order edit resizing its reservation: all or nothing, never past on-hand, idempotent.</summary>
public sealed class ReservationResizeTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    private static StockLedger Ledger(params (string Location, int OnHand)[] locations)
    {
        var ledger = new StockLedger("sku-1", new InventoryState());
        ledger.SetStock(new SetStock(locations.Select(l => new LocationQuantity(l.Location, l.OnHand)).ToArray(), []), Now);
        return ledger;
    }

    private static (int Reserved, int Available) Levels(StockLedger ledger) => (ledger.View().Reserved, ledger.View().Available);

    [Fact]
    public void Growth_takes_units_where_the_order_already_holds_some_before_other_locations()
    {
        var ledger = Ledger(("main", 2), ("east", 5), ("west", 5));
        ledger.Reserve(new ReserveStock("other", 2), Now, Timeout, AllocationStrategy.LocationPriority); // main is empty now
        ledger.Reserve(new ReserveStock("o1", 1), Now, Timeout);                                          // o1 holds 1 at east
        var (result, changed) = ledger.Resize(new ResizeReservation("o1", 6), Now);
        Assert.True(changed);
        Assert.Equal(ReservationOutcome.Reserved, result.Outcome);
        Assert.Equal([new LocationAllocation("east", 5), new LocationAllocation("west", 1)], result.Allocations);
        Assert.Equal((8, 4), Levels(ledger));
        Assert.Null(ledger.State.Reservations["o1"].ExpiresAt); // an edit's reservation is confirmed
    }

    [Fact]
    public void Growth_beyond_what_is_available_changes_nothing()
    {
        var ledger = Ledger(("main", 3));
        ledger.Reserve(new ReserveStock("o1", 2, Confirm: true), Now, Timeout);
        var (result, changed) = ledger.Resize(new ResizeReservation("o1", 4), Now);
        Assert.False(changed);
        Assert.Equal((ReservationOutcome.Insufficient, 1), (result.Outcome, result.Available));
        Assert.Equal([new LocationAllocation("main", 2)], ledger.State.Reservations["o1"].Allocations);
        Assert.Equal((2, 1), Levels(ledger));
    }

    [Fact]
    public void Shrinking_gives_back_units_from_the_locations_last_in_priority_first_and_zero_releases()
    {
        var ledger = Ledger(("main", 2), ("east", 5));
        ledger.Reserve(new ReserveStock("o1", 5, Confirm: true), Now, Timeout);
        Assert.Equal([new LocationAllocation("main", 2), new LocationAllocation("east", 3)], ledger.State.Reservations["o1"].Allocations);

        var (smaller, _) = ledger.Resize(new ResizeReservation("o1", 1), Now);
        Assert.Equal([new LocationAllocation("main", 1)], smaller.Allocations);
        Assert.Equal((1, 6), Levels(ledger));

        var (none, changed) = ledger.Resize(new ResizeReservation("o1", 0), Now);
        Assert.True(changed);
        Assert.Empty(none.Allocations);
        Assert.False(ledger.State.Reservations.ContainsKey("o1"));
        Assert.Equal((0, 7), Levels(ledger));
    }

    [Fact]
    public void A_resize_to_the_size_held_changes_nothing_and_a_new_sku_is_reserved_from_scratch()
    {
        var ledger = Ledger(("main", 4));
        Assert.Equal((ReservationOutcome.Reserved, true), Outcome(ledger.Resize(new ResizeReservation("o1", 3), Now)));
        Assert.Equal((ReservationOutcome.Reserved, false), Outcome(ledger.Resize(new ResizeReservation("o1", 3), Now))); // a retry
        Assert.Equal((3, 1), Levels(ledger));
        Assert.Equal((ReservationOutcome.Reserved, false), Outcome(ledger.Resize(new ResizeReservation("o2", 0), Now)));
        Assert.Throws<DomainException>(() => ledger.Resize(new ResizeReservation("o1", -1), Now));
    }

    [Fact]
    public void An_unconfirmed_reservation_resized_to_its_size_is_confirmed()
    {
        var ledger = Ledger(("main", 4));
        ledger.Reserve(new ReserveStock("o1", 2), Now, Timeout);
        Assert.Equal((ReservationOutcome.Reserved, true), Outcome(ledger.Resize(new ResizeReservation("o1", 2), Now)));
        Assert.Null(ledger.State.Reservations["o1"].ExpiresAt);
    }

    [Fact]
    public void Random_resizes_and_reservations_never_reserve_more_than_is_on_hand_at_any_location()
    {
        var random = new Random(13);
        for (var run = 0; run < 50; run++)
        {
            var ledger = Ledger(("a", random.Next(0, 6)), ("b", random.Next(0, 6)), ("c", random.Next(0, 6)));
            var held = new Dictionary<string, int>();
            for (var step = 0; step < 40; step++)
            {
                var order = $"o{random.Next(5)}";
                var size = random.Next(0, 8);
                var before = held.GetValueOrDefault(order);
                var (result, _) = random.Next(3) == 0 && before == 0 && size > 0
                    ? ledger.Reserve(new ReserveStock(order, size, Confirm: true), Now, Timeout)
                    : ledger.Resize(new ResizeReservation(order, size), Now, random.Next(2) == 0 ? AllocationStrategy.MostStockFirst : AllocationStrategy.LocationPriority);
                if (result.Outcome == ReservationOutcome.Reserved)
                {
                    held[order] = size;
                    Assert.Equal(size, result.Allocations.Sum(a => a.Quantity));
                }

                var view = ledger.View();
                Assert.All(view.Locations, l => Assert.InRange(l.Reserved, 0, l.OnHand));
                Assert.Equal(held.Values.Sum(), view.Reserved);
                Assert.Equal(held.Where(h => h.Value > 0).Select(h => h.Key).Order(), ledger.State.Reservations.Keys.Order());
            }
        }
    }

    private static (ReservationOutcome, bool) Outcome((ReservationResult Result, bool Changed) resize) => (resize.Result.Outcome, resize.Changed);
}
