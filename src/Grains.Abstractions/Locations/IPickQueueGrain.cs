namespace OrderActors.Grains.Locations;

/// <summary>
/// The shipments waiting to be picked, per location: a projection of the <c>shipments</c> streams (key
/// <c>all</c>, the one grain every shipment stream wakes). It trails the shipments by a moment, which a picker can
/// afford: picking a shipment that was cancelled meanwhile is refused by the shipment itself.
/// </summary>
[Alias("OrderActors.Grains.Locations.IPickQueueGrain")]
public interface IPickQueueGrain : IGrainWithStringKey
{
    /// <summary>A location's queue in picking order: vip before express before standard, then oldest order first.</summary>
    [Alias("ListAsync")]
    Task<PickQueueView> ListAsync(string location, int limit);
}

/// <summary>A location's pick queue as of a stream position.</summary>
/// <param name="Location">The location.</param>
/// <param name="Position">The global stream position the queue is complete up to.</param>
/// <param name="Waiting">Shipments waiting at the location in all.</param>
/// <param name="Shipments">The first of them, in picking order.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Locations.PickQueueView")]
public sealed record PickQueueView(string Location, long Position, int Waiting, IReadOnlyList<PickQueueEntry> Shipments);

/// <summary>A shipment waiting to be picked.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Locations.PickQueueEntry")]
public sealed record PickQueueEntry(string ShipmentId, string OrderId, Orders.OrderPriority Priority, DateTimeOffset OrderPlacedAt, int Units);
