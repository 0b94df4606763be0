using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OrderActors.Grains.Customers;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Locations;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;
using OrderActors.Grains.Webhooks;

namespace OrderActors.Grains;

/// <summary>How the domain's state and events are written as JSON, in grain storage and in the event log.</summary>
public static class DomainGrains
{
    /// <summary>
    /// Configures <paramref name="options"/> the way the domain's JSON is written: camelCase names, enums as
    /// snake_case strings, and the source-generated contracts of the messages, events and grain states first.
    /// </summary>
    /// <param name="options">Serializer options of the event log or of grain storage.</param>
    public static JsonSerializerOptions ConfigureDomainJson(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.RespectNullableAnnotations = false;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.TypeInfoResolver = JsonTypeInfoResolver.Combine(GrainsJsonContext.Default, GrainStateJsonContext.Default, new DefaultJsonTypeInfoResolver());
        return options;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(OrderState))]
[JsonSerializable(typeof(InventoryState))]
[JsonSerializable(typeof(CustomerState))]
[JsonSerializable(typeof(ProjectionState<SalesModel>))]
[JsonSerializable(typeof(ProjectionState<InventoryLevelsModel>))]
[JsonSerializable(typeof(LowStockThresholds))]
[JsonSerializable(typeof(ProjectionState<KpiModel>))]
[JsonSerializable(typeof(ProjectionState<OrderListModel>))]
[JsonSerializable(typeof(ProjectionState<PickQueueModel>))]
[JsonSerializable(typeof(ProjectionState<OpenTicketsModel>))]
[JsonSerializable(typeof(WebhookEndpointState))]
[JsonSerializable(typeof(ProjectionState<WebhookRegistry>))]
[JsonSerializable(typeof(ProjectionState<BackorderAllocatorModel>))]
// Rows of the read models' state tables, written one by one.
[JsonSerializable(typeof(OrderFacts))]
[JsonSerializable(typeof(OrderListItem))]
[JsonSerializable(typeof(OrderStatusSlot))]
[JsonSerializable(typeof(OpenTicketEntry))]
[JsonSerializable(typeof(StockLevels))]
[JsonSerializable(typeof(SalesContribution))]
[JsonSerializable(typeof(Dictionary<string, SalesBucket>))]
[JsonSerializable(typeof(QueuedShipment))]
internal sealed partial class GrainStateJsonContext : JsonSerializerContext;
