using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using OrderActors.Grains.Catalog;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Shipments;

namespace OrderActors.Grains.Orders;

/// <summary>
/// Backorders and preorders of an order: units placed beyond stock wait in their SKUs' queues and ship in shipments of
/// their own once stock is allocated to them.
/// </summary>
/// <remarks>
/// <para>
/// The order learns of an allocation from the <c>inventory.allocated</c> event (the backorder allocator calls
/// <see cref="AllocateBackordersAsync"/>), then asks its inventory grains for the units (a call down, as every call
/// of the order). Each time it does is an allocation round, written ahead: round n's units move into the reservation
/// <c>{order}~b{n}</c> at each SKU and ship in shipments <see cref="ShipmentId(string, string, int)"/> with round n, so a
/// crash between the claims and the order's write is finished by repeating round n, which claims the same units again.
/// </para>
/// <para>
/// Money: payment is authorized for the whole order at placement and captured when the first shipment ships, as for any
/// order. The shipping charge is quoted at placement as if the backordered units shipped from their SKU's first
/// location with the rest of their parcel; splitting them into later shipments costs the buyer nothing more. What the
/// backordered units are worth (their share of the lines and the shipping no shipment carries yet) is
/// <see cref="OrderState.BackorderValue"/>: each round's shipments take their units' share of it, the last round the
/// rest, and a cancellation takes what is left off the capture (or refunds it).
/// </para>
/// </remarks>
public sealed partial class OrderGrain
{
    private bool HasBackorders => State.Lines.Any(l => l.Backordered > 0);

