namespace OrderActors.Grains.Events;

/// <summary>
/// A SKU's stock changed (type <c>inventory.stocked</c>, <c>inventory.reserved</c>, <c>inventory.released</c>,
/// <c>inventory.committed</c>, <c>inventory.confirmed</c>, <c>inventory.restocked</c>, <c>inventory.adjusted</c>,
/// <c>inventory.transfer_started</c>, <c>inventory.transfer_received</c>, <c>inventory.transfer_cancelled</c>,
/// <c>inventory.backorder_cancelled</c>, <c>inventory.preorders_released</c>), with the levels after the change. Units
/// allocated to a backorder are one <c>inventory.allocated</c> event per order (<see cref="OrderId"/>), in the same
/// commit as the change that made them available. What moved where is on the SKU's <c>stock-movements</c> stream (<see cref="StockMoved"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.InventoryChanged")]
public sealed record InventoryChanged(
    string Sku,
    string Type,
    DateTimeOffset At,
    string? OrderId,
    int OnHand,
    int Reserved,
    int Available,
    int Committed,
    int InTransit = 0,
    int WrittenOff = 0,
    int Backordered = 0);
