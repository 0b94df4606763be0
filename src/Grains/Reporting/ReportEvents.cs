using System.Text.Json;
using OrderActors.Grains.Events;
using OrderActors.Grains.Shipments;

namespace OrderActors.Grains.Reporting;

/// <summary>Reading the domain's events in projections.</summary>
internal static class ReportEvents
{
    /// <summary>The order timeline types that mean a shipment has left the building (the order's own shipment events).</summary>
    public static readonly IReadOnlySet<string> ShippedTypes = Enum.GetValues<ShipmentStatus>()
        .Where(ShipmentStateMachine.HasShipped)
        .Select(s => $"shipment.{ShipmentStateMachine.Format(s)}")
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The order event on an orders stream, or null for the events there that are not order changes (customer
    /// notifications). Anything that does not read as an order event throws, which parks the subscription at it.
    /// </summary>
    public static OrderEvent? ReadOrderEvent(EventLogEntry streamEvent, object? payload)
    {
        if (streamEvent.EventType == CustomerNotificationEvent.Type)
        {
            return null;
        }

        var change = payload as OrderEvent;
        return change is { OrderId.Length: > 0, Lines: not null }
            ? change
            : throw new InvalidDataException($"Event {streamEvent.Position} ({streamEvent.EventType}) on {streamEvent.StreamId} is not an order event.");
    }

    /// <summary>The ids of the orders whose events are in a page: the rows a projection keyed by order loads before applying it.</summary>
    public static IEnumerable<string> OrderIds(IReadOnlyList<(EventLogEntry Entry, object? Payload)> page)
        => page.Select(e => e.Payload).OfType<OrderEvent>().Where(o => o.OrderId is { Length: > 0 }).Select(o => o.OrderId);

    /// <summary>An enum value as the API writes it (snake_case).</summary>
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>A UTC date as <c>yyyy-MM-dd</c>.</summary>
    public static string Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
