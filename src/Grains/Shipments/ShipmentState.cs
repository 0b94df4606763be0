using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Shipments;

/// <summary>The stored state of a shipment grain.</summary>
public sealed record ShipmentState
{
    public ShipmentStatus Status { get; set; }

    public string OrderId { get; set; } = "";

    public string Location { get; set; } = "";

    public OrderPriority Priority { get; set; }

    public List<ShipmentLine> Lines { get; set; } = [];

    public Address? ShippingAddress { get; set; }

    public DateTimeOffset OrderPlacedAt { get; set; }

    public DateTimeOffset PromisedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? Carrier { get; set; }

    public string? Service { get; set; }

    public string? TrackingNumber { get; set; }

    public decimal? ShippingCost { get; set; }

    public string? LabelFormat { get; set; }

    public string? LabelDocument { get; set; }

    public DateTimeOffset? EstimatedDelivery { get; set; }

    public DateTimeOffset? ShippedAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public List<ShipmentEvent> Events { get; set; } = [];

    /// <summary>The carrier the customer paid for at checkout, used when the ship step names none.</summary>
    public string? PaidCarrier { get; set; }

    /// <summary>How many events are on the shipment's stream (each is published with the write that records it).</summary>
    public int PublishedEvents { get; set; }

    /// <summary>Whether the stock of a shipped shipment was committed (written after the Shipped status, repaired on activation).</summary>
    public bool StockCommitted { get; set; }

    /// <summary>The inventory reservation its units are held under; null for the order id (shipments made at placement).</summary>
    public string? Reservation { get; set; }
}
