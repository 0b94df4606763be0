using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Shipments;

/// <summary>
/// Which shipment actions each status allows. The README's table is this one; a test enumerates every
/// (status, action) pair against it.
/// </summary>
public static class ShipmentStateMachine
{
    /// <summary>The actions, as named in errors and views.</summary>
    public static readonly IReadOnlyList<string> Actions = ["pick", "pack", "ship", "track", "cancel"];

    private static readonly Dictionary<ShipmentStatus, string[]> Allowed = new()
    {
        [ShipmentStatus.ReadyToPick] = ["pick", "cancel"],
        [ShipmentStatus.Picked] = ["pack", "cancel"],
        [ShipmentStatus.Packed] = ["ship", "cancel"],
        [ShipmentStatus.Shipped] = ["track"],
        [ShipmentStatus.InTransit] = ["track"],
        [ShipmentStatus.OutForDelivery] = ["track"],
        [ShipmentStatus.FailedAttempt] = ["track"],
        [ShipmentStatus.Delivered] = [],
        [ShipmentStatus.ReturnedToSender] = [],
        [ShipmentStatus.Cancelled] = [],
    };

    /// <summary>The actions allowed in a status.</summary>
    public static IReadOnlyList<string> AllowedIn(ShipmentStatus status) => Allowed.GetValueOrDefault(status, []);

    /// <summary>Whether the shipment has left the building (it can no longer be cancelled).</summary>
    public static bool HasShipped(ShipmentStatus status)
        => status is ShipmentStatus.Shipped or ShipmentStatus.InTransit or ShipmentStatus.OutForDelivery
            or ShipmentStatus.FailedAttempt or ShipmentStatus.Delivered or ShipmentStatus.ReturnedToSender;

    /// <summary>The action's name.</summary>
    public static string Name(ShipmentAction action) => action switch
    {
        ShipmentAction.Pick => "pick",
        ShipmentAction.Pack => "pack",
        ShipmentAction.Ship => "ship",
        _ => "track",
    };

    /// <summary>Throws the 409 for an action the status does not allow.</summary>
    /// <exception cref="DomainException">The action is not allowed.</exception>
    public static void Ensure(string shipmentId, ShipmentStatus status, string action)
    {
        if (!AllowedIn(status).Contains(action))
        {
            throw DomainException.InvalidTransition($"shipment '{shipmentId}'", action, Format(status), AllowedIn(status));
        }
    }

    /// <summary>A status as the API writes it (snake_case).</summary>
    public static string Format(ShipmentStatus status)
        => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    /// <summary>The status a tracking event moves a shipment to.</summary>
    public static ShipmentStatus After(TrackingStatus tracking) => tracking switch
    {
        TrackingStatus.InTransit => ShipmentStatus.InTransit,
        TrackingStatus.OutForDelivery => ShipmentStatus.OutForDelivery,
        TrackingStatus.Delivered => ShipmentStatus.Delivered,
        TrackingStatus.FailedAttempt => ShipmentStatus.FailedAttempt,
        _ => ShipmentStatus.ReturnedToSender,
    };
}
