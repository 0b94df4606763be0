using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Inventory;

/// <summary>
/// The rules of a SKU's stock, over its <see cref="InventoryState"/>: available = on hand − reserved per
/// location, never below zero; reservations are all or nothing and keyed by order id. Every change of on-hand or of
/// written-off units is recorded as a <see cref="StockMovement"/> (see <see cref="TakeMovements"/>).
/// </summary>
/// <remarks>
/// Units reserved per location are kept as a running total next to the reservations, so a reservation costs the
/// same whether the SKU holds ten open reservations or ten thousand.
/// </remarks>
public sealed partial class StockLedger
{
    private readonly string _sku;
    private readonly InventoryState _state;
    private readonly Dictionary<string, int> _reserved = new(StringComparer.Ordinal);
    private readonly List<StockMovement> _movements = [];

    /// <summary>Creates a ledger over a SKU's state.</summary>
    public StockLedger(string sku, InventoryState state)
    {
        _sku = sku;
        _state = state;
        foreach (var allocation in _state.Reservations.Values.SelectMany(r => r.Allocations).Concat(_state.Backorders.SelectMany(b => b.Allocated)))
        {
            _reserved[allocation.Location] = ReservedAt(allocation.Location) + allocation.Quantity;
        }
    }

    /// <summary>The state the ledger changes.</summary>
    public InventoryState State => _state;

    /// <summary>Units reserved at a location.</summary>
    public int ReservedAt(string location) => _reserved.GetValueOrDefault(location);

    /// <summary>Units available across all locations.</summary>
    public int Available => checked(_state.Locations.Sum(l => Math.Max(0, l.OnHand - ReservedAt(l.Location))));

    /// <summary>The stock levels.</summary>
    public InventoryView View()
    {
        var locations = _state.Locations
            .Select(l =>
            {
                var reserved = ReservedAt(l.Location);
                return new LocationStockView(l.Location, l.OnHand, reserved, Math.Max(0, l.OnHand - reserved),
                    _state.Committed.GetValueOrDefault(l.Location), _state.WrittenOff.GetValueOrDefault(l.Location));
            })
            .ToArray();
        var transfers = OpenTransfers.ToArray();
        return new InventoryView(
            _sku,
            locations.Sum(l => l.OnHand),
            locations.Sum(l => l.Reserved),
            locations.Sum(l => l.Available),
            _state.Committed.Values.Sum(),
            locations,
            [.. _state.Substitutes],
            transfers.Sum(t => t.Quantity),
            _state.WrittenOff.Values.Sum(),
            transfers,
            _state.MovementCount,
            Backordered,
            BackorderQueue);
    }

    /// <summary>Replaces on-hand quantities and substitutes; each location whose on-hand changes gets a movement.</summary>
    /// <exception cref="DomainException">Invalid quantities, or a location would hold fewer units than are reserved there.</exception>
    public void SetStock(SetStock command, DateTimeOffset now)
    {
        var duplicate = command.Locations.GroupBy(l => l.Location, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw DomainException.Invalid("duplicate-location", $"Location '{duplicate.Key}' is listed twice.");
        }

        if (command.Locations.Count > DomainLimits.MaxLocationsPerSku)
        {
            throw DomainException.InvalidField("locations", $"A SKU may be stocked at {DomainLimits.MaxLocationsPerSku} locations at most, not {command.Locations.Count}.");
        }

        foreach (var location in command.Locations)
        {
            if (string.IsNullOrWhiteSpace(location.Location))
            {
                throw DomainException.Invalid("invalid-location", "A location id must not be empty.");
            }

            if (location.OnHand is < 0 or > DomainLimits.MaxOnHandPerLocation)
            {
                throw DomainException.InvalidField($"locations.{location.Location}",
                    $"On-hand at '{location.Location}' is {location.OnHand}; it must be between 0 and {DomainLimits.MaxOnHandPerLocation}.");
            }
        }

        // Units in transit land somewhere: they count, so that a receipt always fits.
        var inTransit = InTransit;
        DomainLimits.Sum(command.Locations.Select(l => l.OnHand).Append(inTransit), DomainLimits.MaxOnHandPerSku, () => DomainException.InvalidField("locations",
            $"SKU '{_sku}' would hold {command.Locations.Sum(l => (long)l.OnHand)} units on hand and {inTransit} in transit in all; at most {DomainLimits.MaxOnHandPerSku} fit."));

        foreach (var (reservedLocation, reserved) in _reserved.Where(r => r.Value > 0))
        {
            var onHand = command.Locations.FirstOrDefault(l => l.Location == reservedLocation)?.OnHand ?? 0;
            if (onHand < reserved)
            {
                throw DomainException.Conflict("stock-below-reserved",
                    $"SKU '{_sku}' has {reserved} units reserved at '{reservedLocation}'; on-hand there cannot be set to {onHand}.");
            }
        }

        if (command.Substitutes.Any(s => s == _sku))
        {
            throw DomainException.Invalid("invalid-substitute", $"SKU '{_sku}' cannot be its own substitute.");
        }

        var before = _state.Locations.ToDictionary(l => l.Location, l => l.OnHand, StringComparer.Ordinal);
        _state.Stocked = true;
        _state.Locations = [.. command.Locations];
        _state.Substitutes = [.. command.Substitutes.Where(s => !string.IsNullOrWhiteSpace(s)).Distinct(StringComparer.Ordinal)];
        foreach (var location in command.Locations)
        {
            Record(now, location.Location, MovementKind.Set, location.OnHand - before.GetValueOrDefault(location.Location), command.Actor);
        }

        foreach (var (removed, onHand) in before.Where(b => command.Locations.All(l => l.Location != b.Key)))
        {
            Record(now, removed, MovementKind.Set, -onHand, command.Actor);
        }
    }

