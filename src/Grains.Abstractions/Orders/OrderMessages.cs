namespace OrderActors.Grains.Orders;

/// <summary>Where an order came from.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.SalesChannel")]
public enum SalesChannel
{
    /// <summary>The web storefront.</summary>
    Web,

    /// <summary>A mobile app.</summary>
    Mobile,

    /// <summary>A phone order taken by staff.</summary>
    Phone,

    /// <summary>A physical store.</summary>
    Store,

    /// <summary>A self-service kiosk.</summary>
    Kiosk,

    /// <summary>A third-party marketplace.</summary>
    Marketplace,
}

/// <summary>How urgently an order is fulfilled; higher priorities are picked first.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.OrderPriority")]
public enum OrderPriority
{
    /// <summary>Normal.</summary>
    Standard,

    /// <summary>Paid faster shipping.</summary>
    Express,

    /// <summary>A VIP customer.</summary>
    Vip,
}

/// <summary>The order's own status (payment and fulfilment have theirs).</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.OrderStatus")]
public enum OrderStatus
{
    /// <summary>Not placed (yet).</summary>
    None,

    /// <summary>Placement is reserving stock and authorizing payment.</summary>
    Reserving,

    /// <summary>Placement was refused (out of stock, unknown SKU, payment declined); the order does not exist for readers.</summary>
    Rejected,

    /// <summary>Stock reserved and payment authorized: the order will be fulfilled.</summary>
    Confirmed,

    /// <summary>Every shipment that was not cancelled has been delivered.</summary>
    Completed,

    /// <summary>Cancelled before anything shipped.</summary>
    Cancelled,
}

/// <summary>Payment status.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.PaymentStatus")]
public enum PaymentStatus
{
    /// <summary>No payment taken yet.</summary>
    Pending,

    /// <summary>The amount is held on the customer's payment method.</summary>
    Authorized,

    /// <summary>The amount was collected (when the first shipment shipped).</summary>
    Captured,

    /// <summary>Part of the captured amount was returned.</summary>
    PartiallyRefunded,

    /// <summary>All of the captured amount was returned.</summary>
    Refunded,

    /// <summary>The authorization was released without collecting anything.</summary>
    Voided,

    /// <summary>Collecting the payment failed; the customer was told.</summary>
    Failed,
}

/// <summary>Fulfilment status, derived from the order's shipments.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.FulfillmentStatus")]
public enum FulfillmentStatus
{
    /// <summary>Nothing shipped.</summary>
    Unfulfilled,

    /// <summary>Some shipments shipped, others wait.</summary>
    PartiallyShipped,

    /// <summary>Every shipment that was not cancelled shipped.</summary>
    Shipped,

    /// <summary>Some shipments delivered, others on their way.</summary>
    PartiallyDelivered,

    /// <summary>Every shipment that was not cancelled was delivered.</summary>
    Delivered,

    /// <summary>Nothing shipped yet and some units wait for stock (backordered or preordered).</summary>
    Backordered,
}

/// <summary>The customer who placed an order.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.Customer")]
public sealed record Customer(string Id, string? Email, string? Name);

/// <summary>A postal address.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.Address")]
public sealed record Address(string? Name, string Line1, string? Line2, string City, string? Region, string PostalCode, string Country);

/// <summary>How the order is to be paid.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.PaymentDetails")]
public sealed record PaymentDetails(string Method, string? Token);

/// <summary>One requested line.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Quantity">Units.</param>
/// <param name="UnitPrice">
/// Without <paramref name="PriceOverride"/>: the price the buyer was shown, or null. The catalog prices the line; a
/// shown price that differs refuses the order (<see cref="PlacementOutcome.PriceChanged"/>). With it: the price to charge.
/// </param>
/// <param name="PriceOverride">Charge <paramref name="UnitPrice"/> whatever the catalog says: ops and admin keys only, recorded on the timeline.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.OrderLineRequest")]
public sealed record OrderLineRequest(string Sku, int Quantity, decimal? UnitPrice = null, bool PriceOverride = false)
{
    /// <summary>The unit price once placement has priced the line.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public decimal Price => UnitPrice ?? throw new InvalidOperationException($"Line '{Sku}' is not priced yet.");
}

/// <summary>Who asked for a change, and how (for the timeline).</summary>
/// <param name="Kind">api-key role, customer or system.</param>
/// <param name="Id">The API key's name, the customer id, or the system component.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.Actor")]
public sealed record Actor(string Kind, string Id);

