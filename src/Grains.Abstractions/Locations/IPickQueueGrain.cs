using OrderActors.Runtime;

namespace OrderActors.Grains.Locations;

/// <summary>The shipments waiting to be picked at one location. Key: the location id.</summary>
public interface IPickQueueGrain : IGrainWithStringKey
{
    /// <summary>Queues a shipment; does nothing if it is queued.</summary>
    Task AddAsync(PickQueueEntry entry);

    /// <summary>Removes a shipment (picked or cancelled); does nothing if it is not queued.</summary>
    Task RemoveAsync(string shipmentId);

    /// <summary>The queue in picking order: vip before express before standard, then oldest order first.</summary>
    Task<IReadOnlyList<PickQueueEntry>> ListAsync(int limit);
}

/// <summary>A shipment waiting to be picked.</summary>
public sealed record PickQueueEntry(string ShipmentId, string OrderId, Orders.OrderPriority Priority, DateTimeOffset OrderPlacedAt, int Units);
