namespace OrderActors.Grains.Catalog;

/// <summary>
/// The catalog as a list, from the products streams, for browsing without reading every product grain.
/// Key: <c>default</c>. It follows the streams, so a change shows here shortly after its product grain answered.
/// </summary>
[Alias("OrderActors.Grains.Catalog.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>Entries in SKU order (ordinal) after <see cref="CatalogQuery.After"/>.</summary>
    [Alias("ListAsync")]
    Task<CatalogPage> ListAsync(CatalogQuery query);
}

/// <summary>Which entries to list.</summary>
/// <param name="Currency">Only entries priced in this currency.</param>
/// <param name="IncludeArchived">Whether withdrawn entries are listed.</param>
/// <param name="Limit">Most entries to return.</param>
/// <param name="After">Continue after this SKU (the previous page's <see cref="CatalogPage.Next"/>).</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Catalog.CatalogQuery")]
public sealed record CatalogQuery(string? Currency, bool IncludeArchived, int Limit, string? After);

/// <summary>A page of the catalog.</summary>
/// <param name="Checkpoint">The global stream position the page includes.</param>
/// <param name="Products">The entries, by SKU.</param>
/// <param name="Next">Where the next page starts; null when there is none.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Catalog.CatalogPage")]
public sealed record CatalogPage(long Checkpoint, IReadOnlyList<ProductView> Products, string? Next);
