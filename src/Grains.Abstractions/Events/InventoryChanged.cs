namespace OrderActors.Grains.Events;

/// <summary>
/// A SKU's stock changed (type <c>inventory.stocked</c>, <c>inventory.reserved</c>, <c>inventory.released</c>,
/// <c>inventory.committed</c>, <c>inventory.confirmed</c>), with the levels after the change.
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
    int Committed);
