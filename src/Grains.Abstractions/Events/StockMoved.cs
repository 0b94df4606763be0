using OrderActors.Grains.Inventory;

namespace OrderActors.Grains.Events;

/// <summary>Stock moved at one location of a SKU (type <c>stock.moved</c>): the SKU's movement history, one event each.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.StockMoved")]
public sealed record StockMoved(string Sku, StockMovement Movement)
{
    /// <summary>The event type.</summary>
    public const string Type = "stock.moved";
}
