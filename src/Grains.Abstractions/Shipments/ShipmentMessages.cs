using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Shipments;

/// <summary>Where a shipment is.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Shipments.ShipmentStatus")]
public enum ShipmentStatus
{
    /// <summary>Not created.</summary>
    None,

    /// <summary>Waiting in the location's pick queue.</summary>
    ReadyToPick,

    /// <summary>Units taken off the shelves.</summary>
    Picked,

    /// <summary>Boxed and waiting for a carrier.</summary>
    Packed,

    /// <summary>Handed to the carrier: label bought, stock committed.</summary>
    Shipped,

    /// <summary>The carrier reports it moving.</summary>
    InTransit,

    /// <summary>On the delivery vehicle.</summary>
    OutForDelivery,

    /// <summary>The carrier could not deliver this time and will try again.</summary>
    FailedAttempt,

    /// <summary>Delivered.</summary>
    Delivered,

    /// <summary>The carrier gave up and is bringing it back.</summary>
    ReturnedToSender,

    /// <summary>Cancelled before it shipped; its stock was released.</summary>
    Cancelled,
}

/// <summary>A carrier's tracking status.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Shipments.TrackingStatus")]
public enum TrackingStatus
{
    /// <summary>Moving through the carrier's network.</summary>
    InTransit,

    /// <summary>On the delivery vehicle.</summary>
    OutForDelivery,

    /// <summary>Delivered.</summary>
    Delivered,

    /// <summary>A delivery attempt failed.</summary>
    FailedAttempt,

    /// <summary>Being returned to the sender.</summary>
    ReturnedToSender,
}

/// <summary>A carrier callback.</summary>
/// <param name="Status">The new status.</param>
/// <param name="Detail">The carrier's words, e.g. "Left at front door".</param>
/// <param name="At">When it happened (the carrier's clock), or null for now.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Shipments.TrackingEvent")]
public sealed record TrackingEvent(TrackingStatus Status, string? Detail, DateTimeOffset? At);

/// <summary>One unit line of a shipment.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Shipments.ShipmentLine")]
public sealed record ShipmentLine(string Sku, int Quantity);

/// <summary>
/// Creates a shipment; <paramref name="Carrier"/> is the carrier the customer paid for, used unless the ship step names
/// another. <paramref name="Reservation"/> is the inventory reservation its units are held under: the order id for the
/// shipments made at placement (null), the order's allocation round for units allocated to a backorder later.
/// </summary>
[GenerateSerializer, Alias("OrderActors.Grains.Shipments.CreateShipment")]
public sealed record CreateShipment(
    string OrderId,
    string Location,
    OrderPriority Priority,
    IReadOnlyList<ShipmentLine> Lines,
    Address? ShippingAddress,
    DateTimeOffset OrderPlacedAt,
    DateTimeOffset PromisedBy,
    string? Carrier = null,
    string? Reservation = null);

/// <summary>A step applied to a shipment.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Shipments.ShipmentStep")]
public sealed record ShipmentStep(ShipmentAction Action, string? Carrier, TrackingEvent? Tracking, Actor Actor);

/// <summary>Something that happened to a shipment.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Shipments.ShipmentEvent")]
public sealed record ShipmentEvent(DateTimeOffset At, string Type, string Details, Actor Actor);

/// <summary>A shipment as readers see it.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Shipments.ShipmentView")]
public sealed record ShipmentView(
    string Id,
    string OrderId,
    string Location,
    ShipmentStatus Status,
    OrderPriority Priority,
    IReadOnlyList<ShipmentLine> Lines,
    string? Carrier,
    string? Service,
    string? TrackingNumber,
    decimal? ShippingCost,
    DateTimeOffset? EstimatedDelivery,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ShippedAt,
    DateTimeOffset? DeliveredAt,
    IReadOnlyList<ShipmentEvent> Events,
    IReadOnlyList<string> AllowedActions);

/// <summary>A shipment's label: the document to print and stick on the parcel.</summary>
/// <param name="TrackingNumber">The carrier's tracking number.</param>
/// <param name="Format">The document format, e.g. <c>zpl</c>.</param>
/// <param name="Document">The document.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Shipments.ShipmentLabelView")]
public sealed record ShipmentLabelView(string TrackingNumber, string Format, string Document);

/// <summary>
/// Re-plans a shipment that is still waiting to be picked (an order edit): its units and where it goes. Refused once
/// picking has started, so what leaves is always what the order says.
/// </summary>
/// <param name="Lines">The units it carries now; at least one.</param>
/// <param name="ShippingAddress">Where it goes now.</param>
/// <param name="Reason">Why, for its history.</param>
/// <param name="Actor">Who changed the order.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Shipments.ReplanShipment")]
public sealed record ReplanShipment(IReadOnlyList<ShipmentLine> Lines, Address? ShippingAddress, string Reason, Actor Actor);
