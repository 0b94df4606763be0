using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>
/// A transfer racing reservations: orders for a SKU's last units at a location are placed while a transfer out of that
/// location runs. The SKU's grain decides both in turn, so whichever way they interleave nothing is oversold, and after
/// the transfer lands short and some orders ship, every unit stocked is somewhere: on hand, in transit, written off or
/// shipped.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class StockTransferRaceTests(SharedClusterFixture cluster)
{
    private const int Stocked = 30;
    private const int Orders = 40;
    private const int Transferred = 10;
    private static readonly Actor Ops = new("api-key:ops", "race");

    private readonly IGrainFactory _grains = cluster.Grains;

    [Theory]
    [InlineData(0)] // the transfer goes with the first placements
    [InlineData(10)]
    [InlineData(22)] // 8 units left: the transfer must be refused, while the other placements still run
    [InlineData(28)]
    public async Task Orders_for_the_last_units_racing_a_transfer_never_oversell_and_every_unit_is_accounted_for(int transferAfter)
    {
        var sku = $"race-{Guid.NewGuid():N}";
        var inventory = _grains.GetGrain<IInventoryGrain>(sku);
        await TestCatalog.StockAsync(_grains, sku, new SetStock([new LocationQuantity("a", Stocked)], []));

        // Every placement starts at once; the transfer starts when transferAfter of them are placed, the rest in flight.
        var placedSoFar = 0;
        var transferDue = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (transferAfter == 0)
        {
            transferDue.SetResult();
        }

        var placements = Enumerable.Range(0, Orders).Select(i => Task.Run(async () =>
        {
            var result = await _grains.GetGrain<IOrderGrain>($"o-{sku}-{i}").PlaceAsync(OrderPlacementTests.Order((sku, 1)));
            if (result.Outcome == PlacementOutcome.Placed && Interlocked.Increment(ref placedSoFar) == transferAfter)
            {
                transferDue.SetResult();
            }

            return result;
        })).ToArray();
        await transferDue.Task.WaitAsync(OrderActorsTestCluster.CallTimeout);
        var transfer = inventory.TransferStockAsync(new TransferStock("a", "b", Transferred, null, "race", Ops));

        var results = await Task.WhenAll(placements);
        var transferred = await SucceededAsync(transfer);
        var placed = results.Count(r => r.Outcome == PlacementOutcome.Placed);
        Assert.All(results, r => Assert.Contains(r.Outcome, new[] { PlacementOutcome.Placed, PlacementOutcome.OutOfStock }));

        var raced = (await inventory.GetAsync())!;
        var a = raced.Locations.Single(l => l.Location == "a");
        var phase = $"after the race (transfer after {transferAfter} placements, {(transferred ? "sent" : "refused")}, {placed} placed)";
        Assert.True(placed + (transferred ? Transferred : 0) <= Stocked, $"{phase}: oversold");
        Assert.False(transferred && transferAfter > Stocked - Transferred, $"{phase}: the transfer took units {transferAfter} placed orders held");
        Assert.True(a.OnHand >= a.Reserved && a.Available >= 0, $"{phase}: {a.Reserved} reserved at 'a' with {a.OnHand} on hand");
        Assert.Equal(placed, a.Reserved);
        Assert.Equal(transferred ? Transferred : 0, raced.InTransit);
        Assert.True(transferred || placed > Stocked - Transferred, $"{phase}: the transfer was refused with {Stocked - placed} units available");
        Assert.True(placed == Math.Min(Orders, Stocked - (transferred ? Transferred : 0)), $"{phase}: every order that fit should have been placed");

        // The transfer lands one short, and half the placed orders ship from 'a'.
        if (transferred)
        {
            await inventory.ReceiveTransferAsync(new ReceiveTransfer("t1", Transferred - 1, StockReason.Damage, "one crushed", Ops));
        }

        var shipping = results.Select((r, i) => (r, i)).Where(x => x.r.Outcome == PlacementOutcome.Placed).Take(placed / 2).ToArray();
        var shipped = await Task.WhenAll(shipping.Select(x => inventory.CommitAsync(new CommitStock($"o-{sku}-{x.i}", "a"))));

        var settled = (await inventory.GetAsync())!;
        var units = settled.OnHand + settled.InTransit + settled.WrittenOff + settled.Committed;
        Assert.True(units == Stocked,
            $"after shipping {shipped.Sum()}: {settled.OnHand} on hand + {settled.InTransit} in transit + {settled.WrittenOff} written off + {settled.Committed} shipped is {units}, not {Stocked}");
        Assert.Equal(placed - shipped.Sum(), settled.Reserved);
    }

    private static async Task<bool> SucceededAsync(Task<TransferView> transfer)
    {
        try
        {
            await transfer;
            return true;
        }
        catch (DomainException ex) when (ex.Code == "insufficient-stock")
        {
            return false;
        }
    }
}
