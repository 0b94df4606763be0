using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;

namespace OrderActors.Grains.Locations;

/// <summary>The model behind <see cref="IPickQueueGrain"/>: location → shipment id → entry.</summary>
public sealed record PickQueueModel
{
    /// <summary>The shipments ready to pick, by location and shipment id.</summary>
    public Dictionary<string, Dictionary<string, PickQueueEntry>> Locations { get; set; } = [];
}

/// <summary>
/// Every location's pick queue, built from the <c>shipments</c> streams: a shipment is queued while its status is
/// ready-to-pick and leaves the queue with its next change (picked, cancelled). Placing an order therefore costs no
/// call and no write here; the queue is written once per batch of shipment events.
/// </summary>
[ImplicitStreamSubscription(StreamNamespaces.Shipments, EventLogStreamIdMappers.SingleGrain)]
[GrainType("pick-queue")]
public sealed class PickQueueGrain(
    [PersistentState("pick-queue", OrderActorsStorage.State)] IPersistentState<ProjectionState<PickQueueModel>> projection)
    : NamespaceProjectionGrain<PickQueueModel>(projection, OrderActorsStorage.EventLog), IPickQueueGrain
{
    protected override IReadOnlySet<string> Namespaces { get; } = new HashSet<string>(StringComparer.Ordinal) { StreamNamespaces.Shipments };

    public Task<PickQueueView> ListAsync(string location, int limit)
    {
        if (!Model.Locations.TryGetValue(location, out var queue))
        {
            return Task.FromResult(new PickQueueView(location, Position, 0, []));
        }

        var first = queue.Values
            .OrderBy(e => Rank(e.Priority))
            .ThenBy(e => e.OrderPlacedAt)
            .ThenBy(e => e.ShipmentId, StringComparer.Ordinal)
            .Take(limit)
            .ToArray();
        return Task.FromResult(new PickQueueView(location, Position, queue.Count, first));
    }

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        var change = (ShipmentChanged)payload!;
        if (change.Status == ShipmentStatus.ReadyToPick)
        {
            if (!Model.Locations.TryGetValue(change.Location, out var queue))
            {
                Model.Locations[change.Location] = queue = [];
            }

            queue[change.ShipmentId] = new PickQueueEntry(
                change.ShipmentId, change.OrderId, change.Priority, change.OrderPlacedAt, change.Lines.Sum(l => l.Quantity));
        }
        else if (Model.Locations.TryGetValue(change.Location, out var queue) && queue.Remove(change.ShipmentId) && queue.Count == 0)
        {
            Model.Locations.Remove(change.Location);
        }
    }

    internal static int Rank(OrderPriority priority) => priority switch
    {
        OrderPriority.Vip => 0,
        OrderPriority.Express => 1,
        _ => 2,
    };
}