/// <summary>
/// Places an order; <paramref name="Replacement"/> is set only when an order places its own replacement (exchange,
/// claim). <paramref name="ShippingMethod"/> is the carrier the customer picked (its quote is the shipping charge), or
/// null for no charge and the cheapest carrier that keeps the promise. <paramref name="DiscountCode"/> takes an amount
/// off the subtotal (see <see cref="Pricing.IDiscountGrain"/>).
/// </summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.PlaceOrder")]
public sealed record PlaceOrder(
    Customer Customer,
    SalesChannel Channel,
    OrderPriority Priority,
    string Currency,
    IReadOnlyList<OrderLineRequest> Lines,
    Address? ShippingAddress,
    PaymentDetails? Payment,
    Actor Actor,
    ReplacementTerms? Replacement = null,
    string? ShippingMethod = null,
    string? DiscountCode = null);

/// <summary>A SKU that could not be reserved.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.Shortage")]
public sealed record Shortage(string Sku, int Requested, int Available, IReadOnlyList<Alternative> Alternatives);

/// <summary>An in-stock substitute for a short SKU.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.Alternative")]
public sealed record Alternative(string Sku, int Available);

/// <summary>How placement ended.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.PlacementOutcome")]
public enum PlacementOutcome
{
    /// <summary>The order is placed.</summary>
    Placed,

    /// <summary>Some SKUs are short; nothing is reserved.</summary>
    OutOfStock,

    /// <summary>Some SKUs are not stocked at all; nothing is reserved.</summary>
    UnknownSku,

    /// <summary>The payment was declined; nothing is reserved.</summary>
    PaymentDeclined,

    /// <summary>The payment gateway did not answer; nothing is reserved and the same request may be retried.</summary>
    PaymentUnavailable,

    /// <summary>Some SKUs are not on sale in the order's currency (not in the catalog, archived, or no price in it); nothing is reserved.</summary>
    Unpriced,

    /// <summary>The catalog price of some lines is not the price the buyer was shown; nothing is reserved.</summary>
    PriceChanged,

    /// <summary>The shipping method does not exist, does not serve the address, or does not quote in the order's currency; nothing is reserved.</summary>
    ShippingUnavailable,

    /// <summary>The discount code does not exist, does not apply, or reached a limit (<see cref="PlaceOrderResult.DiscountRefusal"/> says which); nothing is reserved.</summary>
    DiscountRefused,
}

/// <summary>A line whose shown price is not the catalog's.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Shown">The unit price the request carried.</param>
/// <param name="Current">The catalog's unit price now.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.PriceChange")]
public sealed record PriceChange(string Sku, decimal Shown, decimal Current);

/// <summary>Why a payment did not go through.</summary>
/// <param name="Reason">The gateway's machine-readable reason, e.g. <c>insufficient_funds</c>.</param>
/// <param name="Message">For people.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.PaymentProblem")]
public sealed record PaymentProblem(string Reason, string Message);

/// <summary>The result of <see cref="IOrderGrain.PlaceAsync"/>.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.PlaceOrderResult")]
public sealed record PlaceOrderResult(
    PlacementOutcome Outcome,
    OrderView? Order,
    IReadOnlyList<Shortage> Shortages,
    IReadOnlyList<string> UnknownSkus,
    PaymentProblem? PaymentProblem = null,
    IReadOnlyList<string>? UnpricedSkus = null,
    IReadOnlyList<PriceChange>? PriceChanges = null,
    string? Detail = null,
    string? DiscountRefusal = null);

/// <summary>One line of an order and where its units are reserved.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Quantity">Units.</param>
/// <param name="UnitPrice">The price of one unit.</param>
/// <param name="Total">Units × unit price.</param>
/// <param name="Allocations">Where its units are reserved.</param>
/// <param name="Discount">Its share of the order's discount.</param>
/// <param name="Tax">Its tax (included in <paramref name="Total"/> when the order's prices include tax).</param>
/// <param name="Backordered">Units still waiting for stock: not in <paramref name="Allocations"/> yet.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.OrderLineView")]
public sealed record OrderLineView(
    string Sku, int Quantity, decimal UnitPrice, decimal Total, IReadOnlyList<Inventory.LocationAllocation> Allocations, decimal Discount = 0, decimal Tax = 0,
    int Backordered = 0);

/// <summary>A shipment of the order, as listed on it.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.ShipmentSummary")]
public sealed record ShipmentSummary(string Id, string Location, string Status, string? Carrier, string? TrackingNumber);

