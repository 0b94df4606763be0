using OrderActors.Runtime;

namespace OrderActors.Grains.Inventory;

/// <summary>The stock of one SKU. Turn-based execution makes every reservation see the result of the previous one.</summary>
public sealed class InventoryGrain([PersistentState("inventory")] IPersistentState<InventoryState> inventory) : Grain, IInventoryGrain
{
    private StockLedger? _ledger;

    // The ledger keeps running totals over the state object; it is rebuilt only if the state was reloaded.
    private StockLedger Ledger => ReferenceEquals(_ledger?.State, inventory.State) ? _ledger! : _ledger = new(GetPrimaryKeyString(), inventory.State);

    public async Task<InventoryView> SetStockAsync(SetStock command)
    {
        var ledger = Ledger;
        ledger.SetStock(command);
        await inventory.WriteStateAsync();
        return ledger.View();
    }

    public Task<InventoryView?> GetAsync()
        => Task.FromResult(inventory.State.Stocked ? Ledger.View() : null);

    public async Task<ReservationResult> ReserveAsync(ReserveStock request)
    {
        var (result, changed) = Ledger.Reserve(request, TimeProvider.GetUtcNow());
        if (changed)
        {
            await inventory.WriteStateAsync();
        }

        return result;
    }

    public async Task ReleaseAsync(string orderId)
    {
        if (Ledger.Release(orderId))
        {
            await inventory.WriteStateAsync();
        }
    }
}
