using OrderActors.Grains.Events;

namespace OrderActors.Grains.Catalog;

/// <summary>The stored state of a product grain.</summary>
public sealed record ProductState
{
    /// <summary>The entry, once put.</summary>
    public ProductView? Product { get; set; }
}

/// <summary>
/// One catalog entry. A change and its <see cref="ProductChanged"/> event commit together; putting the same entry
/// again changes nothing and writes nothing.
/// </summary>
[GrainType("product")]
public sealed class ProductGrain(
    [EventedState("product", OrderActorsStorage.EventLog)] IEventedState<ProductState> product,
    TimeProvider timeProvider)
    : Grain, IProductGrain
{
    public async Task<ProductView> PutAsync(PutProduct command)
    {
        var sku = this.GetPrimaryKeyString();
        var current = product.State.Product;
        var prices = command.Prices.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        if (current is not null && current.Title == command.Title && current.TaxClass == command.TaxClass && current.WeightGrams == command.WeightGrams
            && current.Status == command.Status && current.Backorder == command.Backorder && current.ReleaseAt == command.ReleaseAt && current.Prices.Count == prices.Count && prices.All(p => current.Prices.TryGetValue(p.Key, out var v) && v == p.Value))
        {
            return current;
        }

        var next = new ProductView(sku, command.Title, prices, command.TaxClass, command.WeightGrams, command.Status, (current?.Version ?? 0) + 1, timeProvider.GetUtcNow(),
            command.Backorder, command.ReleaseAt);
        product.State.Product = next;
        product.Append(StreamId.Create(StreamNamespaces.Products, sku), ProductChanged.Type, new ProductChanged(next, command.Actor));
        await product.WriteStateAsync(); // a failed write deactivates the grain: the next call reads the stored entry

        return next;
    }

    public Task<ProductView?> GetAsync() => Task.FromResult(product.State.Product);
}
