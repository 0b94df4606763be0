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

    /// <summary>Units written off per location: damage, write-offs, transfer shortfalls, damaged returns.</summary>
    public Dictionary<string, int> WrittenOff { get; set; } = [];

    /// <summary>Transfers in transit, and the latest finished ones (<see cref="StockLedger.FinishedTransfersKept"/>), oldest first.</summary>
    public List<StockTransfer> Transfers { get; set; } = [];

    /// <summary>Transfers ever started: the next one is <c>t{TransferCount + 1}</c>.</summary>
    public int TransferCount { get; set; }

    /// <summary>
    /// Movements ever recorded: the number of the latest. The movements themselves are events on the SKU's
    /// <c>stock-movements</c> stream, not state, so the history costs a write nothing however long it grows.
    /// </summary>
    public long MovementCount { get; set; }

    /// <summary>The requests made with an Idempotency-Key lately, oldest first (<see cref="InventoryGrain.RequestsKept"/>).</summary>
    public List<KeyedStockRequest> Requests { get; set; } = [];

    /// <summary>Whether the reservation-expiry reminder is registered.</summary>
    public bool ExpiryReminderRegistered { get; set; }

    /// <summary>Orders waiting for units beyond stock, and units allocated to them not claimed yet; see <see cref="StockLedger.AllocateBackorders"/>.</summary>
    public List<BackorderEntry> Backorders { get; set; } = [];

    /// <summary>When the preorder-release reminder is due next; null while none is registered.</summary>
    public DateTimeOffset? ReleaseReminderAt { get; set; }
}

/// <summary>Units held for an order until it ships or is cancelled.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Quantity">Units still reserved.</param>
/// <param name="Allocations">Where they are reserved.</param>
/// <param name="ReservedAt">When.</param>
/// <param name="ExpiresAt">When an unconfirmed reservation is released; null once the order confirmed it.</param>
public sealed record StockReservation(string OrderId, int Quantity, IReadOnlyList<LocationAllocation> Allocations, DateTimeOffset ReservedAt, DateTimeOffset? ExpiresAt = null);

/// <summary>An order's units beyond stock: a place in the SKU's backorder queue, not a claim on on-hand.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Waiting">Units still waiting for stock.</param>
/// <param name="Priority">The order's priority: higher priorities are allocated first.</param>
/// <param name="PlacedAt">When the order was placed: among equal priorities, older first.</param>
/// <param name="NotBefore">A preorder's release date: nothing is allocated before it.</param>
/// <param name="Allocated">Units allocated to the order and reserved for it, not claimed by the order yet.</param>
/// <param name="ExpiresAt">When the entry is checked with its order (a placement that died); null once the order confirmed it.</param>
public sealed record BackorderEntry(
    string OrderId, int Waiting, Orders.OrderPriority Priority, DateTimeOffset PlacedAt, DateTimeOffset? NotBefore,
    IReadOnlyList<LocationAllocation> Allocated, DateTimeOffset? ExpiresAt = null)
{
    /// <summary>Units allocated and not claimed.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int AllocatedUnits => Allocated.Sum(a => a.Quantity);
}

/// <summary>A request made with an Idempotency-Key: who made it with which key, its fingerprint, and what it created.</summary>
/// <param name="Key">Kind, actor and key.</param>
/// <param name="Fingerprint">A hash of the request without its actor and key.</param>
/// <param name="At">When it was made.</param>
/// <param name="Movement">The movement an adjustment made.</param>
/// <param name="Transfer">The transfer a transfer request started, as it was then.</param>
public sealed record KeyedStockRequest(string Key, string Fingerprint, DateTimeOffset At, StockMovement? Movement, StockTransfer? Transfer);
