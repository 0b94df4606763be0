using System.Text.Json;
using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Reporting;

/// <summary>The model behind <see cref="IOrdersByStatusGrain"/>: the counts, and each order's latest status and channel.</summary>
/// <remarks>Memory: the counts; the orders' rows stay in the database (paged) and load for the orders a batch changes.</remarks>
public sealed record OrdersByStatusModel
{
    /// <summary>Order id → latest status and channel: what an order counts under, to move it when it changes.</summary>
    [PagedStateTable]
    public StateTable<OrderStatusSlot> Orders { get; set; } = new();

    /// <summary>Channel → status → orders.</summary>
    public Dictionary<SalesChannel, Dictionary<OrderStatus, int>> Counts { get; set; } = [];
}

/// <summary>An order's latest status and its channel.</summary>
public sealed record OrderStatusSlot(OrderStatus Status, SalesChannel Channel);

/// <summary>Counts orders by status and channel from the <c>orders</c> streams.</summary>
[EventLogFeedSubscription(StreamNamespaces.Orders)]
[GrainType("orders-by-status")]
public sealed class OrdersByStatusGrain(
    [PersistentState("orders-by-status", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<OrdersByStatusModel>> projection)
    : NamespaceProjectionGrain<OrdersByStatusModel>(projection, OrderActorsStorage.EventLog), IOrdersByStatusGrain
{

    // 1: the counts kept in the head and the rows paged (before, the counts were taken from every row on each read).
    protected override int ModelVersion => 1;

    public Task<OrdersByStatusReport> GetAsync()
    {
        var slots = Model.Counts.SelectMany(c => c.Value.Select(s => (Channel: c.Key, Status: s.Key, Orders: s.Value))).ToArray();
        return Task.FromResult(new OrdersByStatusReport(
            Position,
            slots.Sum(s => s.Orders),
            Count(slots),
            slots.GroupBy(s => Name(s.Channel)).ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, int>)Count(g))));
    }

    protected override async ValueTask PrepareAsync(IReadOnlyList<(EventLogEntry Entry, object? Payload)> page)
        => await Model.Orders.LoadAsync(ReportEvents.OrderIds(page));

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        if (streamEvent.EventType == CustomerNotificationEvent.Type)
        {
            return; // not an order change
        }

        var change = (OrderEvent)payload!;
        if (Model.Orders.GetValueOrDefault(change.OrderId) is { } old)
        {
            Move(old, -1);
        }

        var slot = new OrderStatusSlot(change.Status, change.Channel);
        Model.Orders[change.OrderId] = slot;
        Move(slot, +1);
    }

    private void Move(OrderStatusSlot slot, int by)
    {
        if (!Model.Counts.TryGetValue(slot.Channel, out var statuses))
        {
            Model.Counts[slot.Channel] = statuses = [];
        }

        var count = statuses.GetValueOrDefault(slot.Status) + by;
        if (count == 0)
        {
            statuses.Remove(slot.Status);
        }
        else
        {
            statuses[slot.Status] = count;
        }

        if (statuses.Count == 0)
        {
            Model.Counts.Remove(slot.Channel);
        }
    }

    private static Dictionary<string, int> Count(IEnumerable<(SalesChannel Channel, OrderStatus Status, int Orders)> slots)
        => slots.GroupBy(s => Name(s.Status)).ToDictionary(g => g.Key, g => g.Sum(s => s.Orders));

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
