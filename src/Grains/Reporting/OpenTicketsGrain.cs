using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Reporting;

/// <summary>The model behind <see cref="IOpenTicketsGrain"/>: every open ticket, by ticket id.</summary>
/// <remarks>Memory: one entry per open ticket; resolved tickets leave the model.</remarks>
public sealed record OpenTicketsModel
{
    /// <summary>Ticket id → the ticket and its order.</summary>
    public StateTable<OpenTicketEntry> Tickets { get; set; } = new();
}

/// <summary>An open ticket and its order.</summary>
public sealed record OpenTicketEntry(string OrderId, TicketSummary Ticket);

/// <summary>Open support tickets from the orders streams, so ops list them without visiting order grains.</summary>
[EventLogFeedSubscription(StreamNamespaces.Orders)]
[GrainType("open-tickets")]
public sealed class OpenTicketsGrain(
    [PersistentState("open-tickets", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<OpenTicketsModel>> projection)
    : NamespaceProjectionGrain<OpenTicketsModel>(projection, OrderActorsStorage.EventLog), IOpenTicketsGrain
{

    public Task<OpenTicketsReport> GetAsync(int limit)
    {
        var now = Clock.GetUtcNow();
        var open = Model.Tickets.Values
            .OrderByDescending(t => t.Ticket.Priority)
            .ThenBy(t => t.Ticket.OpenedAt)
            .ThenBy(t => t.Ticket.Id, StringComparer.Ordinal)
            .ToArray();
        return Task.FromResult(new OpenTicketsReport(
            Position,
            open.Length,
            open.GroupBy(t => ReportEvents.Name(t.Ticket.Priority)).ToDictionary(g => g.Key, g => g.Count()),
            open.Take(limit).Select(t => new OpenTicketItem(t.Ticket.Id, t.OrderId, t.Ticket.Subject, t.Ticket.Priority, t.Ticket.AssignedTo,
                t.Ticket.OpenedAt, t.Ticket.LastMessageAt, t.Ticket.Messages, Math.Round((now - t.Ticket.OpenedAt).TotalHours, 2))).ToArray()));
    }

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        if (ReportEvents.ReadOrderEvent(streamEvent, payload) is not { Aftercare.Tickets: { } tickets } change)
        {
            return;
        }

        foreach (var ticket in tickets)
        {
            if (ticket.Status == TicketStatus.Open)
            {
                Model.Tickets[ticket.Id] = new OpenTicketEntry(change.OrderId, ticket);
            }
            else
            {
                Model.Tickets.Remove(ticket.Id);
            }
        }
    }
}
