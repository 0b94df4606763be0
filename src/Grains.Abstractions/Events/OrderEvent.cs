using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Events;

/// <summary>
/// Something happened to an order (its type says what: <c>order.confirmed</c>, <c>shipment.shipped</c>,
/// <c>payment.captured</c>, …), with the order's summary as it stands after the change, so a projection needs no
/// other source. Returns, claims, refunds, feedback and support add their types (<c>return.requested</c>,
/// <c>payment.refunded</c>, <c>claim.opened</c>, <c>feedback.received</c>, <c>support.ticket_opened</c>, …) and
/// <see cref="Aftercare"/>; events written before it existed read it as null.
/// </summary>
[GenerateSerializer, Alias("OrderActors.Grains.Events.OrderEvent")]
public sealed record OrderEvent(
    string OrderId,
    string Type,
    DateTimeOffset At,
    Actor Actor,
    string Details,
    OrderStatus Status,
    PaymentStatus PaymentStatus,
    FulfillmentStatus FulfillmentStatus,
    SalesChannel Channel,
    OrderPriority Priority,
    string CustomerId,
    string Currency,
    decimal Subtotal,
    decimal Captured,
    decimal Refunded,
    IReadOnlyList<OrderEventLine> Lines,
    DateTimeOffset PlacedAt,
    DateTimeOffset PromisedBy,
    OrderAftercare? Aftercare = null,
    OrderTotalsSummary? Totals = null);

/// <summary>An order's totals in an <see cref="OrderEvent"/>; events written before they existed read as null (the total was the subtotal, with no tax or shipping).</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.OrderTotalsSummary")]
public sealed record OrderTotalsSummary(decimal DiscountTotal, decimal ShippingTotal, decimal TaxTotal, decimal Total, bool TaxIncluded, decimal ShippingTax = 0);

/// <summary>A line of the order in an <see cref="OrderEvent"/>.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Quantity">Units ordered.</param>
/// <param name="UnitPrice">Price of one unit.</param>
/// <param name="Cancelled">
/// Units of the line in cancelled shipments (all of them once the order is cancelled, the unshipped part after a
/// partial cancellation). Events written before this field existed read as 0.
/// </param>
/// <param name="Refunded">
/// Units of the line whose money went back (refunded returns, claims and unit refunds; a SKU on several lines gives
/// its cheapest units first, as refunds value them). Events written before this field existed read as 0.
/// </param>
/// <param name="Discount">The line's share of the order's discount (all its units).</param>
/// <param name="Tax">The line's tax (all its units; in the price when the order's prices include tax).</param>
/// <param name="Backordered">Units of the line still waiting for stock. Events written before this field existed read as 0.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.OrderEventLine")]
public sealed record OrderEventLine(string Sku, int Quantity, decimal UnitPrice, int Cancelled = 0, int Refunded = 0, decimal Discount = 0, decimal Tax = 0, int Backordered = 0);
