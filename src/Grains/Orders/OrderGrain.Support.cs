namespace OrderActors.Grains.Orders;

/// <summary>Feedback and support tickets: the customer's rating once per order, and conversations on the order.</summary>
public sealed partial class OrderGrain
{
    private const int LowRating = 2;

    public async Task<FeedbackView> GiveFeedbackAsync(GiveFeedback command)
    {
        await SettleAsync();
        EnsureVisible();
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "feedback", request) is not null)
        {
            return State.Feedback!;
        }

        if (command.Rating is < 1 or > 5)
        {
            throw DomainException.Invalid("validation-failed", $"A rating of {command.Rating} is not between 1 and 5.");
        }

        if (State.Feedback is { } given)
        {
            throw DomainException.Conflict("feedback-already-given", $"Order '{Id}' was already rated {given.Rating}/5 on {given.At:yyyy-MM-dd}; feedback is given once per order.");
        }

        EnsureDelivered("give feedback on");
        var now = timeProvider.GetUtcNow();
        string? ticketId = null;
        if (command.Rating <= LowRating)
        {
            ticketId = AddTicket($"Low rating: {command.Rating}/5", string.IsNullOrWhiteSpace(command.Comment) ? "(no comment)" : command.Comment, TicketPriority.High, command.Actor, now).Id;
        }

        State.Feedback = new FeedbackView(command.Rating, command.Comment, now, ticketId);
        Record(now, "feedback.received", command.Actor,
            $"Rated {command.Rating}/5{(string.IsNullOrWhiteSpace(command.Comment) ? "" : $": {command.Comment}")}{(ticketId is null ? "" : $" Support ticket {ticketId} opened for the low rating.")}");
        Remember(command.IdempotencyKey, command.Actor, "feedback", request, "feedback");
        await SaveAsync();
        return State.Feedback;
    }

    public async Task<TicketView> OpenTicketAsync(OpenTicket command)
    {
        await SettleAsync();
        EnsureVisible();
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "ticket", request) is { } known)
        {
            return TicketView(State.Tickets.Single(t => t.Id == known));
        }

        var ticket = AddTicket(command.Subject, command.Message, command.Priority, command.Actor, timeProvider.GetUtcNow());
        Remember(command.IdempotencyKey, command.Actor, "ticket", request, ticket.Id);
        await SaveAsync();
        return TicketView(ticket);
    }

    public async Task<TicketView> UpdateTicketAsync(TicketCommand command)
    {
        await SettleAsync();
        EnsureVisible();
        var request = command with { Actor = Nobody, IdempotencyKey = null };
        if (Replay(command.IdempotencyKey, command.Actor, "ticket", request) is { } known)
        {
            return TicketView(State.Tickets.Single(t => t.Id == known));
        }

        var ticket = State.Tickets.FirstOrDefault(t => t.Id == command.TicketId)
            ?? throw DomainException.NotFound("ticket-not-found", $"Order '{Id}' has no ticket '{command.TicketId}'.");
        var action = ReportName(command.Action);
        if (!TicketActions(ticket).Contains(action))
        {
            throw DomainException.InvalidTransition($"ticket '{ticket.Id}'", action, ReportName(ticket.Status), TicketActions(ticket));
        }

        var now = timeProvider.GetUtcNow();
        switch (command.Action)
        {
            case TicketAction.Reply:
                var reopened = ticket.Status == TicketStatus.Resolved;
                ticket.Status = TicketStatus.Open;
                ticket.ResolvedAt = null;
                ticket.Messages.Add(new TicketMessage(now, command.Actor, command.Text));
                Record(now, "support.ticket_replied", command.Actor, $"Ticket {ticket.Id}{(reopened ? " reopened" : "")}: {command.Text}");
                if (!IsCustomer(command.Actor))
                {
                    Notify(now, "support_reply", $"Re: {ticket.Subject}", $"{command.Text}\n\n(Ticket {ticket.Id} about order {Id}; reply to continue.)");
                }

                break;
            case TicketAction.Assign:
                ticket.AssignedTo = command.Text;
                Record(now, "support.ticket_assigned", command.Actor, $"Ticket {ticket.Id} assigned to {command.Text}.");
                break;
            default:
                ticket.Status = TicketStatus.Resolved;
                ticket.ResolvedAt = now;
                ticket.Resolution = command.Text;
                Record(now, "support.ticket_resolved", command.Actor, $"Ticket {ticket.Id} resolved: {command.Text}");
                Notify(now, "ticket_resolved", $"Resolved: {ticket.Subject}", $"{command.Text}\n\n(Ticket {ticket.Id} about order {Id}; reply to reopen it.)");
                break;
        }

        Remember(command.IdempotencyKey, command.Actor, "ticket", request, ticket.Id);
        await SaveAsync();
        return TicketView(ticket);
    }

    private TicketRecord AddTicket(string subject, string message, TicketPriority priority, Actor actor, DateTimeOffset now)
    {
        var ticket = new TicketRecord
        {
            Id = $"{Id}-t{State.Tickets.Count + 1}",
            Subject = subject,
            Status = TicketStatus.Open,
            Priority = priority,
            OpenedAt = now,
            Messages = [new TicketMessage(now, actor, message)],
        };
        State.Tickets.Add(ticket);
        Record(now, "support.ticket_opened", actor, $"Ticket {ticket.Id} ({ReportName(priority)}) opened: {subject}. {message}");
        return ticket;
    }

    // Storefront keys act for the customer; every other role is staff.
    private static bool IsCustomer(Actor actor) => actor.Kind.EndsWith(":storefront", StringComparison.Ordinal);

    private static IReadOnlyList<string> TicketActions(TicketRecord ticket)
        => ticket.Status == TicketStatus.Open ? ["reply", "assign", "resolve"] : ["reply"];

    private TicketView TicketView(TicketRecord t) => new(
        t.Id, Id, t.Subject, t.Status, t.Priority, t.AssignedTo, t.OpenedAt, t.ResolvedAt, t.Resolution, [.. t.Messages], TicketActions(t));
}
