using System.Text.Json;
using System.Text.Json.Serialization;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains;

/// <summary>
/// Source-generated JSON metadata for the messages on the hot paths (placement, reservation, reads) and of
/// after-sales (returns, refunds, claims, feedback, support), so that serializing them needs no reflection.
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
[JsonSerializable(typeof(RequestReturn))]
[JsonSerializable(typeof(DecideReturn))]
[JsonSerializable(typeof(ReceiveReturn))]
[JsonSerializable(typeof(ReturnView))]
[JsonSerializable(typeof(RefundPayment))]
[JsonSerializable(typeof(RefundView))]
[JsonSerializable(typeof(RetryRefund))]
[JsonSerializable(typeof(OpenClaim))]
[JsonSerializable(typeof(ResolveClaim))]
[JsonSerializable(typeof(ClaimView))]
[JsonSerializable(typeof(GiveFeedback))]
[JsonSerializable(typeof(FeedbackView))]
[JsonSerializable(typeof(OpenTicket))]
[JsonSerializable(typeof(TicketCommand))]
[JsonSerializable(typeof(TicketView))]
[JsonSerializable(typeof(RestockStock))]
[JsonSerializable(typeof(AdjustStock))]
[JsonSerializable(typeof(StockAdjusted))]
[JsonSerializable(typeof(TransferStock))]
[JsonSerializable(typeof(TransferView))]
[JsonSerializable(typeof(Events.StockMoved))]
public sealed partial class GrainsJsonContext : JsonSerializerContext;
