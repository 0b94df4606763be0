using OrderActors.Grains.Events;

namespace OrderActors.Grains.Catalog;

/// <summary>The model behind <see cref="ICatalogGrain"/>: every entry's latest version, by SKU.</summary>
public sealed record CatalogModel
{
    /// <summary>SKU → the entry.</summary>
    public StateTable<ProductView> Products { get; set; } = new();
}

/// <summary>Lists the catalog from the products streams, by SKU; see <see cref="ICatalogGrain"/>.</summary>
/// <remarks>
/// Memory: one entry per SKU (a few hundred bytes with a handful of prices), and an in-memory sorted index rebuilt on
/// activation: fine for catalogs of a few hundred thousand SKUs. An event older than the entry held (a lower
/// version) is ignored, so a replay after a reset never moves an entry back.
/// </remarks>
[EventLogFeedSubscription(StreamNamespaces.Products)]
[GrainType("catalog")]
public sealed class CatalogGrain(
    [PersistentState("catalog", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<CatalogModel>> projection)
    : NamespaceProjectionGrain<CatalogModel>(projection, OrderActorsStorage.EventLog), ICatalogGrain
{
    private SortedSet<string>? _index;
    private CatalogModel? _indexed; // the model the index was built from: a reset or a reload replaces it


    public Task<CatalogPage> ListAsync(CatalogQuery query)
    {
        var index = Index();
        var candidates = query.After is { } after
            ? index.Count == 0 || string.CompareOrdinal(after, index.Max) >= 0 ? [] : index.GetViewBetween(after, index.Max!).SkipWhile(s => s == after)
            : index;
        var limit = Math.Max(1, query.Limit);
        var page = new List<ProductView>(Math.Min(limit, 1024));
        var more = false;
        foreach (var sku in candidates)
        {
            if (!Model.Products.Peek(sku, out var product)
                || !query.IncludeArchived && product.Status == ProductStatus.Archived
                || query.Currency is { } currency && !product.Prices.ContainsKey(currency))
            {
                continue;
            }

            if (page.Count == limit)
            {
                more = true;
                break;
            }

            page.Add(product);
        }

        return Task.FromResult(new CatalogPage(Position, page, more ? page[^1].Sku : null));
    }

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        var product = (payload as ProductChanged)?.Product
            ?? throw new InvalidDataException($"Event {streamEvent.Position} ({streamEvent.EventType}) on {streamEvent.StreamId} is not a product change.");
        if (Model.Products.Peek(product.Sku, out var held) && held.Version >= product.Version)
        {
            return;
        }

        Model.Products[product.Sku] = product;
        if (ReferenceEquals(_indexed, Model))
        {
            _index!.Add(product.Sku);
        }
    }

    private SortedSet<string> Index()
    {
        if (_index is null || !ReferenceEquals(_indexed, Model))
        {
            _index = new SortedSet<string>(Model.Products.Keys, StringComparer.Ordinal);
            _indexed = Model;
        }

        return _index;
    }
}
