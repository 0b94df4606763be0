using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Events;

/// <summary>A customer notification queued by an order, on the order's stream; webhooks deliver it.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Notification">The notification (its id is unique and stable: a de-duplication key).</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.CustomerNotificationEvent")]
public sealed record CustomerNotificationEvent(string OrderId, CustomerNotification Notification)
{
    /// <summary>The event type on the order stream.</summary>
    public const string Type = "customer.notification";
}
