using OrderActors.Grains.Events;
using OrderActors.Grains.Locations;
using OrderActors.Grains.Webhooks;

namespace OrderActors.Grains.Reporting;

/// <summary>A projection grain of the domain: its admin name, the namespaces it reads, and how to reach it.</summary>
/// <param name="Name">Its name in <c>/v1/admin/subscriptions/{name}</c>.</param>
/// <param name="Namespaces">The stream namespaces it reads.</param>
/// <param name="Grain">Its grain, as an <see cref="IEventLogProjection"/>.</param>
public sealed record ProjectionEntry(string Name, IReadOnlyList<string> Namespaces, Func<IGrainFactory, IEventLogProjection> Grain);

/// <summary>Every projection of the domain (each one grain, woken by all streams of its namespaces).</summary>
public static class Projections
{
    /// <summary>The projections, by admin name.</summary>
    public static IReadOnlyList<ProjectionEntry> All { get; } =
    [
        new("backorderallocator", [StreamNamespaces.Inventory], Of<Inventory.IBackorderAllocatorGrain>),
        new("catalog", [StreamNamespaces.Products], Of<Catalog.ICatalogGrain>),
        new("inventoryreport", [StreamNamespaces.Inventory], Of<IInventoryReportGrain>),
        new("kpireport", [StreamNamespaces.Orders, StreamNamespaces.Carts], Of<IKpiReportGrain>),
        new("opentickets", [StreamNamespaces.Orders], Of<IOpenTicketsGrain>),
        new("orderlist", [StreamNamespaces.Orders], Of<IOrderListGrain>),
        new("ordersbystatus", [StreamNamespaces.Orders], Of<IOrdersByStatusGrain>),
        new("pickqueue", [StreamNamespaces.Shipments], Of<IPickQueueGrain>),
        new("salesreport", [StreamNamespaces.Orders], Of<ISalesReportGrain>),
        new("webhookdispatcher",
            [StreamNamespaces.Orders, StreamNamespaces.Shipments, StreamNamespaces.Inventory, StreamNamespaces.StockMovements, StreamNamespaces.Products, StreamNamespaces.Carts, StreamNamespaces.Quotes],
            Of<IWebhookDispatcherGrain>),
    ];

    /// <summary>
    /// Activates every projection (each then catches up with the log by itself) and the webhook endpoints: run when a
    /// silo starts, so reports and deliveries resume after a restart even if no new event arrives.
    /// </summary>
    public static async Task WakeAsync(IGrainFactory grains)
    {
        await Task.WhenAll(All.Select(p => p.Grain(grains).GetStatusAsync()));
        await grains.GetGrain<IWebhookDispatcherGrain>(EventLogStreamIdMappers.SingleGrainKey).ResumeEndpointsAsync();
    }

    private static IEventLogProjection Of<T>(IGrainFactory grains) where T : IGrainWithStringKey
        => grains.GetGrain<T>(EventLogStreamIdMappers.SingleGrainKey).AsReference<IEventLogProjection>();
}
