using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// POST /v1/orders/{id}/feedback          {"rating","comment"} once per order, after delivery (Idempotency-Key honoured)
/// POST /v1/orders/{id}/tickets           {"subject","message","priority"} open a support ticket (Idempotency-Key honoured)
/// GET  /v1/tickets/{id}                  the ticket with its messages
/// POST /v1/tickets/{id}/replies          {"message"} customer or ops; reopens a resolved ticket
/// POST /v1/tickets/{id}/assign           {"assignee"} (ops)
/// POST /v1/tickets/{id}/resolve          {"resolution"} (ops)
/// GET  /v1/reports/open-tickets?limit=   open tickets, most urgent then oldest first (a projection)
/// </code>
/// </summary>
public static class SupportEndpoints
{
    public static IEndpointRouteBuilder MapSupportApiV1(this IEndpointRouteBuilder routes)
    {
        var orders = routes.MapGroup("/v1/orders").WithTags("Support");
        orders.MapPost("/{id}/feedback", GiveFeedbackAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("GiveFeedback").WithSummary("Rate the order 1 to 5, once, after delivery")
            .ProducesProblems(404, 409, 422);
        orders.MapPost("/{id}/tickets", OpenTicketAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("OpenTicket").WithSummary("Open a support ticket about the order")
            .ProducesProblems(404, 409, 422);

        var tickets = routes.MapGroup("/v1/tickets").WithTags("Support");
        tickets.MapGet("/{id}", GetTicketAsync).RequireAuthorization(Policies.ReadOrders)
            .WithName("GetTicket").WithSummary("The ticket with its messages")
            .ProducesProblems(404);
        tickets.MapPost("/{id}/replies", (string id, TicketText? body, HttpContext http, IGrainFactory grains) =>
            UpdateTicketAsync(id, TicketAction.Reply, "message", body?.Message, http, grains)).RequireAuthorization(Policies.PlaceOrders)
            .WithName("ReplyToTicket").WithSummary("A customer or ops reply; reopens a resolved ticket")
            .ProducesProblems(404, 409, 422);
        tickets.MapPost("/{id}/assign", (string id, TicketText? body, HttpContext http, IGrainFactory grains) =>
            UpdateTicketAsync(id, TicketAction.Assign, "assignee", body?.Assignee, http, grains)).RequireAuthorization(Policies.ManageAftercare)
            .WithName("AssignTicket").WithSummary("Assign the ticket")
            .ProducesProblems(404, 409, 422);
        tickets.MapPost("/{id}/resolve", (string id, TicketText? body, HttpContext http, IGrainFactory grains) =>
            UpdateTicketAsync(id, TicketAction.Resolve, "resolution", body?.Resolution, http, grains)).RequireAuthorization(Policies.ManageAftercare)
            .WithName("ResolveTicket").WithSummary("Resolve the ticket")
            .ProducesProblems(404, 409, 422);

        routes.MapGet("/v1/reports/open-tickets", GetOpenTicketsAsync).WithTags("Reports").RequireAuthorization(Policies.ReadReports)
            .WithName("GetOpenTickets").WithSummary("Open support tickets, urgent to low, then oldest first, with counts per priority")
            .ProducesProblems(422);
        return routes;
    }

    public sealed record FeedbackRequest(int? Rating, string? Comment);

    public sealed record TicketRequest(string? Subject, string? Message, string? Priority);

    /// <summary>The body of a ticket step: <c>message</c> (reply), <c>assignee</c> (assign) or <c>resolution</c> (resolve).</summary>
    public sealed record TicketText(string? Message, string? Assignee, string? Resolution);

    public static async Task<Results<Created<FeedbackView>, ProblemHttpResult>> GiveFeedbackAsync(string id, FeedbackRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        if (validation.Required("rating", body?.Rating) && body!.Rating is < 1 or > 5)
        {
            validation.Add("rating", $"{body.Rating} must be between 1 and 5.");
        }

        var comment = validation.Text("comment", body?.Comment, ReturnsEndpoints.MaxText, required: false);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        if (!Validation.IsIdentifier(id))
        {
            return OrdersEndpoints.OrderNotFound(id);
        }

        var feedback = await grains.GetGrain<IOrderGrain>(id).GiveFeedbackAsync(new GiveFeedback(body!.Rating!.Value, comment, key, http.User.ToActor()));
        return TypedResults.Created($"/v1/orders/{id}", feedback);
    }

    public static async Task<Results<Created<TicketView>, ProblemHttpResult>> OpenTicketAsync(string id, TicketRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        var subject = validation.Text("subject", body?.Subject, 200, required: true);
        var message = validation.Text("message", body?.Message, ReturnsEndpoints.MaxText, required: true);
        var priority = validation.SnakeCaseEnum<TicketPriority>("priority", body?.Priority, TicketPriority.Normal);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        if (!Validation.IsIdentifier(id))
        {
            return OrdersEndpoints.OrderNotFound(id);
        }

        var ticket = await grains.GetGrain<IOrderGrain>(id).OpenTicketAsync(new OpenTicket(subject!, message!, priority!.Value, key, http.User.ToActor()));
        return TypedResults.Created($"/v1/tickets/{ticket.Id}", ticket);
    }

    public static async Task<Results<Ok<TicketView>, ProblemHttpResult>> GetTicketAsync(string id, IGrainFactory grains)
        => AftercareIds.OrderOf(id, AftercareIds.Ticket) is { } orderId
            && await grains.GetGrain<IOrderGrain>(orderId).GetAsync() is { } order
            && order.Tickets.FirstOrDefault(t => t.Id == id) is { } found
                ? TypedResults.Ok(found)
                : TicketNotFound(id);

    public static async Task<Results<Ok<TicketView>, ProblemHttpResult>> UpdateTicketAsync(string id, TicketAction action, string field, string? text, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        var value = validation.Text(field, text, ReturnsEndpoints.MaxText, required: true);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        return AftercareIds.OrderOf(id, AftercareIds.Ticket) is { } orderId
            ? TypedResults.Ok(await grains.GetGrain<IOrderGrain>(orderId).UpdateTicketAsync(new TicketCommand(id, action, value!, http.User.ToActor(), key)))
            : TicketNotFound(id);
    }

    public static async Task<Results<Ok<OpenTicketsReport>, ProblemHttpResult>> GetOpenTicketsAsync(int? limit, IGrainFactory grains)
    {
        if (limit is < 1 or > 1000)
        {
            var validation = new Validation();
            validation.Add("limit", "must be between 1 and 1000.");
            return Problems.Validation(validation.Errors);
        }

        return TypedResults.Ok(await grains.GetGrain<IOpenTicketsGrain>(OrderActors.EventLog.EventLogStreamIdMappers.SingleGrainKey).GetAsync(limit ?? 100));
    }

    private static ProblemHttpResult TicketNotFound(string id) => Problems.Result(404, "ticket-not-found", "Ticket not found.", $"There is no ticket '{id}'.");
}
