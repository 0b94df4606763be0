using OrderActors.Grains.Catalog;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;

namespace OrderActors.Tests.Infrastructure;

/// <summary>Puts SKUs on sale for grain tests: orders are priced from the catalog, so a stocked SKU needs a price too.</summary>
public static class TestCatalog
{
    /// <summary>The price tests sell at unless they say otherwise (the order bodies' <c>unitPrice</c>).</summary>
    public const decimal Price = 10m;

    private static readonly Actor Ops = new("api-key:ops", "test");

    /// <summary>Puts <paramref name="sku"/> in the catalog at <paramref name="price"/> USD.</summary>
    public static Task<ProductView> PriceAsync(IGrainFactory grains, string sku, decimal price = Price)
        => grains.GetGrain<IProductGrain>(sku).PutAsync(new PutProduct(sku, new Dictionary<string, decimal> { ["USD"] = price }, "standard", null, ProductStatus.Active, Ops));

    /// <summary>Prices <paramref name="sku"/> (see <see cref="PriceAsync"/>) and sets its stock.</summary>
    public static async Task<InventoryView> StockAsync(IGrainFactory grains, string sku, SetStock stock, decimal price = Price)
    {
        await PriceAsync(grains, sku, price);
        return await grains.GetGrain<IInventoryGrain>(sku).SetStockAsync(stock);
    }
}
