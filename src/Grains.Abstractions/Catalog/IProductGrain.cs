namespace OrderActors.Grains.Catalog;

/// <summary>
/// One catalog entry: what a SKU is called and what it costs, per currency. Key: the SKU. Orders are priced from it
/// when they are placed, and keep that price whatever the catalog says later.
/// </summary>
[Alias("OrderActors.Grains.Catalog.IProductGrain")]
public interface IProductGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the entry; each change gets the next version.</summary>
    [Alias("PutAsync")]
    Task<ProductView> PutAsync(PutProduct command);

    /// <summary>The entry, or null if the SKU was never in the catalog.</summary>
    [Alias("GetAsync"), ReadOnly]
    Task<ProductView?> GetAsync();
}
