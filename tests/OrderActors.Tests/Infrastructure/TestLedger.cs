using OrderActors.Grains.Inventory;

namespace OrderActors.Tests.Infrastructure;

/// <summary>Stock ledgers for domain tests, without a grain.</summary>
public static class TestLedger
{
    /// <summary>The time domain tests run at.</summary>
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A ledger of <paramref name="sku"/> stocked at the given locations, in that priority order, with its movements taken.</summary>
    public static StockLedger Stocked(string sku, params (string Location, int OnHand)[] locations)
    {
        var ledger = new StockLedger(sku, new InventoryState());
        ledger.SetStock(new SetStock(locations.Select(l => new LocationQuantity(l.Location, l.OnHand)).ToArray(), []), Now);
        ledger.TakeMovements();
        return ledger;
    }
}
