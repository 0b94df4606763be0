namespace OrderActors.Grains.Catalog;

/// <summary>Whether a catalog entry is sold.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Catalog.ProductStatus")]
public enum ProductStatus
{
    /// <summary>On sale: orders and carts price it.</summary>
    Active,

    /// <summary>Withdrawn: kept for the orders that have it, refused in new ones.</summary>
    Archived,
}

/// <summary>Creates or replaces a catalog entry.</summary>
/// <param name="Title">The name shown to buyers.</param>
/// <param name="Prices">The unit price per ISO 4217 currency; a currency not listed cannot buy the SKU.</param>
/// <param name="TaxClass">Which tax rules apply, e.g. <c>standard</c>, <c>reduced</c>, <c>zero</c>.</param>
/// <param name="WeightGrams">Shipping weight of one unit, when known.</param>
/// <param name="Status">On sale or withdrawn.</param>
/// <param name="Actor">Who changes it.</param>
/// <param name="Backorder">
/// Whether orders are accepted beyond stock: the units that are not available are backordered and allocated as stock
/// arrives, highest priority first, then oldest order.
/// </param>
/// <param name="ReleaseAt">
/// A preorder's release date: the SKU sells before it, but nothing is allocated or shipped before it (every unit ordered
/// earlier is backordered, whatever the stock). Null for a SKU on general sale.
/// </param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Catalog.PutProduct")]
public sealed record PutProduct(
    string Title, IReadOnlyDictionary<string, decimal> Prices, string TaxClass, int? WeightGrams, ProductStatus Status, Orders.Actor Actor,
    bool Backorder = false, DateTimeOffset? ReleaseAt = null);

/// <summary>A catalog entry as readers see it.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Title">The name shown to buyers.</param>
/// <param name="Prices">The unit price per currency.</param>
/// <param name="TaxClass">Which tax rules apply.</param>
/// <param name="WeightGrams">Shipping weight of one unit, when known.</param>
/// <param name="Status">On sale or withdrawn.</param>
/// <param name="Version">1 for the first version, one more for each change.</param>
/// <param name="UpdatedAt">When it last changed.</param>
/// <param name="Backorder">Whether orders are accepted beyond stock (see <see cref="PutProduct.Backorder"/>).</param>
/// <param name="ReleaseAt">A preorder's release date, or null (see <see cref="PutProduct.ReleaseAt"/>).</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Catalog.ProductView")]
public sealed record ProductView(
    string Sku,
    string Title,
    IReadOnlyDictionary<string, decimal> Prices,
    string TaxClass,
    int? WeightGrams,
    ProductStatus Status,
    int Version,
    DateTimeOffset UpdatedAt,
    bool Backorder = false,
    DateTimeOffset? ReleaseAt = null)
{
    /// <summary>The unit price in <paramref name="currency"/> while the entry is on sale; null otherwise.</summary>
    public decimal? PriceIn(string currency)
        => Status == ProductStatus.Active && Prices.TryGetValue(currency, out var price) ? price : null;

    /// <summary>Whether an order placed at <paramref name="now"/> may take more units than are available: a backorder, or a preorder before its release.</summary>
    public bool AcceptsBackorderAt(DateTimeOffset now) => Backorder || ReleaseAt > now;
}
