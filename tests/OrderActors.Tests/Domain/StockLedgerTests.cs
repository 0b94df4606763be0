using OrderActors.Grains;
using OrderActors.Grains.Inventory;

namespace OrderActors.Tests.Domain;

public sealed class StockLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    private static StockLedger Ledger(params (string Location, int OnHand)[] locations)
    {
        var ledger = new StockLedger("sku-1", new InventoryState());
        ledger.SetStock(new SetStock(locations.Select(l => new LocationQuantity(l.Location, l.OnHand)).ToArray(), ["sku-2"]), Now);
        return ledger;
    }

    [Fact]
    public void Reservations_allocate_from_locations_in_priority_order()
    {
        var ledger = Ledger(("main", 3), ("east", 5));
        var (result, changed) = ledger.Reserve(new ReserveStock("o1", 4), Now, Timeout);
        Assert.True(changed);
        Assert.Equal(ReservationOutcome.Reserved, result.Outcome);
        Assert.Equal([new LocationAllocation("main", 3), new LocationAllocation("east", 1)], result.Allocations);
        var view = ledger.View();
        Assert.Equal((8, 4, 4), (view.OnHand, view.Reserved, view.Available));
        Assert.Equal(0, view.Locations.Single(l => l.Location == "main").Available);
    }

    [Fact]
    public void A_reservation_larger_than_available_reserves_nothing()
    {
        var ledger = Ledger(("main", 3), ("east", 2));
        ledger.Reserve(new ReserveStock("o1", 2), Now, Timeout);
        var (result, changed) = ledger.Reserve(new ReserveStock("o2", 4), Now, Timeout);
        Assert.False(changed);
        Assert.Equal(ReservationOutcome.Insufficient, result.Outcome);
        Assert.Equal(3, result.Available);
        Assert.Equal(["sku-2"], result.Substitutes);
        Assert.Equal(2, ledger.View().Reserved);
    }

    [Fact]
    public void Reserving_again_for_the_same_order_is_idempotent()
    {
        var ledger = Ledger(("main", 10));
        var first = ledger.Reserve(new ReserveStock("o1", 4), Now, Timeout).Result;
        var (again, changed) = ledger.Reserve(new ReserveStock("o1", 4), Now, Timeout);
        Assert.False(changed);
        Assert.Equal(first.Allocations, again.Allocations);
        Assert.Equal(4, ledger.View().Reserved);
    }

    [Fact]
    public void Reserving_another_quantity_for_the_same_order_is_a_conflict()
    {
        var ledger = Ledger(("main", 10));
        ledger.Reserve(new ReserveStock("o1", 4), Now, Timeout);
        var ex = Assert.Throws<DomainException>(() => ledger.Reserve(new ReserveStock("o1", 5), Now, Timeout));
        Assert.Equal("reservation-mismatch", ex.Code);
        Assert.Equal(4, ledger.View().Reserved);
    }

    [Fact]
    public void Release_is_idempotent()
    {
        var ledger = Ledger(("main", 10));
        ledger.Reserve(new ReserveStock("o1", 4), Now, Timeout);
        Assert.True(ledger.Release("o1"));
        Assert.False(ledger.Release("o1"));
        Assert.Equal(10, ledger.View().Available);
    }

    [Fact]
    public void On_hand_cannot_be_set_below_what_is_reserved_at_a_location()
    {
        var ledger = Ledger(("main", 10), ("east", 1));
        ledger.Reserve(new ReserveStock("o1", 8), Now, Timeout);
        var ex = Assert.Throws<DomainException>(() => ledger.SetStock(new SetStock([new LocationQuantity("main", 7)], []), Now));
        Assert.Equal("stock-below-reserved", ex.Code);
        Assert.Equal(11, ledger.View().OnHand);

        ledger.SetStock(new SetStock([new LocationQuantity("main", 8)], []), Now);
        var view = ledger.View();
        Assert.Equal((8, 8, 0), (view.OnHand, view.Reserved, view.Available));
    }

    [Fact]
    public void Most_stock_first_takes_the_fullest_location_first()
    {
        var ledger = Ledger(("main", 3), ("east", 8));
        var (result, _) = ledger.Reserve(new ReserveStock("o1", 5), Now, Timeout, AllocationStrategy.MostStockFirst);
        Assert.Equal([new LocationAllocation("east", 5)], result.Allocations);
    }

    [Fact]
    public void Timed_out_unconfirmed_reservations_come_due_for_a_check_and_confirmed_ones_never_do()
    {
        var ledger = Ledger(("main", 10));
        ledger.Reserve(new ReserveStock("unconfirmed", 3), Now, Timeout);
        ledger.Reserve(new ReserveStock("confirmed", 2, Confirm: true), Now, Timeout);
        ledger.Reserve(new ReserveStock("slow", 1), Now, Timeout);
        Assert.True(ledger.HasUnconfirmed);

        Assert.Empty(ledger.DueForCheck(Now + Timeout - TimeSpan.FromSeconds(1)));
        Assert.Equal(["unconfirmed", "slow"], ledger.DueForCheck(Now + Timeout).Order().Reverse());
        Assert.True(ledger.Extend("slow", Now + Timeout + Timeout));
        Assert.True(ledger.Release("unconfirmed"));
        Assert.Empty(ledger.DueForCheck(Now + Timeout));
        Assert.True(ledger.Confirm("slow"));
        Assert.False(ledger.HasUnconfirmed);
        Assert.Equal((3, 7), (ledger.View().Reserved, ledger.View().Available));
    }

    [Fact]
    public void Commit_consumes_the_reservation_at_one_location_and_lowers_on_hand_once()
    {
        var ledger = Ledger(("main", 3), ("east", 5));
        ledger.Reserve(new ReserveStock("o1", 6, Confirm: true), Now, Timeout);
        Assert.Equal(3, ledger.Commit("o1", "main", Now));
        Assert.Equal(0, ledger.Commit("o1", "main", Now)); // a retry commits nothing more
        var view = ledger.View();
        Assert.Equal((5, 3, 2, 3), (view.OnHand, view.Reserved, view.Available, view.Committed));
        Assert.True(ledger.Release("o1", "east"));
        view = ledger.View();
        Assert.Equal((5, 0, 5, 3), (view.OnHand, view.Reserved, view.Available, view.Committed));
        Assert.Equal(8, view.Available + view.Reserved + view.Committed); // every unit stocked is accounted for
    }

    [Fact]
    public void An_unstocked_sku_is_unknown()
    {
        var ledger = new StockLedger("nothing", new InventoryState());
        Assert.Equal(ReservationOutcome.UnknownSku, ledger.Reserve(new ReserveStock("o1", 1), Now, Timeout).Result.Outcome);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Non_positive_quantities_are_refused(int quantity)
        => Assert.Equal("invalid-quantity", Assert.Throws<DomainException>(() => Ledger(("main", 5)).Reserve(new ReserveStock("o1", quantity), Now, Timeout)).Code);

    [Fact]
    public void Available_never_goes_below_zero_under_any_sequence_of_operations()
    {
        var random = new Random(1234);
        var ledger = Ledger(("main", 20), ("east", 10));
        for (var step = 0; step < 2000; step++)
        {
            var order = $"o{random.Next(40)}";
            try
            {
                switch (random.Next(4))
                {
                    case 3:
                        ledger.Commit(order, random.Next(2) == 0 ? "main" : "east", Now);
                        break;
                    case 0:
                        ledger.Reserve(new ReserveStock(order, random.Next(1, 8)), Now, Timeout);
                        break;
                    case 1:
                        ledger.Release(order);
                        break;
                    default:
                        ledger.SetStock(new SetStock([new LocationQuantity("main", random.Next(0, 25)), new LocationQuantity("east", random.Next(0, 12))], []), Now);
                        break;
                }
            }
            catch (DomainException)
            {
                // refused operations change nothing; the invariant below must still hold
            }

            var rebuilt = new StockLedger("sku-1", ledger.State).View();
            Assert.Equal(rebuilt.Locations, ledger.View().Locations); // running totals agree with a ledger rebuilt from the stored state
            foreach (var location in ledger.View().Locations)
            {
                Assert.True(location.Reserved <= location.OnHand, $"step {step}: {location.Location} reserved {location.Reserved} > on hand {location.OnHand}");
                Assert.Equal(location.OnHand - location.Reserved, location.Available);
            }
        }
    }
}
