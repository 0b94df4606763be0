using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;

namespace OrderActors.Grains.Events;

/// <summary>A shipment changed (type <c>shipment.created</c>, <c>shipment.picked</c>, …, <c>shipment.delivered</c>).</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Events.ShipmentChanged")]
public sealed record ShipmentChanged(
    string ShipmentId,
    string OrderId,
    string Location,
    string Type,
    DateTimeOffset At,
    Actor Actor,
    string Details,
    ShipmentStatus Status,
    string? Carrier,
    string? TrackingNumber,
    IReadOnlyList<ShipmentLine> Lines,
    OrderPriority Priority,
    DateTimeOffset OrderPlacedAt);
