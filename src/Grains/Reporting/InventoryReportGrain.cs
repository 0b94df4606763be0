using Microsoft.Extensions.Options;
using OrderActors.Grains.Events;

namespace OrderActors.Grains.Reporting;

/// <summary>The model behind <see cref="IInventoryReportGrain"/>: each SKU's latest levels.</summary>
public sealed record InventoryLevelsModel
{
    /// <summary>SKU → levels after its last change.</summary>
    public StateTable<StockLevels> Skus { get; set; } = new();
}

/// <summary>A SKU's levels after a change, and the change's time.</summary>
public sealed record StockLevels(int OnHand, int Reserved, int Available, int Committed, DateTimeOffset UpdatedAt, int InTransit = 0, int WrittenOff = 0, int Backordered = 0);

/// <summary>Per-SKU low-stock thresholds: settings ops make, kept apart from the projection so a rebuild keeps them.</summary>
public sealed record LowStockThresholds
{
    /// <summary>SKU → threshold.</summary>
    public Dictionary<string, int> Skus { get; set; } = [];
}

/// <summary>Stock levels and low stock from the inventory streams; see <see cref="IInventoryReportGrain"/>.</summary>
[EventLogFeedSubscription(StreamNamespaces.Inventory)]
[GrainType("inventory-report")]
public sealed class InventoryReportGrain(
    [PersistentState("inventory-report", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<InventoryLevelsModel>> projection,
    [PersistentState("inventory-report-thresholds", OrderActorsStorage.State)] IPersistentState<LowStockThresholds> thresholds,
    IOptions<ReportOptions> options)
    : NamespaceProjectionGrain<InventoryLevelsModel>(projection, OrderActorsStorage.EventLog), IInventoryReportGrain
{

    private int DefaultThreshold => options.Value.LowStockThreshold;

    public Task<InventoryLevelsPage> GetLevelsAsync(string? afterSku, int limit)
    {
        var page = Model.Skus.Keys
            .Where(sku => afterSku is null || string.CompareOrdinal(sku, afterSku) > 0)
            .Order(StringComparer.Ordinal)
            .Take(Math.Max(1, limit) + 1)
            .Select(Level)
            .ToList();
        var more = page.Count > limit;
        if (more)
        {
            page.RemoveAt(page.Count - 1);
        }

        return Task.FromResult(new InventoryLevelsPage(Position, page, more ? page[^1].Sku : null));
    }

    public Task<LowStockReport> GetLowStockAsync(int limit)
    {
        var low = Model.Skus.Keys.Select(Level).Where(l => l.Low).ToArray();
        return Task.FromResult(new LowStockReport(
            Position,
            DefaultThreshold,
            low.Length,
            low.OrderBy(l => l.Available).ThenBy(l => l.Sku, StringComparer.Ordinal).Take(Math.Max(0, limit)).ToArray()));
    }

    public async Task<LowStockThreshold> SetThresholdAsync(string sku, int? threshold)
    {
        if (threshold is < 0)
        {
            throw DomainException.Invalid("validation-failed", $"A low-stock threshold must not be negative (got {threshold}).");
        }

        var changed = threshold is { } value
            ? !thresholds.State.Skus.TryGetValue(sku, out var current) || current != value
            : thresholds.State.Skus.ContainsKey(sku);
        if (changed)
        {
            if (threshold is { } set)
            {
                thresholds.State.Skus[sku] = set;
            }
            else
            {
                thresholds.State.Skus.Remove(sku);
            }

            await thresholds.WriteStateAsync();
        }

        return new LowStockThreshold(sku, ThresholdOf(sku), threshold is null);
    }

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        var change = (InventoryChanged?)payload;
        if (change is not { Sku.Length: > 0 })
        {
            throw new InvalidDataException($"Event {streamEvent.Position} ({streamEvent.EventType}) on {streamEvent.StreamId} is not an inventory change.");
        }

        Model.Skus[change.Sku] = new StockLevels(change.OnHand, change.Reserved, change.Available, change.Committed, change.At, change.InTransit, change.WrittenOff, change.Backordered);
    }

    private int ThresholdOf(string sku) => thresholds.State.Skus.TryGetValue(sku, out var own) ? own : DefaultThreshold;

    private InventoryLevel Level(string sku)
    {
        Model.Skus.Peek(sku, out var levels);
        var threshold = ThresholdOf(sku);
        return new InventoryLevel(sku, levels!.OnHand, levels.Reserved, levels.Available, levels.Committed, threshold, levels.Available <= threshold, levels.UpdatedAt, levels.InTransit, levels.WrittenOff, levels.Backordered);
    }
}
