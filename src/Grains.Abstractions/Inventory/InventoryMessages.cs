namespace OrderActors.Grains.Inventory;

/// <summary>On-hand quantity at one location.</summary>
/// <param name="Location">The location (warehouse, store) id.</param>
/// <param name="OnHand">Units physically there.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.LocationQuantity")]
public sealed record LocationQuantity(string Location, int OnHand);

/// <summary>Sets the stock of a SKU: on-hand per location (locations left out are removed) and its substitutes.</summary>
/// <param name="Locations">On-hand per location, in allocation priority order.</param>
/// <param name="Substitutes">SKUs offered when this one is short.</param>
/// <param name="Actor">Who, for the movement history; null for the system.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Inventory.SetStock")]
public sealed record SetStock(IReadOnlyList<LocationQuantity> Locations, IReadOnlyList<string> Substitutes, Orders.Actor? Actor = null);

/// <summary>Stock of a SKU at one location.</summary>
/// <param name="Location">The location.</param>
/// <param name="OnHand">Units there.</param>
/// <param name="Reserved">Units there reserved for orders.</param>
/// <param name="Available">On hand less reserved.</param>
/// <param name="Committed">Units shipped from there.</param>
/// <param name="WrittenOff">Units written off there: damage, write-offs, transfer shortfalls, damaged returns.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.LocationStockView")]
public sealed record LocationStockView(string Location, int OnHand, int Reserved, int Available, int Committed, int WrittenOff);

/// <summary>Stock levels of a SKU.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="OnHand">Units at its locations (units in transit are at none).</param>
/// <param name="Reserved">Units reserved for orders.</param>
/// <param name="Available">On hand less reserved.</param>
/// <param name="Committed">Units shipped.</param>
/// <param name="Locations">Per location, in allocation priority order.</param>
/// <param name="Substitutes">SKUs offered when this one is short.</param>
/// <param name="InTransit">Units of open transfers, between locations.</param>
/// <param name="WrittenOff">Units written off at all locations.</param>
/// <param name="Transfers">The open transfers, oldest first.</param>
/// <param name="LastMovement">The number of the latest movement (0: none yet); see <see cref="StockMovement.Number"/>.</param>
/// <param name="Backordered">Units ordered beyond stock that wait for it (not reserved anywhere: a queue, not a claim on on-hand).</param>
/// <param name="BackorderQueue">Orders waiting for those units.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Inventory.InventoryView")]
public sealed record InventoryView(
    string Sku,
    int OnHand,
    int Reserved,
    int Available,
    int Committed,
    IReadOnlyList<LocationStockView> Locations,
    IReadOnlyList<string> Substitutes,
    int InTransit,
    int WrittenOff,
    IReadOnlyList<StockTransfer> Transfers,
    long LastMovement,
    int Backordered = 0,
    int BackorderQueue = 0);

/// <summary>Asks to reserve <paramref name="Quantity"/> units for an order.</summary>
/// <param name="OrderId">The order; reservations are keyed by it.</param>
/// <param name="Quantity">Units.</param>
/// <param name="Confirm">Whether the order is confirmed: a confirmed reservation never expires.</param>
/// <param name="AcceptBackorder">
/// Whether the order takes the SKU beyond stock (the catalog says so): what is available is reserved and the rest is
/// backordered instead of refusing the request.
/// </param>
/// <param name="Priority">The order's priority: backorders are allocated highest priority first.</param>
/// <param name="PlacedAt">When the order was placed: among equal priorities, the oldest backorder is allocated first.</param>
/// <param name="NotBefore">A preorder's release date: nothing is reserved or allocated for the order before it.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.ReserveStock")]
public sealed record ReserveStock(
    string OrderId, int Quantity, bool Confirm = false, bool AcceptBackorder = false,
    Orders.OrderPriority Priority = Orders.OrderPriority.Standard, DateTimeOffset? PlacedAt = null, DateTimeOffset? NotBefore = null);

/// <summary>Releases an order's reservation at one location, or everywhere when <paramref name="Location"/> is null.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.ReleaseStock")]
public sealed record ReleaseStock(string OrderId, string? Location = null);

/// <summary>Commits an order's reserved units at a location as they ship.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.CommitStock")]
public sealed record CommitStock(string OrderId, string Location);

/// <summary>
/// Returned units received at a location: the resellable ones go back on hand there, the damaged ones are written
/// off. Keyed by <paramref name="ReturnId"/>, so a repeat changes nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.RestockStock")]
public sealed record RestockStock(string ReturnId, string Location, int Resellable, int Damaged);

/// <summary>Units reserved at one location.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.LocationAllocation")]
public sealed record LocationAllocation(string Location, int Quantity);

/// <summary>How a reservation request ended.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Inventory.ReservationOutcome")]
public enum ReservationOutcome
{
    /// <summary>The units are reserved (now or by an earlier identical request).</summary>
    Reserved,

    /// <summary>Not enough units are available; nothing was reserved.</summary>
    Insufficient,

    /// <summary>The SKU was never stocked.</summary>
    UnknownSku,
}

/// <summary>The result of <see cref="IInventoryGrain.ReserveAsync"/>.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="Allocations">Where the units are reserved (empty unless reserved).</param>
/// <param name="Available">Units available after the request.</param>
/// <param name="Substitutes">The SKU's substitutes, for offering alternatives.</param>
/// <param name="Backordered">Units backordered beyond <paramref name="Allocations"/> (only when the request accepted a backorder).</param>
/// <param name="BackorderLocation">
/// Where backordered units are expected to ship from (the SKU's first location), for quoting their shipping; null when none are backordered.
/// </param>
[GenerateSerializer, Alias("OrderActors.Grains.Inventory.ReservationResult")]
public sealed record ReservationResult(
    string Sku,
    ReservationOutcome Outcome,
    IReadOnlyList<LocationAllocation> Allocations,
    int Available,
    IReadOnlyList<string> Substitutes,
    int Backordered = 0,
    string? BackorderLocation = null);

/// <summary>
/// Sets the units an order holds to <paramref name="Quantity"/>, all or nothing: more units are reserved where they are
/// available (as a reservation is), fewer are given back from the locations last in priority first, 0 releases it.
/// The reservation is confirmed: the order that asks has already written down that it is changing (an order edit).
/// </summary>
/// <param name="OrderId">The order; reservations are keyed by it.</param>
/// <param name="Quantity">The units the order holds afterwards; 0 or more.</param>
/// <param name="Allocations">
/// Exactly where the units are held afterwards (they sum to <paramref name="Quantity"/>), or null to let the ledger
/// decide: an undone edit puts its reservation back where it was.
/// </param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.ResizeReservation")]
public sealed record ResizeReservation(string OrderId, int Quantity, IReadOnlyList<LocationAllocation>? Allocations = null);
