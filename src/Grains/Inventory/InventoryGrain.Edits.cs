using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Inventory;

/// <summary>An order edit resizing its reservation (<see cref="StockLedger.Resize"/>), in the same turns as reservations.</summary>
public sealed partial class InventoryGrain
{
    public async Task<ReservationResult> ResizeAsync(ResizeReservation request)
    {
        while (_sweep is { } sweep)
        {
            await Task.WhenAny(sweep);
        }

        var before = inventory.State.Reservations.GetValueOrDefault(request.OrderId)?.Quantity ?? 0;
        var (result, changed) = Ledger.Resize(request, timeProvider.GetUtcNow(), options.Value.AllocationStrategy);
        if (changed)
        {
            await SaveAsync(request.Quantity >= before ? "inventory.reserved" : "inventory.released", request.OrderId);
        }
        else if (result.Outcome == ReservationOutcome.Reserved && Writes.IsWriting)
        {
            await Writes.WriteAsync(); // a repeat of a resize that is not written yet: answered once it is
        }

        return result;
    }
}
