using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Domain;

/// <summary>The backorder queue of the stock ledger: what is reserved, what waits, and who gets units first.</summary>
public sealed class BackorderLedgerTests
{
    private static readonly DateTimeOffset Now = TestLedger.Now;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);
    private static readonly Actor Ops = new("api-key:ops", "test");

    private static StockLedger Ledger(params (string Location, int OnHand)[] locations) => TestLedger.Stocked("sku-b", locations);

    private static ReserveStock Backorder(string orderId, int quantity, OrderPriority priority = OrderPriority.Standard, int placedMinutes = 0, DateTimeOffset? notBefore = null)
        => new(orderId, quantity, AcceptBackorder: true, Priority: priority, PlacedAt: Now.AddMinutes(placedMinutes), NotBefore: notBefore);

    private static void Receive(StockLedger ledger, string location, int units)
        => ledger.Adjust(new AdjustStock(location, units, StockReason.Receipt, null, null, Ops), Now);

    private static int Allocated(StockLedger ledger, string orderId) => ledger.BackorderOf(orderId)?.AllocatedUnits ?? 0;

    private static int Waiting(StockLedger ledger, string orderId) => ledger.BackorderOf(orderId)?.Waiting ?? 0;

    [Fact]
    public void A_backorder_reserves_what_is_available_and_queues_the_rest()
    {
        var ledger = Ledger(("main", 2));
        var (result, changed) = ledger.Reserve(Backorder("o1", 5), Now, Timeout);

        Assert.True(changed);
        Assert.Equal(ReservationOutcome.Reserved, result.Outcome);
        Assert.Equal([new LocationAllocation("main", 2)], result.Allocations);
        Assert.Equal((3, "main"), (result.Backordered, result.BackorderLocation));
        var view = ledger.View();
        Assert.Equal((2, 2, 0, 3, 1), (view.OnHand, view.Reserved, view.Available, view.Backordered, view.BackorderQueue));
    }

    [Fact]
    public void Without_the_flag_a_shortage_is_still_refused_and_nothing_is_queued()
    {
        var ledger = Ledger(("main", 2));
        var (result, changed) = ledger.Reserve(new ReserveStock("o1", 5), Now, Timeout);
        Assert.False(changed);
        Assert.Equal(ReservationOutcome.Insufficient, result.Outcome);
        Assert.Equal((0, 0), (ledger.View().Reserved, ledger.View().Backordered));
    }

    [Fact]
    public void Arriving_stock_goes_to_the_highest_priority_first_then_the_oldest_then_the_order_id()
    {
        var ledger = Ledger(("main", 0));
        ledger.Reserve(Backorder("standard-old", 3, OrderPriority.Standard, placedMinutes: 0), Now, Timeout);
        ledger.Reserve(Backorder("standard-new", 2, OrderPriority.Standard, placedMinutes: 5), Now, Timeout);
        ledger.Reserve(Backorder("express", 2, OrderPriority.Express, placedMinutes: 9), Now, Timeout);
        ledger.Reserve(Backorder("vip-b", 1, OrderPriority.Vip, placedMinutes: 10), Now, Timeout);
        ledger.Reserve(Backorder("vip-a", 1, OrderPriority.Vip, placedMinutes: 10), Now, Timeout);

        Receive(ledger, "main", 6);
        var allocated = ledger.AllocateBackorders(Now);

        Assert.Equal(["vip-a", "vip-b", "express", "standard-old"], allocated);
        Assert.Equal((1, 1, 2), (Allocated(ledger, "vip-a"), Allocated(ledger, "vip-b"), Allocated(ledger, "express")));
        Assert.Equal((2, 1), (Allocated(ledger, "standard-old"), Waiting(ledger, "standard-old"))); // partly
        Assert.Equal((0, 2), (Allocated(ledger, "standard-new"), Waiting(ledger, "standard-new")));
        var view = ledger.View();
        Assert.Equal((6, 6, 0, 3, 2), (view.OnHand, view.Reserved, view.Available, view.Backordered, view.BackorderQueue));
    }

    [Fact]
    public void Allocation_never_reserves_more_than_is_on_hand_at_a_location()
    {
        var ledger = Ledger(("main", 1), ("east", 0));
        ledger.Reserve(Backorder("o1", 4), Now, Timeout);
        ledger.Reserve(Backorder("o2", 4), Now, Timeout);
        Receive(ledger, "east", 3);
        ledger.AllocateBackorders(Now);

        var view = ledger.View();
        Assert.All(view.Locations, l => Assert.True(l.Reserved <= l.OnHand, $"{l.Location}: {l.Reserved} reserved of {l.OnHand} on hand"));
        Assert.Equal((4, 4, 0), (view.OnHand, view.Reserved, view.Available));
        Assert.Equal((3, 0), (Allocated(ledger, "o1"), Waiting(ledger, "o1")));
        Assert.Equal(4, Waiting(ledger, "o2"));
    }

    [Fact]
    public void A_claim_moves_the_allocated_units_into_their_own_reservation_once()
    {
        var ledger = Ledger(("main", 2));
        ledger.Reserve(Backorder("o1", 5), Now, Timeout);
        Receive(ledger, "main", 2);
        ledger.AllocateBackorders(Now);

        var (claim, changed) = ledger.Claim(new ClaimBackorder("o1", "o1~b1"));
        Assert.True(changed);
        Assert.Equal([new LocationAllocation("main", 2)], claim.Allocations);
        Assert.Equal(1, claim.Backordered);
        var (again, changedAgain) = ledger.Claim(new ClaimBackorder("o1", "o1~b1"));
        Assert.False(changedAgain);
        Assert.Equal(claim.Allocations, again.Allocations);
        Assert.Empty(ledger.Claim(new ClaimBackorder("o1", "o1~b2")).Claim.Allocations);

        // Each shipment commits its own reservation: the placement's two units and the round's two are apart.
        Assert.Equal(2, ledger.Commit("o1~b1", "main", Now));
        Assert.Equal(2, ledger.Commit("o1", "main", Now));
        var view = ledger.View();
        Assert.Equal((0, 0, 1), (view.OnHand, view.Reserved, view.Backordered));
    }

    [Fact]
    public void A_cancelled_backorder_leaves_the_queue_and_its_allocated_units_go_to_the_next_order()
    {
        var ledger = Ledger(("main", 0));
        ledger.Reserve(Backorder("first", 3, placedMinutes: 0), Now, Timeout);
        ledger.Reserve(Backorder("second", 3, placedMinutes: 1), Now, Timeout);
        Receive(ledger, "main", 3);
        ledger.AllocateBackorders(Now);
        Assert.Equal(3, Allocated(ledger, "first"));

        Assert.True(ledger.DropBackorder("first"));
        Assert.Null(ledger.BackorderOf("first"));
        Assert.Equal(3, ledger.View().Available);
        Assert.Equal(["second"], ledger.AllocateBackorders(Now));
        Assert.Equal(3, Allocated(ledger, "second"));
        Assert.False(ledger.DropBackorder("first"));
    }

    [Fact]
    public void Releasing_an_order_everywhere_drops_its_backorder_but_a_release_at_one_location_does_not()
    {
        var ledger = Ledger(("main", 1));
        ledger.Reserve(Backorder("o1", 3), Now, Timeout);
        Assert.True(ledger.Release("o1", "main"));
        Assert.Equal(2, Waiting(ledger, "o1"));
        Assert.True(ledger.Release("o1"));
        Assert.Null(ledger.BackorderOf("o1"));
    }

    [Fact]
    public void A_preorder_is_allocated_nothing_before_its_release_date_and_its_units_after()
    {
        var release = Now.AddDays(10);
        var ledger = Ledger(("main", 10));
        var (result, _) = ledger.Reserve(Backorder("pre", 4, notBefore: release), Now, Timeout);

        Assert.Empty(result.Allocations);
        Assert.Equal(4, result.Backordered);
        Assert.Empty(ledger.AllocateBackorders(release.AddTicks(-1)));
        Assert.Equal((0, 10), (ledger.View().Reserved, ledger.View().Available));
        Assert.Equal(release, ledger.NextRelease(Now));

        Assert.Equal(["pre"], ledger.AllocateBackorders(release));
        Assert.Equal(4, Allocated(ledger, "pre"));
        Assert.Null(ledger.NextRelease(release));
    }

    [Fact]
    public void An_unconfirmed_backorder_is_checked_with_its_order_and_confirming_keeps_it()
    {
        var ledger = Ledger(("main", 0));
        ledger.Reserve(Backorder("o1", 2), Now, Timeout);
        Assert.True(ledger.HasUnconfirmed);
        Assert.Equal(["o1"], ledger.DueForCheck(Now + Timeout));
        Assert.True(ledger.Confirm("o1"));
        Assert.False(ledger.HasUnconfirmed);
        Assert.Equal(2, Waiting(ledger, "o1"));
    }

    [Fact]
    public void Repeating_a_backorder_request_is_idempotent_and_another_quantity_is_a_conflict()
    {
        var ledger = Ledger(("main", 2));
        var first = ledger.Reserve(Backorder("o1", 5), Now, Timeout).Result;
        var (again, changed) = ledger.Reserve(Backorder("o1", 5), Now, Timeout);
        Assert.False(changed);
        Assert.Equal(first.Allocations, again.Allocations);
        Assert.Equal(first.Backordered, again.Backordered);
        Assert.Equal((2, 3), (ledger.View().Reserved, ledger.View().Backordered));
        var ex = Assert.Throws<DomainException>(() => ledger.Reserve(Backorder("o1", 4), Now, Timeout));
        Assert.Equal("reservation-mismatch", ex.Code);
    }

    [Fact]
    public void A_queue_as_long_as_it_may_be_refuses_more_like_a_shortage()
    {
        var ledger = Ledger(("main", 0));
        Assert.Equal(ReservationOutcome.Reserved, ledger.Reserve(Backorder("o1", DomainLimits.MaxBackorderedPerSku), Now, Timeout).Result.Outcome);
        var (refused, changed) = ledger.Reserve(Backorder("o2", 1), Now, Timeout);
        Assert.False(changed);
        Assert.Equal(ReservationOutcome.Insufficient, refused.Outcome);
        Assert.Equal(DomainLimits.MaxBackorderedPerSku, ledger.View().Backordered);
    }

    [Fact]
    public void A_ledger_rebuilt_from_its_state_counts_allocated_backorders_as_reserved()
    {
        var ledger = Ledger(("main", 0));
        ledger.Reserve(Backorder("o1", 5), Now, Timeout);
        Receive(ledger, "main", 3);
        ledger.AllocateBackorders(Now);
        var rebuilt = new StockLedger("sku-b", ledger.State);
        Assert.Equal(ledger.View(), rebuilt.View(), new InventoryViewComparer());
        Assert.Equal(3, rebuilt.ReservedAt("main"));
    }

    private sealed class InventoryViewComparer : IEqualityComparer<InventoryView>
    {
        public bool Equals(InventoryView? x, InventoryView? y)
            => (x!.OnHand, x.Reserved, x.Available, x.Backordered, x.BackorderQueue) == (y!.OnHand, y.Reserved, y.Available, y.Backordered, y.BackorderQueue)
                && x.Locations.SequenceEqual(y.Locations);

        public int GetHashCode(InventoryView obj) => obj.Reserved;
    }
}
