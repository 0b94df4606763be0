namespace OrderActors.Grains.Inventory;

/// <summary>
/// Backorders and preorders: units ordered beyond stock wait in a queue of <see cref="BackorderEntry"/>s and are
/// allocated as units become available, highest priority first, then oldest order, then order id.
/// </summary>
/// <remarks>
/// <para>
/// A backordered unit is a place in the queue, never a claim on on-hand: only allocated units count as reserved, and
/// they are taken from what is available per location exactly as a reservation is, so reserved never exceeds on-hand
/// at any location. The grain calls <see cref="AllocateBackorders"/> in every write that may have made units
/// available (stock set, adjusted, received, restocked, released, a preorder's release date passing), so an eligible
/// entry and an available unit never stay side by side.
/// </para>
/// <para>
/// Allocated units stay in their entry, reserved, until the order claims them (<see cref="ClaimBackorder"/>) into a
/// reservation of their own, keyed by the order's allocation round: that reservation is what the new shipment commits
/// and releases, apart from the units of the order's earlier shipments at the same location.
/// </para>
/// </remarks>
public sealed partial class StockLedger
{
    /// <summary>Units waiting for stock, over all orders.</summary>
    public int Backordered => checked((int)_state.Backorders.Sum(b => (long)b.Waiting)); // within DomainLimits.MaxBackorderedPerSku

    /// <summary>Orders with units waiting for stock.</summary>
    public int BackorderQueue => _state.Backorders.Count(b => b.Waiting > 0);

    /// <summary>The earliest release date after <paramref name="now"/> that units still wait for; null if none does.</summary>
    public DateTimeOffset? NextRelease(DateTimeOffset now)
        => _state.Backorders.Where(b => b.Waiting > 0 && b.NotBefore > now).Min(b => b.NotBefore);

    /// <summary>An order's backorder entry, or null.</summary>
    public BackorderEntry? BackorderOf(string orderId) => _state.Backorders.Find(b => b.OrderId == orderId);

    /// <summary>
    /// Allocates available units to the eligible entries (release date passed), highest priority first, then oldest
    /// order, then order id; an entry may be allocated in part. The units are reserved in the same change.
    /// </summary>
    /// <param name="now">The current time: entries whose release date is later wait.</param>
    /// <param name="strategy">How units are spread over locations.</param>
    /// <returns>The orders that were allocated units, in allocation order.</returns>
    public IReadOnlyList<string> AllocateBackorders(DateTimeOffset now, AllocationStrategy strategy = AllocationStrategy.LocationPriority)
    {
        if (_state.Backorders.Count == 0 || Available == 0)
        {
            return []; // the common cases, before any sorting: a write of a SKU with a long queue and no stock costs nothing more
        }

        var allocated = new List<string>();
        var eligible = _state.Backorders
            .Where(b => b.Waiting > 0 && !(b.NotBefore > now))
            .OrderByDescending(b => b.Priority)
            .ThenBy(b => b.PlacedAt)
            .ThenBy(b => b.OrderId, StringComparer.Ordinal)
            .ToArray();
        foreach (var entry in eligible)
        {
            var units = Math.Min(entry.Waiting, Available);
            if (units == 0)
            {
                break;
            }

            var allocations = Spread(units, strategy);
            Adjust(allocations, +1);
            var merged = entry.Allocated.Concat(allocations)
                .GroupBy(a => a.Location, StringComparer.Ordinal)
                .Select(g => new LocationAllocation(g.Key, g.Sum(a => a.Quantity)))
                .ToArray();
            Replace(entry, entry with { Waiting = entry.Waiting - units, Allocated = merged });
            allocated.Add(entry.OrderId);
        }

        return allocated;
    }

    /// <summary>
    /// Moves the units allocated to an order's entry into a confirmed reservation under the claim's reservation id;
    /// an entry with nothing left waiting is removed. A repeat (the reservation exists) answers what it holds.
    /// </summary>
    /// <returns>The claim, and whether the state changed.</returns>
    public (BackorderClaim Claim, bool Changed) Claim(ClaimBackorder command)
    {
        var entry = BackorderOf(command.OrderId);
        var waiting = entry?.Waiting ?? 0;
        if (_state.Reservations.TryGetValue(command.ReservationId, out var claimed))
        {
            return (new BackorderClaim(_sku, claimed.Allocations, waiting), false);
        }

        if (entry is null || entry.Allocated.Count == 0)
        {
            return (new BackorderClaim(_sku, [], waiting), false);
        }

        // Already counted as reserved while in the entry: the running totals do not change.
        _state.Reservations[command.ReservationId] = new StockReservation(command.ReservationId, entry.AllocatedUnits, entry.Allocated, entry.PlacedAt);
        if (entry.Waiting == 0)
        {
            _state.Backorders.Remove(entry);
        }
        else
        {
            Replace(entry, entry with { Allocated = [] });
        }

        return (new BackorderClaim(_sku, entry.Allocated, waiting), true);
    }

