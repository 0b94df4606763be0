using System.Text.RegularExpressions;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// Event-type patterns of a webhook: an exact type (<c>order.confirmed</c>), a prefix (<c>shipment.*</c> matches
/// <c>shipment.shipped</c> and every other <c>shipment.</c> type), or <c>*</c> for every event.
/// </summary>
public static partial class WebhookEventTypes
{
    /// <summary>Every event.</summary>
    public const string All = "*";

    /// <summary>True if <paramref name="pattern"/> is <c>*</c>, <c>a.b</c> (dotted lower-case words) or <c>a.*</c>.</summary>
    public static bool IsValidPattern(string? pattern) => pattern is { Length: <= 100 } && PatternRegex().IsMatch(pattern);

    /// <summary>True if <paramref name="eventType"/> matches one of <paramref name="patterns"/>.</summary>
    public static bool Matches(IEnumerable<string> patterns, string eventType)
    {
        foreach (var pattern in patterns)
        {
            if (Matches(pattern, eventType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True if <paramref name="eventType"/> matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string eventType)
        => pattern == All
            || (pattern.EndsWith(".*", StringComparison.Ordinal)
                ? eventType.Length > pattern.Length - 1 && eventType.AsSpan().StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
                : string.Equals(pattern, eventType, StringComparison.Ordinal));

    /// <summary>
    /// Every event type the feed and webhooks carry. A pattern must select at least one of them, so a typo
    /// (<c>order.shiped</c>) is refused instead of silently never matching.
    /// </summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        "order.placed", "order.confirmed", "order.backordered", "order.allocated", "order.cancelled", "order.partially_cancelled", "order.completed", "order.replacement_placed", "order.price_overridden", "order.edited",
        "payment.authorized", "payment.captured", "payment.capture_failed", "payment.refunded", "payment.refund_failed",
        "shipment.created", "shipment.picked", "shipment.packed", "shipment.shipped", "shipment.in_transit", "shipment.out_for_delivery",
        "shipment.delivered", "shipment.failed_attempt", "shipment.returned_to_sender", "shipment.cancelled", "shipment.replanned",
        "return.requested", "return.authorized", "return.rejected", "return.received", "return.completed",
        "claim.opened", "claim.resolved", "feedback.received",
        "support.ticket_opened", "support.ticket_replied", "support.ticket_assigned", "support.ticket_resolved",
        "inventory.stocked", "inventory.reserved", "inventory.confirmed", "inventory.released", "inventory.committed",
        "inventory.restocked", "inventory.reservations_checked", "inventory.adjusted", "inventory.transfer_started",
        "inventory.transfer_received", "inventory.transfer_cancelled",
        "inventory.allocated", "inventory.backorder_claimed", "inventory.backorder_cancelled", "inventory.preorders_released",
        "customer.notification",
        "product.updated", "stock.moved",
        "cart.created", "cart.updated", "cart.abandoned", "cart.completed",
        "quote.created", "quote.sent", "quote.accepted", "quote.expired", "quote.cancelled",
    };

    /// <summary>True if <paramref name="pattern"/> is valid and selects at least one <see cref="Known"/> event type.</summary>
    public static bool IsKnownPattern(string? pattern) => IsValidPattern(pattern) && Known.Any(type => Matches(pattern!, type));

    [GeneratedRegex(@"\A(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)\z")]
    private static partial Regex PatternRegex();
}
