using System.Text.Json;
using System.Text.Json.Serialization;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Locations;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;
using OrderActors.Runtime;
using OrderActors.Grains.Webhooks;
using OrderActors.Runtime.Hosting;

namespace OrderActors.Grains;

/// <summary>Registers the domain grains with a silo.</summary>
public static class DomainGrains
{
    /// <summary>Adds the domain grain classes and the source-generated JSON metadata of their messages and state.</summary>
    public static SiloOptions AddDomainGrains(this SiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.GrainAssemblies.Add(typeof(OrderGrain).Assembly);
        options.JsonContexts.Add(GrainsJsonContext.Default);
        options.JsonContexts.Add(GrainStateJsonContext.Default);
        return options;
    }

    /// <summary>Lets a cluster client call the domain grains: their interfaces, type names and message metadata.</summary>
    public static ClientOptions AddDomainGrains(this ClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.GrainAssemblies.Add(typeof(OrderGrain).Assembly);
        options.JsonContexts.Add(GrainsJsonContext.Default);
        return options;
    }
}

/// <summary>Source-generated JSON metadata for grain state, which is serialized on every write.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(OrderState))]
[JsonSerializable(typeof(InventoryState))]
[JsonSerializable(typeof(ProjectionState<SalesModel>))]
[JsonSerializable(typeof(ProjectionState<InventoryLevelsModel>))]
[JsonSerializable(typeof(LowStockThresholds))]
[JsonSerializable(typeof(ProjectionState<KpiModel>))]
[JsonSerializable(typeof(ProjectionState<OrderListModel>))]
[JsonSerializable(typeof(ProjectionState<PickQueueModel>))]
[JsonSerializable(typeof(ProjectionState<OpenTicketsModel>))]
[JsonSerializable(typeof(WebhookEndpointState))]
[JsonSerializable(typeof(WebhookDispatcherState))]
internal sealed partial class GrainStateJsonContext : JsonSerializerContext;
