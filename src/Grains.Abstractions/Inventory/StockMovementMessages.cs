using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Inventory;

/// <summary>Why on-hand at a location changed by hand (a fixed list, so reports can count them).</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Inventory.StockReason")]
public enum StockReason
{
    /// <summary>Goods arrived from a supplier: adds units.</summary>
    Receipt,

    /// <summary>A count found more or fewer units than the books: either way.</summary>
    CycleCount,

    /// <summary>Units broken at the location: removes them and writes them off.</summary>
    Damage,

    /// <summary>Units lost, stolen, expired or otherwise gone: removes them and writes them off.</summary>
    WriteOff,

    /// <summary>An earlier booking was wrong: either way.</summary>
    Correction,
}

/// <summary>What moved stock at a location.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Inventory.MovementKind")]
public enum MovementKind
{
    /// <summary>On-hand was set to a count (<c>PUT /v1/inventory/{sku}</c>); a location left out went to zero.</summary>
    Set,

    /// <summary>On-hand was adjusted by a delta, for a <see cref="StockReason"/>.</summary>
    Adjusted,

    /// <summary>Units left for another location and are in transit.</summary>
    TransferredOut,

    /// <summary>A transfer arrived; a shortfall was written off.</summary>
    TransferredIn,

    /// <summary>A transfer was called off: its units are back where they left.</summary>
    TransferCancelled,

    /// <summary>An order's reserved units shipped (committed).</summary>
    Shipped,

    /// <summary>Returned units came back: resellable ones on hand, damaged ones written off.</summary>
    Restocked,
}

/// <summary>
/// Changes on-hand at a location by <paramref name="Delta"/>. Receipts add, damage and write-offs remove (and are
/// counted as written off), cycle counts and corrections go either way. Never takes a location below what is reserved
/// there.
/// </summary>
/// <param name="Location">The location.</param>
/// <param name="Delta">Units added (positive) or removed (negative); never zero.</param>
/// <param name="Reason">Why.</param>
/// <param name="Note">Free text for people.</param>
/// <param name="Reference">The caller's reference (a delivery note, a count sheet).</param>
/// <param name="Actor">Who.</param>
/// <param name="IdempotencyKey">The client's key (scoped by the actor): a retry gets the first answer.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.AdjustStock")]
public sealed record AdjustStock(string Location, int Delta, StockReason Reason, string? Note, string? Reference, Actor Actor, string? IdempotencyKey = null);

/// <summary>Moves <paramref name="Quantity"/> available units from <paramref name="From"/> towards <paramref name="To"/>: they leave at once and are in transit until received.</summary>
/// <param name="From">The location they leave.</param>
/// <param name="To">The location they go to (stocked there on receipt if it was not).</param>
/// <param name="Quantity">Units sent.</param>
/// <param name="Note">Free text for people.</param>
/// <param name="Reference">The caller's reference (a transfer order, a truck).</param>
/// <param name="Actor">Who.</param>
/// <param name="IdempotencyKey">The client's key (scoped by the actor): a retry gets the same transfer.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.TransferStock")]
public sealed record TransferStock(string From, string To, int Quantity, string? Note, string? Reference, Actor Actor, string? IdempotencyKey = null);

/// <summary>
/// A transfer arrived with <paramref name="Received"/> of its units; the shortfall, if any, is written off at the
/// destination for <paramref name="ShortfallReason"/> (<see cref="StockReason.WriteOff"/> when not given).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.ReceiveTransfer")]
public sealed record ReceiveTransfer(string TransferId, int Received, StockReason? ShortfallReason, string? Note, Actor Actor);

/// <summary>Calls a transfer off: its units go back on hand where they left.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.CancelTransfer")]
public sealed record CancelTransfer(string TransferId, string? Note, Actor Actor);

/// <summary>Where a transfer is.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Inventory.TransferStatus")]
public enum TransferStatus
{
    /// <summary>Left its source; not received yet.</summary>
    InTransit,

    /// <summary>Arrived (possibly short).</summary>
    Received,

    /// <summary>Called off; its units went back to the source.</summary>
    Cancelled,
}

/// <summary>Units on their way from one location to another.</summary>
/// <param name="Id">The transfer id within the SKU: <c>t1</c>, <c>t2</c>, …</param>
/// <param name="From">Where they left.</param>
/// <param name="To">Where they go.</param>
/// <param name="Quantity">Units sent.</param>
/// <param name="Status">Where the transfer is.</param>
/// <param name="StartedAt">When they left.</param>
/// <param name="Note">Free text for people.</param>
/// <param name="Reference">The caller's reference.</param>
/// <param name="Actor">Who sent them.</param>
/// <param name="Received">Units that arrived, once received.</param>
/// <param name="ShortfallReason">Why the units that did not arrive were written off.</param>
/// <param name="FinishedAt">When it was received or cancelled.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.StockTransfer")]
public sealed record StockTransfer(
    string Id,
    string From,
    string To,
    int Quantity,
    TransferStatus Status,
    DateTimeOffset StartedAt,
    string? Note,
    string? Reference,
    Actor Actor,
    int? Received = null,
    StockReason? ShortfallReason = null,
    DateTimeOffset? FinishedAt = null);

/// <summary>One change of on-hand (or written-off units) at one location, as the SKU's movement history shows it.</summary>
/// <param name="Number">Its number within the SKU: 1, 2, 3, … without gaps (its sequence on the SKU's <c>stock-movements</c> stream).</param>
/// <param name="At">When.</param>
/// <param name="Location">Where.</param>
/// <param name="Kind">What moved the stock.</param>
/// <param name="Reason">For an adjustment, its reason; for a short transfer, why the shortfall was written off.</param>
/// <param name="Delta">Units added to (positive) or removed from (negative) on-hand at the location.</param>
/// <param name="OnHand">On-hand at the location after the movement.</param>
/// <param name="WrittenOff">Units written off by the movement (damage, write-off, a transfer's shortfall, damaged returns).</param>
/// <param name="Reference">The order (shipped), the return (restocked), or the caller's reference.</param>
/// <param name="TransferId">The transfer, for transfer movements.</param>
/// <param name="Note">Free text for people.</param>
/// <param name="Actor">Who; null for the system (shipping, returns).</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.StockMovement")]
public sealed record StockMovement(
    long Number,
    DateTimeOffset At,
    string Location,
    MovementKind Kind,
    StockReason? Reason,
    int Delta,
    int OnHand,
    int WrittenOff,
    string? Reference,
    string? TransferId,
    string? Note,
    Actor? Actor);

/// <summary>The result of <see cref="IInventoryGrain.AdjustStockAsync"/>: the movement, and the stock after it.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Inventory.StockAdjusted")]
public sealed record StockAdjusted(StockMovement Movement, InventoryView Stock);

/// <summary>A transfer, and the stock after the step that answered it.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Inventory.TransferView")]
public sealed record TransferView(StockTransfer Transfer, InventoryView Stock);
