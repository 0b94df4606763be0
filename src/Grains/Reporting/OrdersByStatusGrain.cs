using System.Text.Json;
using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Reporting;

/// <summary>The model behind <see cref="IOrdersByStatusGrain"/>: each order's latest status and channel.</summary>
public sealed record OrdersByStatusModel
{
    /// <summary>Order id → latest status and channel.</summary>
    public StateTable<OrderStatusSlot> Orders { get; set; } = new();
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

    public Task<OrdersByStatusReport> GetAsync()
    {
        var orders = Model.Orders.Values;
        return Task.FromResult(new OrdersByStatusReport(
            Position,
            Model.Orders.Count,
            Count(orders),
            orders.GroupBy(o => Name(o.Channel)).ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, int>)Count(g))));
    }

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        if (streamEvent.EventType == CustomerNotificationEvent.Type)
        {
            return; // not an order change
        }

        var change = (OrderEvent)payload!;
        Model.Orders[change.OrderId] = new OrderStatusSlot(change.Status, change.Channel);
    }

    private static Dictionary<string, int> Count(IEnumerable<OrderStatusSlot> orders)
        => orders.GroupBy(o => Name(o.Status)).ToDictionary(g => g.Key, g => g.Count());

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
