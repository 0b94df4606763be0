namespace OrderActors.Grains.Inventory;

/// <summary>The stock of one SKU across locations, and the reservations held against it. Key: the SKU.</summary>
[Alias("OrderActors.Grains.Inventory.IInventoryGrain")]
public interface IInventoryGrain : IGrainWithStringKey
{
    /// <summary>Sets on-hand quantities per location and the substitutes; refuses to go below what is reserved.</summary>
    [Alias("SetStockAsync")]
    Task<InventoryView> SetStockAsync(SetStock command);

    /// <summary>Returns the stock levels, or null if the SKU was never stocked.</summary>
    [Alias("GetAsync")]
    Task<InventoryView?> GetAsync();

    /// <summary>
    /// Reserves stock for an order, all or nothing; idempotent per order id. An unconfirmed reservation expires
    /// after the reservation timeout; reserving again with <c>Confirm</c> confirms it (reserving it anew if it expired).
    /// </summary>
    [Alias("ReserveAsync"), AlwaysInterleave]
    [ResponseTimeout("00:00:30")] // a flash sale queues many callers on one SKU: legitimately longer than the default
    Task<ReservationResult> ReserveAsync(ReserveStock request);

    /// <summary>Releases an order's reservation (at one location, or everywhere); does nothing if there is none.</summary>
    [Alias("ReleaseAsync")]
    Task ReleaseAsync(ReleaseStock request);

    /// <summary>
    /// Commits the order's reserved units at a location: they leave on-hand and the reservation there is consumed.
    /// Returns the units committed; 0 if there was nothing reserved there (already committed or released).
    /// </summary>
    [Alias("CommitAsync")]
    Task<int> CommitAsync(CommitStock request);

    /// <summary>
    /// Takes returned units back: resellable ones onto on-hand (and available) at the receiving location, damaged
    /// ones written off. Idempotent per return id.
    /// </summary>
    [Alias("RestockAsync")]
    Task<InventoryView> RestockAsync(RestockStock request);
}
