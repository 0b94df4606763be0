using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;

namespace OrderActors.Grains.Locations;

/// <summary>The model behind <see cref="IPickQueueGrain"/>: every shipment ready to pick, by shipment id.</summary>
public sealed record PickQueueModel
{
    /// <summary>Shipment id → its place in its location's queue.</summary>
    public StateTable<QueuedShipment> Shipments { get; set; } = new();
}

/// <summary>A shipment in a location's pick queue.</summary>
/// <param name="Location">The location that picks it.</param>
/// <param name="Entry">What the queue shows of it.</param>
public sealed record QueuedShipment(string Location, PickQueueEntry Entry);

/// <summary>
/// Every location's pick queue, built from the <c>shipments</c> streams: a shipment is queued while its status is
/// ready-to-pick and leaves the queue with its next change (picked, cancelled). Placing an order therefore costs no
/// call and no write here; the queue writes the shipments of each batch of shipment events, one row each.
/// </summary>
[EventLogFeedSubscription(StreamNamespaces.Shipments)]
[GrainType("pick-queue")]
public sealed class PickQueueGrain(
    [PersistentState("pick-queue", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<PickQueueModel>> projection)
    : NamespaceProjectionGrain<PickQueueModel>(projection, OrderActorsStorage.EventLog), IPickQueueGrain
{

    // Location → its queued shipment ids, kept in memory beside the model it was built from (a rebuild or a reload
    // replaces the model, and the index with it).
    private Dictionary<string, HashSet<string>>? _byLocation;
    private PickQueueModel? _indexed;

    public Task<PickQueueView> ListAsync(string location, int limit)
    {
        if (!ByLocation().TryGetValue(location, out var queued))
        {
            return Task.FromResult(new PickQueueView(location, Position, 0, []));
        }

        var first = queued
            .Select(id => Model.Shipments.Peek(id, out var shipment) ? shipment.Entry : throw new InvalidOperationException($"Pick queue index lists unknown shipment '{id}'."))
            .OrderBy(e => Rank(e.Priority))
            .ThenBy(e => e.OrderPlacedAt)
            .ThenBy(e => e.ShipmentId, StringComparer.Ordinal)
            .Take(limit)
            .ToArray();
        return Task.FromResult(new PickQueueView(location, Position, queued.Count, first));
    }

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        var change = (ShipmentChanged)payload!;
        var index = ByLocation();
        if (Model.Shipments.Peek(change.ShipmentId, out var queued) && queued.Location != change.Location)
        {
            Unindex(index, queued.Location, change.ShipmentId); // never happens (a shipment keeps its location), but the index must not lie
        }

        if (change.Status == ShipmentStatus.ReadyToPick)
        {
            Model.Shipments[change.ShipmentId] = new QueuedShipment(change.Location, new PickQueueEntry(
                change.ShipmentId, change.OrderId, change.Priority, change.OrderPlacedAt, change.Lines.Sum(l => l.Quantity)));
            if (!index.TryGetValue(change.Location, out var ids))
            {
                index[change.Location] = ids = new HashSet<string>(StringComparer.Ordinal);
            }

            ids.Add(change.ShipmentId);
        }
        else if (Model.Shipments.Remove(change.ShipmentId))
        {
            Unindex(index, change.Location, change.ShipmentId);
        }
    }

    private static void Unindex(Dictionary<string, HashSet<string>> index, string location, string shipmentId)
    {
        if (index.TryGetValue(location, out var ids) && ids.Remove(shipmentId) && ids.Count == 0)
        {
            index.Remove(location);
        }
    }

    private Dictionary<string, HashSet<string>> ByLocation()
    {
        if (_byLocation is null || !ReferenceEquals(_indexed, Model))
        {
            _byLocation = Model.Shipments.Values
                .GroupBy(s => s.Location, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(s => s.Entry.ShipmentId).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
            _indexed = Model;
        }

        return _byLocation;
    }

    internal static int Rank(OrderPriority priority) => priority switch
    {
        OrderPriority.Vip => 0,
        OrderPriority.Express => 1,
        _ => 2,
    };
}
