using OrderActors.Grains.Events;

namespace OrderActors.Grains.Reporting;

/// <summary>The model behind <see cref="IOrderListGrain"/>: every order's latest summary.</summary>
public sealed record OrderListModel
{
    /// <summary>
    /// <see cref="OrderListGrain.Key"/> (placed time, then id) → the order's summary, paged: a list query reads it a
    /// page at a time newest first, and only the orders of the batch being applied are in memory.
    /// </summary>
    [PagedStateTable]
    public StateTable<OrderListItem> Orders { get; set; } = new();
}

/// <summary>Lists orders from the orders streams, newest first, with filters; see <see cref="IOrderListGrain"/>.</summary>
/// <remarks>
/// Memory: the rows of the batch being applied; the list is in the database, keyed so that key order is placed-time
/// order, and a query reads it in pages from its cursor. Filters skip what does not match, so a filter that matches
/// few orders reads many rows to fill a page.
/// </remarks>
[EventLogFeedSubscription(StreamNamespaces.Orders)]
[GrainType("order-list")]
public sealed class OrderListGrain(
    [PersistentState("order-list", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<OrderListModel>> projection)
    : NamespaceProjectionGrain<OrderListModel>(projection, OrderActorsStorage.EventLog), IOrderListGrain
{
    private const int MaxReadPage = 1000;

    // 1: rows keyed by placed time and id, paged (before: keyed by id, all in memory, with an index by time).
    protected override int ModelVersion => 1;

    /// <summary>
    /// An order's row key: its placed time (UTC ticks, fixed width) and id, so that ordinal key order is placed-time
    /// order and descending key order is the list's newest first (then id descending).
    /// </summary>
    internal static string Key(DateTimeOffset placedAt, string id) => $"{Math.Max(0, placedAt.UtcTicks):D19}|{id}";

    public async Task<OrderListPage> ListAsync(OrderListQuery query)
    {
        // Descending from the cursor, or from the newest order placed before PlacedBefore ("ticks|" sorts before every key of that time).
        var after = query.After is { } cursor ? Key(cursor.PlacedAt, cursor.Id) : null;
        if (query.PlacedBefore is { } before && (after is null || string.CompareOrdinal(Key(before, ""), after) < 0))
        {
            after = Key(before, "");
        }

        var limit = Math.Max(1, query.Limit);
        var page = new List<OrderListItem>(Math.Min(limit, 1024));
        var more = false;
        while (!more)
        {
            var read = await Model.Orders.ReadPageAsync(after, Math.Clamp(limit + 1, 64, MaxReadPage), descending: true);
            foreach (var (_, order) in read.Entries)
            {
                if (query.PlacedFrom is { } earliest && order.PlacedAt < earliest)
                {
                    return Result(page, more: false); // everything further is older
                }

                if (query.Status is { } status && order.Status != status
                    || query.Channel is { } channel && order.Channel != channel
                    || query.CustomerId is { } customer && order.CustomerId != customer)
                {
                    continue;
                }

                if (page.Count == limit)
                {
                    more = true;
                    break;
                }

                page.Add(order);
            }

            if (read.Next is null)
            {
                break;
            }

            after = read.Next;
        }

        return Result(page, more);
    }

    private OrderListPage Result(List<OrderListItem> page, bool more)
        => new(Position, page, more ? new OrderListCursor(page[^1].PlacedAt, page[^1].Id) : null);

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        if (ReportEvents.ReadOrderEvent(streamEvent, payload) is not { } change)
        {
            return;
        }

        // Placed time is fixed, so the key is too: the row is replaced without being read.
        Model.Orders[Key(change.PlacedAt, change.OrderId)] = new OrderListItem(change.OrderId, change.Status, change.PaymentStatus, change.FulfillmentStatus,
            change.Channel, change.CustomerId, change.Currency, change.Subtotal, change.PlacedAt);
    }
}
