using OrderActors.Grains.Events;

namespace OrderActors.Grains.Reporting;

/// <summary>The model behind <see cref="IOrderListGrain"/>: every order's latest summary.</summary>
public sealed record OrderListModel
{
    /// <summary>Order id → its summary.</summary>
    public StateTable<OrderListItem> Orders { get; set; } = new();
}

/// <summary>Lists orders from the orders streams, newest first, with filters; see <see cref="IOrderListGrain"/>.</summary>
/// <remarks>
/// Memory: one entry per order ever confirmed (about 200 bytes), held in the activation and written with every
/// batch, plus an in-memory index by (placed time, id) rebuilt on activation. That is fine for hundreds of thousands
/// of orders; beyond that the list belongs in a database table (or a projection partitioned by month). Filters
/// walk the index from the cursor, so a filter that matches few orders reads many entries to fill a page.
/// </remarks>
[EventLogFeedSubscription(StreamNamespaces.Orders)]
[GrainType("order-list")]
public sealed class OrderListGrain(
    [PersistentState("order-list", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<OrderListModel>> projection)
    : NamespaceProjectionGrain<OrderListModel>(projection, OrderActorsStorage.EventLog), IOrderListGrain
{

    // Newest first: placed time descending, then id descending (ordinal), so a cursor is a strict position.
    private static readonly Comparer<(DateTimeOffset PlacedAt, string Id)> NewestFirst = Comparer<(DateTimeOffset PlacedAt, string Id)>.Create(
        (a, b) => b.PlacedAt.CompareTo(a.PlacedAt) is var byTime and not 0 ? byTime : string.CompareOrdinal(b.Id, a.Id));

    private SortedSet<(DateTimeOffset PlacedAt, string Id)>? _index;
    private OrderListModel? _indexed; // the model the index was built from: a reset or a reload replaces it

    public Task<OrderListPage> ListAsync(OrderListQuery query)
    {
        var index = Index();
        IEnumerable<(DateTimeOffset PlacedAt, string Id)> candidates = index;
        if (query.After is { } after && index.Count > 0)
        {
            var from = (after.PlacedAt, after.Id);
            candidates = NewestFirst.Compare(from, index.Max) > 0
                ? []
                : index.GetViewBetween(from, index.Max).SkipWhile(k => NewestFirst.Compare(k, from) == 0);
        }

        var limit = Math.Max(1, query.Limit);
        var page = new List<OrderListItem>(Math.Min(limit, 1024));
        var more = false;
        foreach (var key in candidates)
        {
            if (query.PlacedBefore is { } before && key.PlacedAt >= before)
            {
                continue;
            }

            if (query.PlacedFrom is { } earliest && key.PlacedAt < earliest)
            {
                break; // everything further is older
            }

            if (!Model.Orders.Peek(key.Id, out var order))
            {
                continue;
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

        return Task.FromResult(new OrderListPage(Position, page, more ? new OrderListCursor(page[^1].PlacedAt, page[^1].Id) : null));
    }

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        if (ReportEvents.ReadOrderEvent(streamEvent, payload) is not { } change)
        {
            return;
        }

        var item = new OrderListItem(change.OrderId, change.Status, change.PaymentStatus, change.FulfillmentStatus, change.Channel,
            change.CustomerId, change.Currency, change.Subtotal, change.PlacedAt);
        if (Model.Orders.TryGetValue(change.OrderId, out var old) && old.PlacedAt != item.PlacedAt)
        {
            _index?.Remove((old.PlacedAt, old.Id)); // never happens (placed time is fixed), but the index must not lie
        }

        Model.Orders[change.OrderId] = item;
        if (ReferenceEquals(_indexed, Model))
        {
            _index!.Add((item.PlacedAt, item.Id));
        }
    }

    private SortedSet<(DateTimeOffset PlacedAt, string Id)> Index()
    {
        if (_index is null || !ReferenceEquals(_indexed, Model))
        {
            _index = new SortedSet<(DateTimeOffset PlacedAt, string Id)>(Model.Orders.Values.Select(o => (o.PlacedAt, o.Id)), NewestFirst);
            _indexed = Model;
        }

        return _index;
    }
}
