namespace OrderActors.EventLog;

/// <summary>
/// Marks a <see cref="StateTable{TValue}"/> property as paged: its rows stay in the database, the grain loads the
/// ones it is about to change (<see cref="StateTable{TValue}.LoadAsync"/>) and queries read it a page at a time
/// (<see cref="StateTable{TValue}.ReadPageAsync"/>). An activation then costs the head of the state, not every row,
/// and memory holds the rows in use: for tables that grow with the history, such as a read model's row per order.
/// </summary>
/// <remarks>
/// A paged table cannot be counted or enumerated (keep the aggregates a query needs in the state's head), and a
/// lookup of a key neither loaded nor changed throws rather than answer "no entry" for a row that exists.
/// </remarks>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PagedStateTableAttribute : Attribute
{
    /// <summary>
    /// How many rows (and keys known to be absent) stay in memory after a write before the ones already written are
    /// dropped (default 4,096): recently used rows are then often loaded already.
    /// </summary>
    public int ResidentRows { get; init; } = 4096;
}
