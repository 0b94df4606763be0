namespace OrderActors.Grains.Inventory;

/// <summary>
/// Tells orders that stock was allocated to their backorders: it reads the <c>inventory</c> streams (key <c>all</c>, the
/// one grain every SKU's stream wakes) and, for each <c>inventory.allocated</c> event, calls the order's
/// <see cref="Orders.IOrderGrain.AllocateBackordersAsync"/>. It has no API of its own beyond the projection's admin
/// (status, retry, skip, rebuild).
/// </summary>
[Alias("OrderActors.Grains.Inventory.IBackorderAllocatorGrain")]
public interface IBackorderAllocatorGrain : IGrainWithStringKey
{
    /// <summary>How many allocations the allocator has handed to orders, and up to which stream position.</summary>
    [Alias("GetProgressAsync"), ReadOnly]
    Task<BackorderAllocatorProgress> GetProgressAsync();
}

/// <summary>What the backorder allocator has done.</summary>
/// <param name="Position">The global stream position it has read up to.</param>
/// <param name="Allocations">The <c>inventory.allocated</c> events it handed to orders.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Inventory.BackorderAllocatorProgress")]
public sealed record BackorderAllocatorProgress(long Position, long Allocations);
