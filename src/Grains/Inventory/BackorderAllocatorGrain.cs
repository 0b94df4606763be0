using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Inventory;

/// <summary>The model behind <see cref="IBackorderAllocatorGrain"/>: a count, for the admin and the tests.</summary>
public sealed record BackorderAllocatorModel
{
    /// <summary>The <c>inventory.allocated</c> events handed to orders.</summary>
    public long Allocations { get; set; }
}

/// <summary>Hands every <c>inventory.allocated</c> event to its order; see <see cref="IBackorderAllocatorGrain"/>.</summary>
/// <remarks>
/// Why a stream reader and not a call from the inventory grain: orders call inventory grains (placement, claims), so
/// an inventory grain calling an order could close a cycle, which Orleans does not detect (it waits for the response
/// timeout). This grain is outside every call chain: it calls the order, which calls down. Delivery is at least once
/// and the checkpoint moves only after the order answered; the order makes a repeat harmless (its claims are
/// idempotent and an order with nothing backordered does nothing).
/// </remarks>
[EventLogFeedSubscription(StreamNamespaces.Inventory)]
[GrainType("backorder-allocator")]
public sealed class BackorderAllocatorGrain(
    [PersistentState("backorder-allocator", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<BackorderAllocatorModel>> projection)
    : NamespaceProjectionGrain<BackorderAllocatorModel>(projection, OrderActorsStorage.EventLog), IBackorderAllocatorGrain
{

    public Task<BackorderAllocatorProgress> GetProgressAsync() => Task.FromResult(new BackorderAllocatorProgress(Position, Model.Allocations));

    protected override async ValueTask ApplyAsync(EventLogEntry entry, object? payload)
    {
        if (entry.EventType != InventoryGrain.AllocatedEvent || payload is not InventoryChanged { OrderId: { } orderId })
        {
            return;
        }

        await GrainFactory.GetGrain<IOrderGrain>(orderId).AllocateBackordersAsync();
        Model.Allocations++;
    }
}
