namespace OrderActors.Grains;

/// <summary>The names of the storage and stream providers the grains use; the hosts register providers under them.</summary>
public static class OrderActorsStorage
{
    /// <summary>
    /// The event log: evented state (<c>[EventedState(..., EventLog)]</c>: orders, inventory, shipments) and the
    /// stream provider whose streams carry their events.
    /// </summary>
    public const string EventLog = "eventlog";

    /// <summary>Orleans' ADO.NET grain storage (the event log's table on SQLite), for state that appends no events (webhooks, settings).</summary>
    public const string State = "state";

    /// <summary>
    /// The event log's grain storage for read models: their <see cref="StateTable{TValue}"/> properties are written row
    /// by row, so a projection's write follows its batch, not its history.
    /// </summary>
    public const string Projections = "projections";
}