    /// <summary>Reserves units for an order, all or nothing, spreading them over locations by <paramref name="strategy"/>.</summary>
    /// <param name="request">The order, units, and whether the order is confirmed.</param>
    /// <param name="now">The current time.</param>
    /// <param name="timeout">How long an unconfirmed reservation lives.</param>
    /// <param name="strategy">How units are spread over locations.</param>
    /// <returns>The result, and whether the state changed (false for a repeat or a refusal).</returns>
    /// <exception cref="DomainException">The order already holds a reservation of another quantity.</exception>
    public (ReservationResult Result, bool Changed) Reserve(ReserveStock request, DateTimeOffset now, TimeSpan timeout, AllocationStrategy strategy = AllocationStrategy.LocationPriority)
    {
        if (request.Quantity <= 0)
        {
            throw DomainException.Invalid("invalid-quantity", $"Quantity {request.Quantity} must be positive.");
        }

        if (!_state.Stocked)
        {
            return (Result(ReservationOutcome.UnknownSku, []), false);
        }

        if (request.AcceptBackorder || request.NotBefore > now)
        {
            return ReserveOrBackorder(request, now, timeout, strategy);
        }

        if (_state.Reservations.TryGetValue(request.OrderId, out var existing))
        {
            if (existing.Quantity != request.Quantity)
            {
                throw DomainException.Conflict("reservation-mismatch",
                    $"Order '{request.OrderId}' already holds {existing.Quantity} units of '{_sku}', not {request.Quantity}.");
            }

            if (request.Confirm && existing.ExpiresAt is not null)
            {
                _state.Reservations[request.OrderId] = existing with { ExpiresAt = null };
                return (Result(ReservationOutcome.Reserved, existing.Allocations), true);
            }

            return (Result(ReservationOutcome.Reserved, existing.Allocations), false);
        }

        if (Available < request.Quantity)
        {
            return (Result(ReservationOutcome.Insufficient, []), false);
        }

        var allocations = Spread(request.Quantity, strategy);
        _state.Reservations[request.OrderId] = new StockReservation(
            request.OrderId, request.Quantity, allocations, now, request.Confirm ? null : now + timeout);
        Adjust(allocations, +1);
        return (Result(ReservationOutcome.Reserved, allocations), true);
    }

    /// <summary>Releases an order's reservation at one location, or everywhere (with its backorder, if it has one).</summary>
    /// <returns>Whether anything was released.</returns>
    public bool Release(string orderId, string? location = null) => Take(orderId, location) > 0 | (location is null && DropBackorder(orderId));

    /// <summary>Commits an order's reserved units at a location: on-hand falls and the reservation there is consumed.</summary>
    /// <returns>Units committed; 0 when nothing was reserved there (already committed or released).</returns>
    public int Commit(string orderId, string location, DateTimeOffset now)
    {
        var units = Take(orderId, location);
        if (units > 0)
        {
            AddOnHand(location, -units);
            _state.Committed[location] = _state.Committed.GetValueOrDefault(location) + units;
            Record(now, location, MovementKind.Shipped, -units, null, orderId);
        }

        return units;
    }

