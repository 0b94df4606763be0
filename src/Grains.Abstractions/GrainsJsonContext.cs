using System.Text.Json;
using System.Text.Json.Serialization;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains;

/// <summary>
/// Source-generated JSON metadata for the messages on the hot paths (placement, reservation, reads), so that
/// serializing them needs no reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PlaceOrder))]
[JsonSerializable(typeof(PlaceOrderResult))]
[JsonSerializable(typeof(OrderView))]
[JsonSerializable(typeof(ReserveStock))]
[JsonSerializable(typeof(ReservationResult))]
[JsonSerializable(typeof(InventoryView))]
[JsonSerializable(typeof(SetStock))]
[JsonSerializable(typeof(Events.OrderEvent))]
[JsonSerializable(typeof(Events.ShipmentChanged))]
[JsonSerializable(typeof(Events.InventoryChanged))]
[JsonSerializable(typeof(Events.CustomerNotificationEvent))]
public sealed partial class GrainsJsonContext : JsonSerializerContext;