    /// <summary>The id of the shipment from a location of an order's allocation round; round 0 is placement's.</summary>
    public static string ShipmentId(string orderId, string location, int round)
        => round == 0 ? ShipmentId(orderId, location) : "shp_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{orderId}\n{location}\n{round}")))[..24];

    /// <summary>The inventory reservation that holds the units of an order's allocation round.</summary>
    public static string AllocationReservation(string orderId, int round) => $"{orderId}~b{round}";

    public async Task AllocateBackordersAsync()
    {
        try
        {
            await SettleAsync(); // an interrupted round first
        }
        catch (Exception ex) when (IsSettlementFault(ex) && State.PendingCancel is not null)
        {
            logger.LogWarning(ex, "Order {OrderId} is being cancelled; its backorders are dropped when the cancellation finishes.", Id);
            return;
        }

        if (State.Status != OrderStatus.Confirmed || !HasBackorders)
        {
            return; // cancelled, completed, or a repeat of an allocation it already has
        }

        var round = State.AllocationRounds + 1;
        State.PendingAllocation = round;
        await SaveAsync();
        await FinishAllocationAsync(round);
    }

    // The reservation request of a SKU: backorders and the preorder release date as the catalog says at placement.
    private ReserveStock ReserveRequest(string sku, int quantity, Dictionary<string, ProductView?> catalog, PlaceOrder command, DateTimeOffset now)
    {
        var product = catalog.GetValueOrDefault(sku);
        return new ReserveStock(Id, quantity, AcceptBackorder: product?.AcceptsBackorderAt(now) == true, Priority: command.Priority, PlacedAt: now,
            NotBefore: product?.ReleaseAt > now ? product.ReleaseAt : null);
    }

    // The parcels shipping is quoted for: the reserved units where they are, the backordered ones from their SKU's first location.
    private static IEnumerable<LocationAllocation> Parcels(ReservationResult reservation)
        => reservation is { Backordered: > 0, BackorderLocation: { } location }
            ? reservation.Allocations.Append(new LocationAllocation(location, reservation.Backordered))
            : reservation.Allocations;

    private static IReadOnlyList<LocationAllocation> AllAllocations(OrderLine line)
        => line.Allocated is not { Count: > 0 } allocated
            ? line.Allocations
            : line.Allocations.Concat(allocated.Select(a => new LocationAllocation(a.Location, a.Quantity)))
                .GroupBy(a => a.Location, StringComparer.Ordinal)
                .Select(g => new LocationAllocation(g.Key, g.Sum(a => a.Quantity)))
                .ToArray();

    // After Confirm: what placement could not reserve is backordered, on the timeline and told to the customer.
    private void RecordBackorders(PlaceOrder command, Dictionary<string, ProductView?> catalog, DateTimeOffset now)
    {
        State.Lines = State.Lines.Select(l => l with { Backordered = l.Quantity - l.Allocations.Sum(a => a.Quantity) }).ToList();
        if (!HasBackorders)
        {
            return;
        }

        State.BackorderValue = (State.Charges?.Total ?? Subtotal(command)) - State.Shipments.Sum(s => s.Value);
        var waiting = State.Lines.Where(l => l.Backordered > 0).GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => $"{g.Sum(l => l.Backordered)} × {g.Key}{(catalog.GetValueOrDefault(g.Key)?.ReleaseAt is { } release && release > now ? $" (preorder, released {release:yyyy-MM-dd})" : "")}")
            .ToArray();
        var units = State.Lines.Sum(l => l.Backordered);
        Record(now, "order.backordered", System, $"{units} unit(s) backordered: {string.Join(", ", waiting)}; they ship as stock arrives.");
        Notify(now, "order_backordered", $"Part of order {Id} is backordered",
            $"Some items of your order {Id} are not in stock yet: {string.Join(", ", waiting)}. We will ship them as soon as they arrive and let you know; " +
            "you will not pay more shipping for the extra parcel.");
    }

    private Task CancelBackordersAsync()
        => Task.WhenAll(State.Lines.Where(l => l.Backordered > 0).Select(l => l.Sku).Distinct(StringComparer.Ordinal)
            .Select(sku => GrainFactory.GetGrain<IInventoryGrain>(sku).CancelBackorderAsync(Id)));

    // A cancellation took the backordered units off (their value was counted with the cancelled shipments').
    private void DropBackorders()
    {
        State.Lines = State.Lines.Select(l => l with { BackorderCancelled = l.BackorderCancelled + l.Backordered, Backordered = 0 }).ToList();
        State.BackorderValue = 0;
    }

    // Claims round n's units at every backordered SKU, gives them to the lines in line order and ships them from new
    // shipments, one per location. Repeating it claims the same units (the claims are idempotent per round).
    private async Task FinishAllocationAsync(int round)
    {
        var reservation = AllocationReservation(Id, round);
        var claims = await Task.WhenAll(State.Lines.Where(l => l.Backordered > 0).Select(l => l.Sku).Distinct(StringComparer.Ordinal)
            .Select(sku => GrainFactory.GetGrain<IInventoryGrain>(sku).ClaimBackorderAsync(new ClaimBackorder(Id, reservation))));
        State.PendingAllocation = null;
        if (claims.All(c => c.Allocations.Count == 0))
        {
            await SaveAsync(); // nothing new (a repeated event): the round number stays free
            return;
        }

        var now = timeProvider.GetUtcNow();
        var pools = claims.ToDictionary(c => c.Sku, c => c.Allocations.ToList(), StringComparer.Ordinal);
        var minor = IsoCodes.MinorUnits(State.Request!.Currency);
        var shipped = new List<(string Location, string Sku, int Quantity, decimal Value)>();
        for (var i = 0; i < State.Lines.Count; i++)
        {
            var line = State.Lines[i];
            if (line.Backordered == 0 || !pools.TryGetValue(line.Sku, out var pool))
            {
                continue;
            }

            var taken = Take(pool, line.Backordered);
            var allocated = taken.Select(a => new ShipmentAllocation(ShipmentId(Id, a.Location, round), a.Location, a.Quantity)).ToArray();
            State.Lines[i] = line with { Backordered = line.Backordered - taken.Sum(a => a.Quantity), Allocated = [.. line.Allocated ?? [], .. allocated] };
            shipped.AddRange(taken.Select(a => (a.Location, line.Sku, a.Quantity, a.Quantity * line.PaidPerUnit)));
        }

        var parcels = shipped.GroupBy(s => s.Location, StringComparer.Ordinal).ToArray();
        var values = parcels.Select(p => Math.Round(p.Sum(s => s.Value), minor)).ToArray();
        if (!HasBackorders)
        {
            values[^1] += State.BackorderValue - values.Sum(); // the last round takes what rounding left
        }

        State.BackorderValue -= values.Sum();
        State.Shipments.AddRange(parcels.Select((p, i) => new ShipmentRecord(
            ShipmentId(Id, p.Key, round), p.Key, ShipmentStatus.ReadyToPick, values[i],
            p.GroupBy(s => s.Sku, StringComparer.Ordinal).Select(s => new ShipmentLine(s.Key, s.Sum(x => x.Quantity))).ToArray(),
            null, null, Reservation: reservation)));
        State.AllocationRounds = round;
        State.ShipmentsCreated = false;
        var units = shipped.Sum(s => s.Quantity);
        var describe = string.Join(", ", shipped.GroupBy(s => s.Sku, StringComparer.Ordinal).Select(g => $"{g.Sum(s => s.Quantity)} × {g.Key}"));
        var left = State.Lines.Sum(l => l.Backordered);
        Record(now, "order.allocated", System,
            $"Stock allocated to {units} backordered unit(s) ({describe}); {parcels.Length} shipment(s) from {string.Join(", ", parcels.Select(p => p.Key))}; " +
            (left > 0 ? $"{left} unit(s) still backordered." : "nothing is backordered any more."));
        Notify(now, "order_allocated", $"More of order {Id} is on its way",
            $"Items of your order {Id} that were backordered are in stock now ({describe}) and will ship shortly." +
            (left > 0 ? $" {left} item(s) are still awaited." : ""));
        await SaveAsync();
        try
        {
            await CreateShipmentsAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Allocated and written above: the shipments are created before the order's next request.
        }
    }
}
