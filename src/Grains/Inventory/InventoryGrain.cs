using Microsoft.Extensions.Options;
using OrderActors.Runtime;

namespace OrderActors.Grains.Inventory;

/// <summary>
/// The stock of one SKU. Turn-based execution makes every reservation see the result of the previous one, so
/// available stock can never go below zero.
/// </summary>
/// <remarks>
/// Unconfirmed reservations (a placement still running, or one that crashed) expire: while any exists, a durable
/// reminder sweeps them every quarter of the reservation timeout, so such a reservation is released between one
/// and one and a quarter timeouts after it was made — also after a restart.
/// </remarks>
public sealed class InventoryGrain(
    [PersistentState("inventory")] IPersistentState<InventoryState> inventory,
    IOptions<OrderOptions> options)
    : Grain, IInventoryGrain, IRemindable
{
    private const string ExpiryReminder = "reservation-expiry";

    private StockLedger? _ledger;

    // The ledger keeps running totals over the state object; it is rebuilt only if the state was reloaded.
    private StockLedger Ledger => ReferenceEquals(_ledger?.State, inventory.State) ? _ledger! : _ledger = new(GetPrimaryKeyString(), inventory.State);

    private TimeSpan Timeout => options.Value.ReservationTimeout;

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
        var (result, changed) = Ledger.Reserve(request, TimeProvider.GetUtcNow(), Timeout, options.Value.AllocationStrategy);
        if (changed)
        {
            if (!request.Confirm && !inventory.State.ExpiryReminderRegistered)
            {
                var sweep = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, Timeout.Ticks / 4));
                await RegisterOrUpdateReminderAsync(ExpiryReminder, Timeout, sweep);
                inventory.State.ExpiryReminderRegistered = true;
            }

            await inventory.WriteStateAsync();
        }

        return result;
    }

    public async Task ReleaseAsync(ReleaseStock request)
    {
        if (Ledger.Release(request.OrderId, request.Location))
        {
            await inventory.WriteStateAsync();
        }
    }

    public async Task<int> CommitAsync(CommitStock request)
    {
        var units = Ledger.Commit(request.OrderId, request.Location);
        if (units > 0)
        {
            await inventory.WriteStateAsync();
        }

        return units;
    }

    public async Task ReceiveReminderAsync(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder)
        {
            return;
        }

        var ledger = Ledger;
        var changed = ledger.ExpireUnconfirmed(TimeProvider.GetUtcNow()).Count > 0;
        var idle = !ledger.HasUnconfirmed;
        if (idle)
        {
            inventory.State.ExpiryReminderRegistered = false;
        }

        if (changed || idle)
        {
            await inventory.WriteStateAsync();
        }

        // Unregistered only after the state says so: a reminder without the flag is harmless, the reverse would
        // leave future reservations without expiry.
        if (idle)
        {
            await UnregisterReminderAsync(ExpiryReminder);
        }
    }
}