    /// <summary>
    /// Takes a return's units back: resellable ones onto on-hand at the location (added last in priority if the SKU
    /// was not stocked there), damaged ones written off.
    /// </summary>
    /// <returns>False for a return already taken back (nothing changes).</returns>
    /// <exception cref="DomainException">Negative quantities, an empty location, or more units than fit.</exception>
    public bool Restock(RestockStock request, DateTimeOffset now)
    {
        if (request.Resellable < 0 || request.Damaged < 0 || string.IsNullOrWhiteSpace(request.Location))
        {
            throw DomainException.Invalid("invalid-quantity", $"Restock of return '{request.ReturnId}' at '{request.Location}' needs a location and quantities of zero or more.");
        }

        if (_state.Restocked.ContainsKey(request.ReturnId))
        {
            return false;
        }

        EnsureRoom(request.Location, request.Resellable, "quantity", countsTowardsSku: true);
        EnsureWriteOffFits(request.Damaged, "quantity");
        _state.Restocked[request.ReturnId] = request;
        AddOnHand(request.Location, request.Resellable);
        WriteOff(request.Location, request.Damaged);
        Record(now, request.Location, MovementKind.Restocked, request.Resellable, null, request.ReturnId, writtenOff: request.Damaged);
        return true;
    }

    /// <summary>Whether an unconfirmed reservation is waiting to expire.</summary>
    public bool HasUnconfirmed => _state.Reservations.Values.Any(r => r.ExpiresAt is not null) || _state.Backorders.Any(b => b.ExpiresAt is not null);

    /// <summary>The orders whose unconfirmed reservations have timed out and must be checked with the order.</summary>
    public IReadOnlyList<string> DueForCheck(DateTimeOffset now)
        => _state.Reservations.Values.Where(r => r.ExpiresAt <= now).Select(r => r.OrderId)
            .Union(_state.Backorders.Where(b => b.ExpiresAt <= now).Select(b => b.OrderId), StringComparer.Ordinal).ToArray();

    /// <summary>Makes an order's reservation permanent (its order is confirmed).</summary>
    /// <returns>Whether anything changed.</returns>
    public bool Confirm(string orderId)
    {
        if (!_state.Reservations.TryGetValue(orderId, out var reservation) || reservation.ExpiresAt is null)
        {
            return ConfirmBackorder(orderId);
        }

        ConfirmBackorder(orderId);
        _state.Reservations[orderId] = reservation with { ExpiresAt = null };
        return true;
    }

    /// <summary>Gives an unconfirmed reservation until <paramref name="until"/> (its placement is still running).</summary>
    /// <returns>Whether anything changed.</returns>
    public bool Extend(string orderId, DateTimeOffset until)
    {
        if (!_state.Reservations.TryGetValue(orderId, out var reservation) || reservation.ExpiresAt is null)
        {
            return SetBackorderExpiry(orderId, until);
        }

        SetBackorderExpiry(orderId, until);
        _state.Reservations[orderId] = reservation with { ExpiresAt = until };
        return true;
    }

    // Removes an order's allocations at a location (or all of them) and returns the units removed.
    private int Take(string orderId, string? location)
    {
        if (!_state.Reservations.TryGetValue(orderId, out var reservation))
        {
            return 0;
        }

        var taken = reservation.Allocations.Where(a => location is null || a.Location == location).ToArray();
        if (taken.Length == 0)
        {
            return 0;
        }

        var kept = reservation.Allocations.Except(taken).ToArray();
        if (kept.Length == 0)
        {
            _state.Reservations.Remove(orderId);
        }
        else
        {
            _state.Reservations[orderId] = reservation with { Allocations = kept, Quantity = kept.Sum(a => a.Quantity) };
        }

        Adjust(taken, -1);
        return taken.Sum(a => a.Quantity);
    }

    private void Adjust(IEnumerable<LocationAllocation> allocations, int sign)
    {
        foreach (var allocation in allocations)
        {
            _reserved[allocation.Location] = ReservedAt(allocation.Location) + sign * allocation.Quantity;
        }
    }

    private ReservationResult Result(ReservationOutcome outcome, IReadOnlyList<LocationAllocation> allocations)
        => new(_sku, outcome, allocations, Available, [.. _state.Substitutes]);
}