    /// <summary>Removes an order's entry: its waiting units leave the queue and its unclaimed allocated units become available.</summary>
    /// <returns>Whether there was one.</returns>
    public bool DropBackorder(string orderId)
    {
        var entry = BackorderOf(orderId);
        if (entry is null)
        {
            return false;
        }

        Adjust(entry.Allocated, -1);
        _state.Backorders.Remove(entry);
        return true;
    }

    // A request that accepts a backorder: what is available now (nothing before a preorder's release) is reserved as
    // usual, the rest queued. A repeat must ask for the same units in all, reserved and backordered together.
    private (ReservationResult Result, bool Changed) ReserveOrBackorder(ReserveStock request, DateTimeOffset now, TimeSpan timeout, AllocationStrategy strategy)
    {
        var reservation = _state.Reservations.GetValueOrDefault(request.OrderId);
        var entry = BackorderOf(request.OrderId);
        if (reservation is not null || entry is not null)
        {
            var held = (reservation?.Quantity ?? 0) + (entry is null ? 0 : entry.Waiting + entry.AllocatedUnits);
            if (held != request.Quantity)
            {
                throw DomainException.Conflict("reservation-mismatch",
                    $"Order '{request.OrderId}' already holds {held} units of '{_sku}' (reserved or backordered), not {request.Quantity}.");
            }

            var confirmed = request.Confirm && Confirm(request.OrderId);
            return (Result(ReservationOutcome.Reserved, reservation?.Allocations ?? [], entry is null ? 0 : entry.Waiting + entry.AllocatedUnits), confirmed);
        }

        var units = request.NotBefore > now ? 0 : Math.Min(request.Quantity, Available);
        if ((long)Backordered + request.Quantity - units > DomainLimits.MaxBackorderedPerSku)
        {
            return (Result(ReservationOutcome.Insufficient, []), false); // the queue is as long as it may be: refused like a shortage
        }

        var expiresAt = request.Confirm ? (DateTimeOffset?)null : now + timeout;
        var allocations = units == 0 ? [] : Spread(units, strategy);
        if (units > 0)
        {
            _state.Reservations[request.OrderId] = new StockReservation(request.OrderId, units, allocations, now, expiresAt);
            Adjust(allocations, +1);
        }

        var backordered = request.Quantity - units;
        if (backordered > 0)
        {
            _state.Backorders.Add(new BackorderEntry(request.OrderId, backordered, request.Priority, request.PlacedAt ?? now, request.NotBefore, [], expiresAt));
        }

        return (Result(ReservationOutcome.Reserved, allocations, backordered), true);
    }

    private ReservationResult Result(ReservationOutcome outcome, IReadOnlyList<LocationAllocation> allocations, int backordered)
        => Result(outcome, allocations) with { Backordered = backordered, BackorderLocation = backordered > 0 ? _state.Locations.FirstOrDefault()?.Location : null };

    // Picks units from what is available per location, in priority order or most available first; the caller has
    // checked that enough are available.
    private List<LocationAllocation> Spread(int quantity, AllocationStrategy strategy)
    {
        var candidates = strategy == AllocationStrategy.MostStockFirst
            ? _state.Locations.OrderByDescending(l => l.OnHand - ReservedAt(l.Location)).ToList() // stable: ties keep priority order
            : _state.Locations;
        var allocations = new List<LocationAllocation>();
        var remaining = quantity;
        foreach (var location in candidates)
        {
            var take = Math.Min(remaining, Math.Max(0, location.OnHand - ReservedAt(location.Location)));
            if (take > 0)
            {
                allocations.Add(new LocationAllocation(location.Location, take));
                remaining -= take;
            }

            if (remaining == 0)
            {
                break;
            }
        }

        return allocations;
    }

    private void Replace(BackorderEntry entry, BackorderEntry with) => _state.Backorders[_state.Backorders.IndexOf(entry)] = with;

    private bool ConfirmBackorder(string orderId) => SetBackorderExpiry(orderId, null);

    private bool SetBackorderExpiry(string orderId, DateTimeOffset? until)
    {
        var entry = BackorderOf(orderId);
        if (entry?.ExpiresAt is null)
        {
            return false;
        }

        Replace(entry, entry with { ExpiresAt = until });
        return true;
    }
}
