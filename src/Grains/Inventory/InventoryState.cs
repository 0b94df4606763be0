namespace OrderActors.Grains.Inventory;

/// <summary>The stored state of an inventory grain.</summary>
public sealed record InventoryState
{
    /// <summary>Whether the SKU was ever stocked (an unstocked SKU is unknown to orders).</summary>
    public bool Stocked { get; set; }

    /// <summary>On-hand per location, in allocation priority order.</summary>
    public List<LocationQuantity> Locations { get; set; } = [];

    /// <summary>SKUs to offer when this one is short.</summary>
    public List<string> Substitutes { get; set; } = [];

    /// <summary>Reservations by order id.</summary>
    public Dictionary<string, StockReservation> Reservations { get; set; } = [];
}

/// <summary>Units held for an order until it ships or is cancelled.</summary>
public sealed record StockReservation(string OrderId, int Quantity, IReadOnlyList<LocationAllocation> Allocations, DateTimeOffset ReservedAt);
