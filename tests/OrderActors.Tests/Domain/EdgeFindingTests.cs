using System.Text.Json;
using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Shipments;
using OrderActors.Grains.Shipping;

namespace OrderActors.Tests.Domain;

/// <summary>The domain halves of issue 11's findings: bounded stock sums and promises counted in dates.</summary>
public sealed class EdgeFindingTests
{
    [Fact]
    public void Stock_whose_sum_does_not_fit_is_refused_before_the_ledger_changes()
    {
        var ledger = new StockLedger("sku-big", new InventoryState());
        ledger.SetStock(new SetStock([new LocationQuantity("main", 7)], []), DateTimeOffset.UnixEpoch);
        var before = JsonSerializer.Serialize(ledger.View());

        var huge = new SetStock([new LocationQuantity("a", 1_000_000_000), new LocationQuantity("b", 1_000_000_000), new LocationQuantity("c", 1_000_000_000)], []);
        var refused = Assert.Throws<DomainException>(() => ledger.SetStock(huge, DateTimeOffset.UnixEpoch));

        Assert.Equal(("validation-failed", "locations"), (refused.Code, refused.Field));
        Assert.Equal(before, JsonSerializer.Serialize(ledger.View())); // the ledger still answers, with the old levels
    }

    [Fact]
    public void A_restock_past_the_bounds_is_refused_and_changes_nothing()
    {
        var ledger = new StockLedger("sku-full", new InventoryState());
        ledger.SetStock(new SetStock([new LocationQuantity("a", 1_000_000_000), new LocationQuantity("b", 1_000_000_000)], []), DateTimeOffset.UnixEpoch);

        var refused = Assert.Throws<DomainException>(() => ledger.Restock(new RestockStock("o-1-r1", "a", 1, 0), DateTimeOffset.UnixEpoch));

        Assert.Equal("validation-failed", refused.Code);
        Assert.Equal(2_000_000_000, ledger.View().OnHand);
        Assert.True(ledger.Restock(new RestockStock("o-1-r1", "a", 0, 1), DateTimeOffset.UnixEpoch), "a refused restock must not be remembered as done");
    }

    [Theory]
    [InlineData(5, 1)] // standard, shipped a minute after placement
    [InlineData(2, 1)] // express
    [InlineData(1, 1)] // vip
    [InlineData(5, 600)] // shipped ten hours later, the same day
    public void A_promise_counts_business_dates_so_shipping_the_same_day_keeps_every_day(int promisedDays, int minutesLater)
    {
        var placed = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero); // a Monday
        var promisedBy = BusinessDays.Add(placed, promisedDays);

        Assert.Equal(promisedDays, BusinessDays.Between(placed.AddMinutes(minutesLater), promisedBy));
    }

    [Theory]
    [InlineData(5, BuiltInCarriers.GroundCo)]
    [InlineData(2, BuiltInCarriers.SwiftExpress)]
    [InlineData(1, BuiltInCarriers.NightOwl)]
    public void The_default_carrier_is_the_cheapest_that_meets_the_promise_when_shipped_a_minute_after_placement(int promisedDays, string expected)
    {
        var selector = new CarrierSelector([new GroundCoCarrier(), new SwiftExpressCarrier(), new NightOwlCarrier()]);
        var placed = new DateTimeOffset(2026, 3, 4, 9, 30, 0, TimeSpan.Zero);
        var parcel = new ParcelSpec("main", "US", "12345", 2);

        var chosen = selector.Choose(parcel, BusinessDays.Between(placed.AddMinutes(1), BusinessDays.Add(placed, promisedDays)), null);

        Assert.Equal(expected, chosen?.Carrier.Code);
    }
}
