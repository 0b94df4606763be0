namespace OrderActors.Grains.Reporting;

/// <summary>
/// The latest stock levels of every SKU, from the inventory streams, and which SKUs run low. Key: <c>default</c>.
/// </summary>
/// <remarks>
/// A SKU is low when its available units are at or below its threshold: its own, set with
/// <see cref="SetThresholdAsync"/>, or the configured default (<c>OrderActors:Reports:LowStockThreshold</c>).
/// Thresholds are settings, not events: they are stored apart from the projection, so a reset that rebuilds the
/// levels from the streams keeps them.
/// </remarks>
[Alias("OrderActors.Grains.Reporting.IInventoryReportGrain")]
public interface IInventoryReportGrain : IGrainWithStringKey
{
    /// <summary>Levels of the SKUs after <paramref name="afterSku"/> (ordinal order), at most <paramref name="limit"/>.</summary>
    [Alias("GetLevelsAsync")]
    Task<InventoryLevelsPage> GetLevelsAsync(string? afterSku, int limit);

    /// <summary>SKUs whose available units are at or below their threshold, lowest first, at most <paramref name="limit"/>.</summary>
    [Alias("GetLowStockAsync")]
    Task<LowStockReport> GetLowStockAsync(int limit);

    /// <summary>Sets a SKU's threshold, or with null goes back to the default. The SKU need not have been stocked yet.</summary>
    [Alias("SetThresholdAsync")]
    Task<LowStockThreshold> SetThresholdAsync(string sku, int? threshold);
}

/// <summary>A SKU's stock as last published, with its low-stock threshold.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="OnHand">Units on hand.</param>
/// <param name="Reserved">Units reserved for orders.</param>
/// <param name="Available">On hand less reserved.</param>
/// <param name="Committed">Units shipped.</param>
/// <param name="Threshold">Its low-stock threshold.</param>
/// <param name="Low">Whether <paramref name="Available"/> is at or below <paramref name="Threshold"/>.</param>
/// <param name="UpdatedAt">When the levels last changed (the event's time).</param>
/// <param name="InTransit">Units between locations (transfers sent, not yet received).</param>
/// <param name="WrittenOff">Units written off (damage, write-offs, transfer shortfalls, damaged returns).</param>
/// <param name="Backordered">Units ordered beyond stock that wait for it.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.InventoryLevel")]
public sealed record InventoryLevel(string Sku, int OnHand, int Reserved, int Available, int Committed, int Threshold, bool Low, DateTimeOffset UpdatedAt, int InTransit = 0, int WrittenOff = 0, int Backordered = 0);

/// <summary>A page of stock levels.</summary>
/// <param name="Checkpoint">The global stream position the page includes.</param>
/// <param name="Items">Levels in SKU order.</param>
/// <param name="NextAfter">The SKU to continue after; null on the last page.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Reporting.InventoryLevelsPage")]
public sealed record InventoryLevelsPage(long Checkpoint, IReadOnlyList<InventoryLevel> Items, string? NextAfter);

/// <summary>The SKUs that run low.</summary>
/// <param name="Checkpoint">The global stream position the report includes.</param>
/// <param name="DefaultThreshold">The threshold of SKUs without their own.</param>
/// <param name="Total">How many SKUs are low (<paramref name="Items"/> may hold fewer).</param>
/// <param name="Items">Lowest available first, then by SKU.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Reporting.LowStockReport")]
public sealed record LowStockReport(long Checkpoint, int DefaultThreshold, int Total, IReadOnlyList<InventoryLevel> Items);

/// <summary>A SKU's low-stock threshold.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Threshold">The threshold in force.</param>
/// <param name="IsDefault">Whether it is the configured default (the SKU has none of its own).</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.LowStockThreshold")]
public sealed record LowStockThreshold(string Sku, int Threshold, bool IsDefault);
