namespace OrderActors.Grains.Inventory;

/// <summary>
/// Asks for the units allocated to an order's backorder since it last asked, as a reservation of their own under
/// <paramref name="ReservationId"/> (which the order's new shipments commit and release). Repeating it with the same
/// reservation id answers the same units, so an order that crashed after asking gets them again.
/// </summary>
/// <param name="OrderId">The order whose backorder entry holds the units.</param>
/// <param name="ReservationId">The key of the reservation the units move into: the order's allocation round.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.ClaimBackorder")]
public sealed record ClaimBackorder(string OrderId, string ReservationId);

/// <summary>The answer to <see cref="IInventoryGrain.ClaimBackorderAsync"/>.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Allocations">Where the claimed units are reserved; empty when nothing was allocated.</param>
/// <param name="Backordered">Units of the order still waiting for stock.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.BackorderClaim")]
public sealed record BackorderClaim(string Sku, IReadOnlyList<LocationAllocation> Allocations, int Backordered);
