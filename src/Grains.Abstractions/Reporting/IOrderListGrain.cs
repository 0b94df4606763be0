using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Reporting;

/// <summary>
/// Every order's summary, from the orders streams, for listing and filtering without reading order grains.
/// Key: <c>default</c>.
/// </summary>
[Alias("OrderActors.Grains.Reporting.IOrderListGrain")]
public interface IOrderListGrain : IGrainWithStringKey
{
    /// <summary>Orders that match, newest first (placed time, then id, both descending), after the cursor.</summary>
    [Alias("ListAsync")]
    Task<OrderListPage> ListAsync(OrderListQuery query);
}

/// <summary>Which orders to list.</summary>
/// <param name="Status">Only orders in this status.</param>
/// <param name="Channel">Only orders from this channel.</param>
/// <param name="CustomerId">Only this customer's orders.</param>
/// <param name="PlacedFrom">Only orders placed at or after this time.</param>
/// <param name="PlacedBefore">Only orders placed before this time.</param>
/// <param name="Limit">Most orders to return.</param>
/// <param name="After">Continue after this order (the previous page's <see cref="OrderListPage.Next"/>).</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.OrderListQuery")]
public sealed record OrderListQuery(
    OrderStatus? Status,
    SalesChannel? Channel,
    string? CustomerId,
    DateTimeOffset? PlacedFrom,
    DateTimeOffset? PlacedBefore,
    int Limit,
    OrderListCursor? After);

/// <summary>A position in the list: an order's placed time and id.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.OrderListCursor")]
public sealed record OrderListCursor(DateTimeOffset PlacedAt, string Id);

/// <summary>A page of orders.</summary>
/// <param name="Checkpoint">The global stream position the page includes.</param>
/// <param name="Orders">The orders, newest first.</param>
/// <param name="Next">Where the next page starts; null when there is none.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Reporting.OrderListPage")]
public sealed record OrderListPage(long Checkpoint, IReadOnlyList<OrderListItem> Orders, OrderListCursor? Next);

/// <summary>An order's summary as last published.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.OrderListItem")]
public sealed record OrderListItem(
    string Id,
    OrderStatus Status,
    PaymentStatus PaymentStatus,
    FulfillmentStatus FulfillmentStatus,
    SalesChannel Channel,
    string CustomerId,
    string Currency,
    decimal Subtotal,
    DateTimeOffset PlacedAt);
