namespace OrderActors.Grains.Orders;

/// <summary>Where an order came from.</summary>
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
public enum OrderStatus
{
    /// <summary>Not placed (yet).</summary>
    None,

    /// <summary>Placement is reserving stock.</summary>
    Reserving,

    /// <summary>Placement was refused (out of stock, unknown SKU); the order does not exist for readers.</summary>
    Rejected,

    /// <summary>Placed: every line's stock is reserved.</summary>
    Placed,
}

/// <summary>Payment status.</summary>
public enum PaymentStatus
{
    /// <summary>No payment taken yet.</summary>
    Pending,
}

/// <summary>Fulfilment status.</summary>
public enum FulfillmentStatus
{
    /// <summary>Nothing shipped.</summary>
    Unfulfilled,
}

/// <summary>The customer who placed an order.</summary>
public sealed record Customer(string Id, string? Email, string? Name);

/// <summary>A postal address.</summary>
public sealed record Address(string? Name, string Line1, string? Line2, string City, string? Region, string PostalCode, string Country);

/// <summary>How the order is to be paid.</summary>
public sealed record PaymentDetails(string Method, string? Token);

/// <summary>One requested line.</summary>
public sealed record OrderLineRequest(string Sku, int Quantity, decimal UnitPrice);

/// <summary>Who asked for a change, and how (for the timeline).</summary>
/// <param name="Kind">api-key role, customer or system.</param>
/// <param name="Id">The API key's name, the customer id, or the system component.</param>
public sealed record Actor(string Kind, string Id);

/// <summary>Places an order.</summary>
public sealed record PlaceOrder(
    Customer Customer,
    SalesChannel Channel,
    OrderPriority Priority,
    string Currency,
    IReadOnlyList<OrderLineRequest> Lines,
    Address? ShippingAddress,
    PaymentDetails? Payment,
    Actor Actor);

/// <summary>A SKU that could not be reserved.</summary>
public sealed record Shortage(string Sku, int Requested, int Available, IReadOnlyList<Alternative> Alternatives);

/// <summary>An in-stock substitute for a short SKU.</summary>
public sealed record Alternative(string Sku, int Available);

/// <summary>How placement ended.</summary>
public enum PlacementOutcome
{
    /// <summary>The order is placed.</summary>
    Placed,

    /// <summary>Some SKUs are short; nothing is reserved.</summary>
    OutOfStock,

    /// <summary>Some SKUs are not stocked at all; nothing is reserved.</summary>
    UnknownSku,
}

/// <summary>The result of <see cref="IOrderGrain.PlaceAsync"/>.</summary>
public sealed record PlaceOrderResult(
    PlacementOutcome Outcome,
    OrderView? Order,
    IReadOnlyList<Shortage> Shortages,
    IReadOnlyList<string> UnknownSkus);

/// <summary>Where one line's units are reserved.</summary>
public sealed record OrderLineView(string Sku, int Quantity, decimal UnitPrice, decimal Total, IReadOnlyList<Inventory.LocationAllocation> Allocations);

/// <summary>A shipment of the order, as listed on it.</summary>
public sealed record ShipmentSummary(string Id, string Location, string Status);

/// <summary>One entry of an order's history.</summary>
public sealed record TimelineEntry(DateTimeOffset At, string Type, Actor Actor, SalesChannel? Channel, string Details);

/// <summary>An order as readers see it.</summary>
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
    IReadOnlyList<ShipmentSummary> Shipments,
    IReadOnlyList<TimelineEntry> Timeline,
    DateTimeOffset PlacedAt);
