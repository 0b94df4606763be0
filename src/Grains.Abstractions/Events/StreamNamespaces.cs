namespace OrderActors.Grains.Events;

/// <summary>
/// The stream namespaces the domain writes: one stream per order, per shipment, per SKU's stock, per SKU's stock
/// movements, per catalog entry, per cart and per quote.
/// </summary>
public static class StreamNamespaces
{
    /// <summary>Key: the order id. Events: <see cref="OrderEvent"/>.</summary>
    public const string Orders = "orders";

    /// <summary>Key: the shipment id. Events: <see cref="ShipmentChanged"/>.</summary>
    public const string Shipments = "shipments";

    /// <summary>Key: the SKU. Events: <see cref="InventoryChanged"/>.</summary>
    public const string Inventory = "inventory";

    /// <summary>
    /// Key: the SKU. Events: <see cref="StockMoved"/>, one per movement, so the stream's sequence is the movement's
    /// number. Its own namespace, apart from the levels, so the history is read without the reservations in between.
    /// </summary>
    public const string StockMovements = "stock-movements";

    /// <summary>Key: the SKU. Events: <see cref="ProductChanged"/>.</summary>
    public const string Products = "products";

    /// <summary>Key: the cart id. Events: <see cref="CartChanged"/>.</summary>
    public const string Carts = "carts";

    /// <summary>Key: the quote id. Events: <see cref="QuoteChanged"/>.</summary>
    public const string Quotes = "quotes";
}
