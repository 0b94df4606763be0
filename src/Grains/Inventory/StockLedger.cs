namespace OrderActors.Grains.Inventory;

/// <summary>
/// The rules of a SKU's stock, over its <see cref="InventoryState"/>: available = on hand − reserved per
/// location, never below zero; reservations are all or nothing and keyed by order id.
/// </summary>
/// <remarks>
/// Units reserved per location are kept as a running total next to the reservations, so a reservation costs the
/// same whether the SKU holds ten open reservations or ten thousand.
/// </remarks>
public sealed class StockLedger
{
    private readonly string _sku;
    private readonly InventoryState _state;
    private readonly Dictionary<string, int> _reserved = new(StringComparer.Ordinal);

    /// <summary>Creates a ledger over a SKU's state.</summary>
    public StockLedger(string sku, InventoryState state)
    {
        _sku = sku;
        _state = state;
        foreach (var allocation in _state.Reservations.Values.SelectMany(r => r.Allocations))
        {
            _reserved[allocation.Location] = ReservedAt(allocation.Location) + allocation.Quantity;
        }
    }

    /// <summary>The state the ledger changes.</summary>
    public InventoryState State => _state;

    /// <summary>Units reserved at a location.</summary>
    public int ReservedAt(string location) => _reserved.GetValueOrDefault(location);

    /// <summary>Units available across all locations.</summary>
    public int Available => _state.Locations.Sum(l => Math.Max(0, l.OnHand - ReservedAt(l.Location)));

    /// <summary>The stock levels.</summary>
    public InventoryView View()
    {
        var locations = _state.Locations
            .Select(l =>
            {
                var reserved = ReservedAt(l.Location);
                return new LocationStockView(l.Location, l.OnHand, reserved, Math.Max(0, l.OnHand - reserved));
            })
            .ToArray();
        return new InventoryView(
            _sku,
            locations.Sum(l => l.OnHand),
            locations.Sum(l => l.Reserved),
            locations.Sum(l => l.Available),
            locations,
            [.. _state.Substitutes]);
    }

    /// <summary>Replaces on-hand quantities and substitutes.</summary>
    /// <exception cref="DomainException">Invalid quantities, or a location would hold fewer units than are reserved there.</exception>
    public void SetStock(SetStock command)
    {
        var duplicate = command.Locations.GroupBy(l => l.Location, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw DomainException.Invalid("duplicate-location", $"Location '{duplicate.Key}' is listed twice.");
        }

        foreach (var location in command.Locations)
        {
            if (string.IsNullOrWhiteSpace(location.Location))
            {
                throw DomainException.Invalid("invalid-location", "A location id must not be empty.");
            }

            if (location.OnHand < 0)
            {
                throw DomainException.Invalid("invalid-quantity", $"On-hand at '{location.Location}' is {location.OnHand}; it must be zero or more.");
            }
        }

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

        _state.Stocked = true;
        _state.Locations = [.. command.Locations];
        _state.Substitutes = [.. command.Substitutes.Where(s => !string.IsNullOrWhiteSpace(s)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Reserves units for an order from the locations in priority order, all or nothing.</summary>
    /// <returns>The result, and whether the state changed (false for a repeat or a refusal).</returns>
    /// <exception cref="DomainException">The order already holds a reservation of another quantity.</exception>
    public (ReservationResult Result, bool Changed) Reserve(ReserveStock request, DateTimeOffset now)
    {
        if (request.Quantity <= 0)
        {
            throw DomainException.Invalid("invalid-quantity", $"Quantity {request.Quantity} must be positive.");
        }

        if (!_state.Stocked)
        {
            return (Result(ReservationOutcome.UnknownSku, []), false);
        }

        if (_state.Reservations.TryGetValue(request.OrderId, out var existing))
        {
            if (existing.Quantity != request.Quantity)
            {
                throw DomainException.Conflict("reservation-mismatch",
                    $"Order '{request.OrderId}' already holds {existing.Quantity} units of '{_sku}', not {request.Quantity}.");
            }

            return (Result(ReservationOutcome.Reserved, existing.Allocations), false);
        }

        if (Available < request.Quantity)
        {
            return (Result(ReservationOutcome.Insufficient, []), false);
        }

        var allocations = new List<LocationAllocation>();
        var remaining = request.Quantity;
        foreach (var location in _state.Locations)
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

        _state.Reservations[request.OrderId] = new StockReservation(request.OrderId, request.Quantity, allocations, now);
        Adjust(allocations, +1);
        return (Result(ReservationOutcome.Reserved, allocations), true);
    }

    /// <summary>Releases an order's reservation.</summary>
    /// <returns>Whether there was one.</returns>
    public bool Release(string orderId)
    {
        if (!_state.Reservations.Remove(orderId, out var reservation))
        {
            return false;
        }

        Adjust(reservation.Allocations, -1);
        return true;
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
