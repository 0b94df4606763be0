namespace OrderActors.Grains.Inventory;

/// <summary>The stock of one SKU across locations, the reservations held against it, and its movements. Key: the SKU.</summary>
/// <remarks>
/// Every change of the SKU's stock runs in this one grain, one decision at a time, against the same ledger: a transfer
/// or an adjustment and a reservation that race each other are decided in some order, each seeing the other's result,
/// so a transfer can never take units a reservation already holds, nor a reservation units that already left.
/// </remarks>
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

    /// <summary>
    /// Resizes an order's reservation (an order edit): grows it where units are available, all or nothing, or shrinks
    /// it; idempotent, since it names the size, not the change. Refused growth changes nothing (outcome
    /// <see cref="ReservationOutcome.Insufficient"/>); shrinking never fails.
    /// </summary>
    [Alias("ResizeAsync")]
    [ResponseTimeout("00:00:30")] // queued behind a hot SKU's reservations like ReserveAsync
    Task<ReservationResult> ResizeAsync(ResizeReservation request);

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

    /// <summary>
    /// Changes on-hand at a location by a delta, for a reason; refuses to remove units that are reserved or not there
    /// (<c>insufficient-stock</c>). Damage and write-offs are counted as written off. Idempotent per idempotency key.
    /// </summary>
    [Alias("AdjustStockAsync")]
    Task<StockAdjusted> AdjustStockAsync(AdjustStock command);

    /// <summary>
    /// Sends available units from one location to another: they leave at once and stay in transit until received or
    /// cancelled. Refuses units that are reserved or not there (<c>insufficient-stock</c>). Idempotent per idempotency key.
    /// </summary>
    [Alias("TransferStockAsync")]
    Task<TransferView> TransferStockAsync(TransferStock command);

    /// <summary>
    /// Lands a transfer at its destination; units that did not arrive are written off there. Receiving a received
    /// transfer again with the same count changes nothing.
    /// </summary>
    [Alias("ReceiveTransferAsync")]
    Task<TransferView> ReceiveTransferAsync(ReceiveTransfer command);

    /// <summary>Calls off a transfer in transit: its units go back where they left. Cancelling it again changes nothing.</summary>
    [Alias("CancelTransferAsync")]
    Task<TransferView> CancelTransferAsync(CancelTransfer command);

    /// <summary>
    /// Moves the units allocated to an order's backorder into a reservation of their own (see <see cref="ClaimBackorder"/>);
    /// idempotent per reservation id.
    /// </summary>
    [Alias("ClaimBackorderAsync")]
    Task<BackorderClaim> ClaimBackorderAsync(ClaimBackorder command);

    /// <summary>
    /// Drops an order's backorder: its waiting units leave the queue and the units allocated to it and not claimed yet
    /// become available (and go to the next backorders). Reservations are left alone. Does nothing if there is none.
    /// </summary>
    [Alias("CancelBackorderAsync")]
    Task CancelBackorderAsync(string orderId);
}
