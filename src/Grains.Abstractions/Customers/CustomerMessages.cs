using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Customers;

/// <summary>One of the customer's orders, as the order tells the customer grain about it.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="PlacedAt">When its placement began (the order's <see cref="OrderView.PlacedAt"/>): its place in the list.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Customers.CustomerOrderRef")]
public sealed record CustomerOrderRef(string OrderId, DateTimeOffset PlacedAt);

/// <summary>Which of a customer's orders to list.</summary>
/// <param name="Limit">Most orders to return.</param>
/// <param name="After">Continue after this order (the previous page's <see cref="CustomerOrdersPage.Next"/>), or null for the newest.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Customers.CustomerOrdersQuery")]
public sealed record CustomerOrdersQuery(int Limit, string? After);

/// <summary>A page of a customer's orders.</summary>
/// <param name="Orders">The orders, newest first.</param>
/// <param name="Next">The order the next page starts after; null on the last page.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Customers.CustomerOrdersPage")]
public sealed record CustomerOrdersPage(IReadOnlyList<CustomerOrderSummary> Orders, string? Next);

/// <summary>An order as its customer's list shows it, as the order is now.</summary>
/// <param name="Id">The order id.</param>
/// <param name="Status">The order's status.</param>
/// <param name="FulfillmentStatus">How far its shipments have gone.</param>
/// <param name="PlacedAt">When it was placed.</param>
/// <param name="Channel">Where it was placed.</param>
/// <param name="Currency">Its currency.</param>
/// <param name="Total">What the buyer pays (subtotal − discount + shipping + tax added on top).</param>
/// <param name="ItemCount">Units ordered, over all its lines.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Customers.CustomerOrderSummary")]
public sealed record CustomerOrderSummary(
    string Id, OrderStatus Status, FulfillmentStatus FulfillmentStatus, DateTimeOffset PlacedAt, SalesChannel Channel, string Currency, decimal Total, int ItemCount);

/// <summary>An order's answer to its customer grain: whether it exists and, if it does, its summary as last written.</summary>
/// <param name="Verdict">
/// <see cref="ReservationVerdict.Confirmed"/>: written and readable; <see cref="ReservationVerdict.Pending"/>: its placement
/// is still running (or a write's outcome is unknown), ask again later; <see cref="ReservationVerdict.Release"/>: there is
/// no such order (never placed, refused, or its placement died before it was written).
/// </param>
/// <param name="Order">The summary when confirmed.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Customers.CustomerOrderVouch")]
public sealed record CustomerOrderVouch(ReservationVerdict Verdict, CustomerOrderSummary? Order);
