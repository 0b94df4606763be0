using Microsoft.Extensions.Options;
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

    /// <summary>The same summaries keyed by customer first (<c>customer|</c><see cref="OrderListGrain.Key"/>): a customer's orders, newest first.</summary>
    [PagedStateTable]
    public StateTable<OrderListItem> ByCustomer { get; set; } = new();
}

/// <summary>Lists orders from the orders streams, newest first, with filters; see <see cref="IOrderListGrain"/>.</summary>
/// <remarks>
/// Memory: the rows of the batch being applied; the list is in the database, keyed so that key order is placed-time
/// order, and a query reads it in pages from its cursor. A customer filter reads that customer's own rows; other
/// filters skip what does not match, up to <see cref="ReportOptions.OrderListScanLimit"/> rows a call, after which the
/// page is answered short with a cursor to continue from.
/// </remarks>
[EventLogFeedSubscription(StreamNamespaces.Orders)]
[GrainType("order-list")]
public sealed class OrderListGrain(
    [PersistentState("order-list", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<OrderListModel>> projection,
    IOptions<ReportOptions> options)
    : NamespaceProjectionGrain<OrderListModel>(projection, OrderActorsStorage.EventLog), IOrderListGrain
{
    private const int MaxReadPage = 1000;

    // 2: rows keyed by placed time and id, and by customer, paged (before: keyed by id, all in memory, with an index by time).
    protected override int ModelVersion => 2;

    /// <summary>
    /// An order's row key: its placed time (UTC ticks, fixed width) and id, so that ordinal key order is placed-time
    /// order and descending key order is the list's newest first (then id descending).
    /// </summary>
    internal static string Key(DateTimeOffset placedAt, string id) => $"{Math.Max(0, placedAt.UtcTicks):D19}|{id}";

    public async Task<OrderListPage> ListAsync(OrderListQuery query)
    {
        // A customer's own rows when the query names one, else every order's; both newest first. A position in either is
        // prefix + Key, and "prefix + ~" is above every key of the prefix (a key goes on with digits).
        var (table, prefix) = query.CustomerId is { } customerId ? (Model.ByCustomer, customerId + "|") : (Model.Orders, "");
        var after = query.After is { } cursor ? prefix + Key(cursor.PlacedAt, cursor.Id) : prefix.Length > 0 ? prefix + "~" : null;
        if (query.PlacedBefore is { } before && (after is null || string.CompareOrdinal(prefix + Key(before, ""), after) < 0))
        {
            after = prefix + Key(before, ""); // "ticks|" sorts before every key of that time: those are not before it
        }

        var limit = Math.Max(1, query.Limit);
        var filtered = query.Status is not null || query.Channel is not null;
        var budget = options.Value.OrderListScanLimit;
        var page = new List<OrderListItem>(Math.Min(limit, 1024));
        OrderListItem? examined = null;
        while (true)
        {
            var read = await table.ReadPageAsync(after, Math.Min(Math.Max(filtered ? MaxReadPage : limit + 1, 16), Math.Min(MaxReadPage, budget + 1)), descending: true);
            foreach (var (key, order) in read.Entries)
            {
                if (!key.StartsWith(prefix, StringComparison.Ordinal) || query.PlacedFrom is { } earliest && order.PlacedAt < earliest)
                {
                    return Result(page, next: null); // past the customer's rows, or everything further is older
                }

                if (budget-- == 0)
                {
                    return Result(page, next: examined); // read enough for one call: continue after the last order read
                }

                if (query.Status is { } status && order.Status != status
                    || query.Channel is { } channel && order.Channel != channel
                    || query.CustomerId is { } customer && order.CustomerId != customer)
                {
                    examined = order;
                    continue;
                }

                if (page.Count == limit)
                {
                    return Result(page, next: page[^1]);
                }

                page.Add(order);
                examined = order;
            }

            if (read.Next is null)
            {
                return Result(page, next: null);
            }

            after = read.Next;
        }
    }

    private OrderListPage Result(List<OrderListItem> page, OrderListItem? next)
        => new(Position, page, next is null ? null : new OrderListCursor(next.PlacedAt, next.Id));

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        if (ReportEvents.ReadOrderEvent(streamEvent, payload) is not { } change)
        {
            return;
        }

        // Placed time and customer are fixed, so the keys are too: the rows are replaced without being read.
        var item = new OrderListItem(change.OrderId, change.Status, change.PaymentStatus, change.FulfillmentStatus,
            change.Channel, change.CustomerId, change.Currency, change.Subtotal, change.PlacedAt);
        Model.Orders[Key(change.PlacedAt, change.OrderId)] = item;
        Model.ByCustomer[change.CustomerId + "|" + Key(change.PlacedAt, change.OrderId)] = item;
    }
}
