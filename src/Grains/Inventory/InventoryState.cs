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

    /// <summary>Units shipped (committed) per location, since the SKU was first stocked.</summary>
    public Dictionary<string, int> Committed { get; set; } = [];

    /// <summary>Returns taken back, by return id (restocking is idempotent per return).</summary>
    public Dictionary<string, RestockStock> Restocked { get; set; } = [];

    /// <summary>Returned units written off as damaged, per location.</summary>
    public Dictionary<string, int> WrittenOff { get; set; } = [];

    /// <summary>Whether the reservation-expiry reminder is registered.</summary>
    public bool ExpiryReminderRegistered { get; set; }
}

/// <summary>Units held for an order until it ships or is cancelled.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Quantity">Units still reserved.</param>
/// <param name="Allocations">Where they are reserved.</param>
/// <param name="ReservedAt">When.</param>
/// <param name="ExpiresAt">When an unconfirmed reservation is released; null once the order confirmed it.</param>
public sealed record StockReservation(string OrderId, int Quantity, IReadOnlyList<LocationAllocation> Allocations, DateTimeOffset ReservedAt, DateTimeOffset? ExpiresAt = null);
