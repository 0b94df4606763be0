using OrderActors.Grains.Catalog;

namespace OrderActors.Grains.Events;

/// <summary>A catalog entry changed (type <c>product.updated</c>), with the entry after the change.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.ProductChanged")]
public sealed record ProductChanged(ProductView Product, Orders.Actor Actor)
{
    /// <summary>The event type.</summary>
    public const string Type = "product.updated";
}
