using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Reporting;

/// <summary>Open support tickets across all orders, from the orders streams. Key: <c>default</c>.</summary>
[Alias("OrderActors.Grains.Reporting.IOpenTicketsGrain")]
public interface IOpenTicketsGrain : IGrainWithStringKey
{
    /// <summary>Open tickets, most urgent first, then oldest first; at most <paramref name="limit"/>.</summary>
    [Alias("GetAsync")]
    Task<OpenTicketsReport> GetAsync(int limit);
}

/// <summary>Open tickets as of <paramref name="Checkpoint"/>.</summary>
/// <param name="Checkpoint">The global stream position the report includes.</param>
/// <param name="Total">Open tickets in all.</param>
/// <param name="ByPriority">Open tickets per priority.</param>
/// <param name="Tickets">The first of them, most urgent, then oldest, first.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Reporting.OpenTicketsReport")]
public sealed record OpenTicketsReport(long Checkpoint, int Total, IReadOnlyDictionary<string, int> ByPriority, IReadOnlyList<OpenTicketItem> Tickets);

/// <summary>An open ticket; <paramref name="AgeHours"/> since it was opened, by the report's clock.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.OpenTicketItem")]
public sealed record OpenTicketItem(
    string TicketId,
    string OrderId,
    string Subject,
    TicketPriority Priority,
    string? AssignedTo,
    DateTimeOffset OpenedAt,
    DateTimeOffset LastMessageAt,
    int Messages,
    double AgeHours);
