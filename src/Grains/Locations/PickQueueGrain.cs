using OrderActors.Grains.Orders;
using OrderActors.Runtime;

namespace OrderActors.Grains.Locations;

/// <summary>The stored pick queue of a location.</summary>
public sealed record PickQueueState
{
    /// <summary>Queued shipments by id.</summary>
    public Dictionary<string, PickQueueEntry> Entries { get; set; } = [];
}

/// <summary>A location's pick queue: priority first, then the oldest order.</summary>
public sealed class PickQueueGrain([PersistentState("pick-queue")] IPersistentState<PickQueueState> queue) : Grain, IPickQueueGrain
{
    public async Task AddAsync(PickQueueEntry entry)
    {
        if (queue.State.Entries.TryAdd(entry.ShipmentId, entry))
        {
            await queue.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string shipmentId)
    {
        if (queue.State.Entries.Remove(shipmentId))
        {
            await queue.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<PickQueueEntry>> ListAsync(int limit)
        => Task.FromResult<IReadOnlyList<PickQueueEntry>>(queue.State.Entries.Values
            .OrderBy(e => Rank(e.Priority))
            .ThenBy(e => e.OrderPlacedAt)
            .ThenBy(e => e.ShipmentId, StringComparer.Ordinal)
            .Take(limit)
            .ToArray());

    internal static int Rank(OrderPriority priority) => priority switch
    {
        OrderPriority.Vip => 0,
        OrderPriority.Express => 1,
        _ => 2,
    };
}