/// <summary>One entry of an order's history.</summary>
/// <param name="At">When.</param>
/// <param name="Type">What, e.g. <c>order.confirmed</c>, <c>shipment.shipped</c>.</param>
/// <param name="Actor">Who.</param>
/// <param name="Channel">Through which sales channel, when the change came from one.</param>
/// <param name="Details">A sentence for people.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.TimelineEntry")]
public sealed record TimelineEntry(DateTimeOffset At, string Type, Actor Actor, SalesChannel? Channel, string Details);

/// <summary>The money side of an order.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.PaymentView")]
public sealed record PaymentView(string Method, PaymentStatus Status, decimal Authorized, decimal Captured, decimal Refunded, string? Authorization);

/// <summary>
/// An order as readers see it, with its after-sales side: returns, claims, refunds, feedback, support tickets, and
/// the order it replaces (<paramref name="ReplacementFor"/>) or the orders that replace its units (<paramref name="Replacements"/>).
/// <paramref name="Version"/> changes with every change of the order: an edit previewed on one version is confirmed against it.
/// </summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.OrderView")]
public sealed record OrderView(
    string Id,
    OrderStatus Status,
    PaymentStatus PaymentStatus,
    FulfillmentStatus FulfillmentStatus,
    Customer Customer,
    SalesChannel Channel,
    OrderPriority Priority,
    string Currency,
    IReadOnlyList<OrderLineView> Lines,
    decimal Subtotal,
    Address? ShippingAddress,
    PaymentView Payment,
    IReadOnlyList<ShipmentSummary> Shipments,
    IReadOnlyList<TimelineEntry> Timeline,
    DateTimeOffset PlacedAt,
    DateTimeOffset PromisedBy,
    IReadOnlyList<string> AllowedActions,
    IReadOnlyList<ReturnView> Returns,
    IReadOnlyList<ClaimView> Claims,
    IReadOnlyList<RefundView> Refunds,
    FeedbackView? Feedback,
    IReadOnlyList<TicketView> Tickets,
    string? ReplacementFor,
    IReadOnlyList<string> Replacements,
    decimal DiscountTotal,
    decimal ShippingTotal,
    decimal TaxTotal,
    decimal Total,
    bool TaxIncluded,
    string? ShippingMethod,
    string? DiscountCode,
    int Version = 0);

/// <summary>Cancels what has not shipped.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.CancelOrder")]
public sealed record CancelOrder(string Reason, Actor Actor);

/// <summary>A step of a shipment asked of its order (the order coordinates its shipments).</summary>
/// <param name="ShipmentId">The shipment.</param>
/// <param name="Action">pick, pack, ship or track.</param>
/// <param name="Carrier">For ship: the carrier to use, or null for the cheapest that meets the promise.</param>
/// <param name="Tracking">For track: the carrier's event.</param>
/// <param name="Actor">Who asks.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.ShipmentCommand")]
public sealed record ShipmentCommand(string ShipmentId, ShipmentAction Action, string? Carrier, Shipments.TrackingEvent? Tracking, Actor Actor);

/// <summary>What can be done to a shipment.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ShipmentAction")]
public enum ShipmentAction
{
    /// <summary>Take the units off the shelves.</summary>
    Pick,

    /// <summary>Box them.</summary>
    Pack,

    /// <summary>Hand the parcel to a carrier (label, tracking number, stock committed, payment captured).</summary>
    Ship,

    /// <summary>Record a carrier tracking event.</summary>
    Track,
}

/// <summary>A message to the customer, waiting in the order's outbox for delivery (webhooks deliver it).</summary>
/// <param name="Id">Unique per order; also the de-duplication key for delivery.</param>
/// <param name="Type">order_confirmed, order_backordered, order_allocated, shipment_shipped, shipment_out_for_delivery, shipment_delivered, delivery_failed, order_cancelled, payment_problem,
/// feedback_requested, return_authorized, return_rejected, return_received, refund_issued, replacement_created, claim_resolved, support_reply, ticket_resolved.</param>
/// <param name="To">The customer's e-mail address, when known.</param>
/// <param name="Subject">The subject line.</param>
/// <param name="Body">The text.</param>
/// <param name="CreatedAt">When it was queued.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.CustomerNotification")]
public sealed record CustomerNotification(string Id, string Type, string? To, string Subject, string Body, DateTimeOffset CreatedAt);
