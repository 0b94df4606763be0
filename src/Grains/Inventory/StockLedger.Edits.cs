namespace OrderActors.Grains.Inventory;

/// <summary>
/// Order edits: an order's reservation resized to a new number of units, all or nothing. Growth takes units where the
/// order already holds some first (so an edit adds no parcel it need not), then as a new reservation would; shrinking
/// gives back units from the locations last in the SKU's priority first. The preview of an edit runs the same
/// functions over the levels it reads (<see cref="Grow"/>, <see cref="Shrink"/>), so it shows what confirming does.
/// </summary>
public sealed partial class StockLedger
{
    /// <summary>Sets the units <paramref name="request"/>'s order holds; the reservation is confirmed afterwards.</summary>
    /// <returns>
    /// The result (<see cref="ReservationOutcome.Insufficient"/> with nothing changed when growth does not fit;
    /// <see cref="ReservationOutcome.UnknownSku"/> for a SKU never stocked), and whether the state changed.
    /// </returns>
    /// <exception cref="DomainException">A negative quantity.</exception>
    public (ReservationResult Result, bool Changed) Resize(ResizeReservation request, DateTimeOffset now, AllocationStrategy strategy = AllocationStrategy.LocationPriority)
    {
        if (request.Quantity < 0)
        {
            throw DomainException.Invalid("invalid-quantity", $"Quantity {request.Quantity} must not be negative.");
        }

        var held = _state.Reservations.TryGetValue(request.OrderId, out var existing) ? existing.Allocations : [];
        var current = held.Sum(a => a.Quantity);
        if (request.Quantity == current)
        {
            var confirmed = existing is { ExpiresAt: not null } && Confirm(request.OrderId);
            return (Result(ReservationOutcome.Reserved, held), confirmed);
        }

        if (!_state.Stocked)
        {
            return (Result(ReservationOutcome.UnknownSku, []), false);
        }

        IReadOnlyList<LocationAllocation> allocations;
        if (request.Allocations is { } exact)
        {
            if (exact.Sum(a => a.Quantity) != request.Quantity || exact.Any(a => a.Quantity <= 0)
                || exact.Any(a => a.Quantity > held.Where(h => h.Location == a.Location).Sum(h => h.Quantity) + AvailableAt(a.Location)))
            {
                return (Result(ReservationOutcome.Insufficient, []), false);
            }

            allocations = [.. exact];
        }
        else if (request.Quantity > current)
        {
            if (Available < request.Quantity - current)
            {
                return (Result(ReservationOutcome.Insufficient, []), false);
            }

            allocations = Grow(held, request.Quantity - current, _state.Locations.Select(l => (l.Location, Math.Max(0, l.OnHand - ReservedAt(l.Location)))), strategy);
        }
        else
        {
            allocations = Shrink(held, current - request.Quantity, _state.Locations.Select(l => l.Location));
        }

        Adjust(held, -1);
        Adjust(allocations, +1);
        if (allocations.Count == 0)
        {
            _state.Reservations.Remove(request.OrderId);
        }
        else
        {
            _state.Reservations[request.OrderId] = new StockReservation(request.OrderId, request.Quantity, allocations, existing?.ReservedAt ?? now);
        }

        return (Result(ReservationOutcome.Reserved, allocations), true);
    }

    private int AvailableAt(string location)
        => _state.Locations.Where(l => l.Location == location).Sum(l => Math.Max(0, l.OnHand - ReservedAt(location)));

    /// <summary>
    /// <paramref name="held"/> with <paramref name="more"/> units added: at the locations already held first (in the
    /// order held), then over the others as <paramref name="strategy"/> spreads a new reservation.
    /// </summary>
    /// <param name="held">The allocations the order has.</param>
    /// <param name="more">Units to add; the caller made sure they are available.</param>
    /// <param name="available">Units available per location, in the SKU's priority order.</param>
    /// <param name="strategy">How a new reservation spreads over locations.</param>
    /// <exception cref="InvalidOperationException">Fewer units are available than asked for.</exception>
    public static IReadOnlyList<LocationAllocation> Grow(
        IReadOnlyList<LocationAllocation> held, int more, IEnumerable<(string Location, int Available)> available, AllocationStrategy strategy)
    {
        var free = available.ToList();
        var others = free.Where(f => held.All(h => h.Location != f.Location));
        var order = held.Select(h => free.FirstOrDefault(f => f.Location == h.Location))
            .Where(f => f.Location is not null)
            .Concat(strategy == AllocationStrategy.MostStockFirst ? others.OrderByDescending(f => f.Available) : others);
        var result = held.ToList();
        foreach (var (location, units) in order)
        {
            var take = Math.Min(more, units);
            if (take <= 0)
            {
                continue;
            }

            var index = result.FindIndex(a => a.Location == location);
            if (index >= 0)
            {
                result[index] = result[index] with { Quantity = result[index].Quantity + take };
            }
            else
            {
                result.Add(new LocationAllocation(location, take));
            }

            more -= take;
        }

        return more == 0 ? result : throw new InvalidOperationException($"{more} more unit(s) are not available.");
    }

    /// <summary><paramref name="held"/> with <paramref name="less"/> units taken off, from the locations last in <paramref name="priority"/> first.</summary>
    /// <param name="held">The allocations the order has.</param>
    /// <param name="less">Units to take off; at most what is held.</param>
    /// <param name="priority">The SKU's locations in priority order (a held location no longer listed goes first).</param>
    public static IReadOnlyList<LocationAllocation> Shrink(IReadOnlyList<LocationAllocation> held, int less, IEnumerable<string> priority)
    {
        var rank = priority.Select((location, i) => (location, i)).ToDictionary(p => p.location, p => p.i, StringComparer.Ordinal);
        var result = held.ToList();
        foreach (var allocation in held.OrderByDescending(a => rank.GetValueOrDefault(a.Location, int.MaxValue)))
        {
            var take = Math.Min(less, allocation.Quantity);
            var index = result.FindIndex(a => a.Location == allocation.Location);
            if (take == allocation.Quantity)
            {
                result.RemoveAt(index);
            }
            else
            {
                result[index] = allocation with { Quantity = allocation.Quantity - take };
            }

            less -= take;
            if (less == 0)
            {
                break;
            }
        }

        return result;
    }
}
