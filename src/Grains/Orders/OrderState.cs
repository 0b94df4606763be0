using OrderActors.Grains.Inventory;

namespace OrderActors.Grains.Orders;

/// <summary>The stored state of an order grain.</summary>
public sealed record OrderState
{
    /// <summary>The order status.</summary>
    public OrderStatus Status { get; set; }

    /// <summary>Hash of the placement command, to recognise a retry of the same placement.</summary>
    public string? Fingerprint { get; set; }

    /// <summary>The placement command.</summary>
    public PlaceOrder? Request { get; set; }

    /// <summary>Lines with their reservations.</summary>
    public List<OrderLine> Lines { get; set; } = [];

    /// <summary>When the order was placed.</summary>
    public DateTimeOffset PlacedAt { get; set; }

    /// <summary>Why placement was refused, replayed to retries.</summary>
    public PlaceOrderResult? Rejection { get; set; }

    /// <summary>What happened to the order.</summary>
    public List<TimelineEntry> Timeline { get; set; } = [];
}

/// <summary>An order line and where its units are reserved.</summary>
public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice, IReadOnlyList<LocationAllocation> Allocations);
