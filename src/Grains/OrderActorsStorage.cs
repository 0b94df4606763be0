namespace OrderActors.Grains;

/// <summary>The names of the storage and stream providers the grains use; the hosts register providers under them.</summary>
public static class OrderActorsStorage
{
    /// <summary>
    /// The event log: evented state (<c>[EventedState(..., EventLog)]</c>: orders, inventory, shipments) and the
    /// stream provider whose streams carry their events.
    /// </summary>
    public const string EventLog = "eventlog";

    /// <summary>Orleans' ADO.NET grain storage, for state that appends no events (projections, webhooks).</summary>
    public const string State = "state";
}
