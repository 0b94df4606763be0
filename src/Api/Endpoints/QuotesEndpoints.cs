using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Quotes;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// POST /v1/quotes                 draft a quote for a customer: lines at prices ops set (Idempotency-Key honoured)
/// GET  /v1/quotes/{id}            the quote with its totals and status
/// POST /v1/quotes/{id}/send       {"expiresAt"} send it; it may be accepted until then
/// POST /v1/quotes/{id}/cancel     {"reason"} withdraw it
/// POST /v1/quotes/{id}/accept     {"payment"} the customer accepts: its order is placed at the quoted prices
/// </code>
/// </summary>
public static class QuotesEndpoints
{
    /// <summary>The longest a quote may stay open.</summary>
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(366);

    public static RouteGroupBuilder MapQuotesApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/quotes").WithTags("Quotes");
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.ManageCatalog)
            .WithName("CreateQuote").WithSummary("Draft a quote for a customer: lines at prices ops set (the catalog's when none is given)")
            .ProducesProblems(409, 422);
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.ReadOrders)
            .WithName("GetQuote").WithSummary("The quote: lines at the quoted prices, totals its order would have, status and expiry")
            .ProducesProblems(404);
        group.MapPost("/{id}/send", SendAsync).RequireAuthorization(Policies.ManageCatalog)
            .WithName("SendQuote").WithSummary("Send a draft (or move a sent quote's expiry): the customer may accept it until expiresAt")
            .ProducesProblems(404, 409, 422);
        group.MapPost("/{id}/cancel", CancelAsync).RequireAuthorization(Policies.ManageCatalog)
            .WithName("CancelQuote").WithSummary("Withdraw a draft or sent quote")
            .ProducesProblems(404, 409, 422);
        group.MapPost("/{id}/accept", AcceptAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("AcceptQuote").WithSummary("Accept a sent quote: its order is placed at the quoted prices, stock reserved then; accepting again answers the same order")
            .ProducesProblems(402, 404, 409, 422);
        return group;
    }

    /// <summary>The body of <c>POST /v1/quotes</c>.</summary>
    public sealed record CreateQuoteRequest(
        OrdersEndpoints.CustomerRequest? Customer,
        string? Channel,
        string? Currency,
        List<QuoteLineBody?>? Lines,
        OrdersEndpoints.AddressRequest? ShippingAddress,
        string? ShippingMethod,
        string? Note);

    /// <summary>A line of <c>POST /v1/quotes</c>: <c>unitPrice</c> is the quoted price (the catalog's when absent).</summary>
    public sealed record QuoteLineBody(string? Sku, int? Quantity, decimal? UnitPrice);

    /// <summary>The body of <c>POST /v1/quotes/{id}/send</c>.</summary>
    public sealed record SendQuoteRequest(DateTimeOffset? ExpiresAt);

    /// <summary>The body of <c>POST /v1/quotes/{id}/accept</c>.</summary>
    public sealed record AcceptQuoteRequest(OrdersEndpoints.PaymentRequest? Payment);

    public static async Task<Results<Created<QuoteView>, ProblemHttpResult>> CreateAsync(CreateQuoteRequest? body, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        var validation = new Validation();
        var idempotencyKey = validation.IdempotencyKey(http);
        if (body is null)
        {
            validation.Add("body", "is required.");
            return Problems.Validation(validation.Errors);
        }

        var customer = validation.Required("customer", body.Customer) ? OrdersEndpoints.Customer(validation, "customer", body.Customer!) : null;
        var channel = validation.Enum("channel", body.Channel, SalesChannel.Phone);
        var currency = validation.Currency("currency", body.Currency);

        var lines = new List<QuoteLineRequest>();
        if (validation.Required("lines", body.Lines))
        {
            if (body.Lines!.Count is 0 or > OrdersEndpoints.MaxLines)
            {
                validation.Add("lines", $"must hold between 1 and {OrdersEndpoints.MaxLines} lines.");
            }

            for (var i = 0; i < body.Lines.Count; i++)
            {
                if (!validation.Required($"lines[{i}]", body.Lines[i]))
                {
                    continue;
                }

                var line = body.Lines[i]!;
                validation.Identifier($"lines[{i}].sku", line.Sku, "SKU");
                validation.LineQuantity($"lines[{i}].quantity", line.Quantity);

                if (line.UnitPrice is not null)
                {
                    validation.Money($"lines[{i}].unitPrice", line.UnitPrice, currency, 0m, DomainLimits.MaxUnitPrice);
                }

                if (line.Sku is not null && lines.Any(l => l.Sku == line.Sku))
                {
                    validation.Add($"lines[{i}].sku", $"'{line.Sku}' is already a line; a quote holds one line per SKU.");
                }

                lines.Add(new QuoteLineRequest(line.Sku ?? "", line.Quantity ?? 0, line.UnitPrice));
            }
        }

        var address = validation.Required("shippingAddress", body.ShippingAddress) ? OrdersEndpoints.Address(validation, "shippingAddress", body.ShippingAddress!) : null;
        if (body.ShippingMethod is not null)
        {
            validation.Identifier("shippingMethod", body.ShippingMethod, "shipping method");
        }

        validation.Text("note", body.Note, DomainLimits.MaxMessageLength, required: false);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var actor = http.User.ToActor();
        var id = idempotencyKey is null ? OrderIds.New(time, OrderIds.QuotePrefix) : OrderIds.FromIdempotencyKey(actor.Id, idempotencyKey, OrderIds.QuotePrefix);
        var command = new CreateQuote(customer!, channel!.Value, currency, lines, address!, body.ShippingMethod, body.Note, actor);
        try
        {
            return TypedResults.Created($"/v1/quotes/{id}", await grains.GetGrain<IQuoteGrain>(id).CreateAsync(command));
        }
        catch (DomainException ex) when (ex.Code == "quote-exists")
        {
            return Problems.Result(409, "idempotency-key-reused", "Idempotency-Key reused with a different request.",
                $"The key '{idempotencyKey}' was used for another request body; use a new key for a new quote.");
        }
    }

    public static async Task<Results<Ok<QuoteView>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains)
        => Validation.IsIdentifier(id) && await grains.GetGrain<IQuoteGrain>(id).GetAsync() is { } quote ? TypedResults.Ok(quote) : QuoteNotFound(id);

    public static async Task<Results<Ok<QuoteView>, ProblemHttpResult>> SendAsync(string id, SendQuoteRequest? body, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        if (!Validation.IsIdentifier(id))
        {
            return QuoteNotFound(id);
        }

        var validation = new Validation();
        if (validation.Required("body", body) && validation.Required("expiresAt", body!.ExpiresAt)
            && (body.ExpiresAt <= time.GetUtcNow() || body.ExpiresAt > time.GetUtcNow() + MaxValidity))
        {
            validation.Add("expiresAt", $"must be in the future and at most {MaxValidity.TotalDays} days ahead.");
        }

        return validation.IsValid
            ? TypedResults.Ok(await grains.GetGrain<IQuoteGrain>(id).SendAsync(new SendQuote(body!.ExpiresAt!.Value, http.User.ToActor())))
            : Problems.Validation(validation.Errors);
    }

    public static async Task<Results<Ok<QuoteView>, ProblemHttpResult>> CancelAsync(string id, OrdersEndpoints.CancelRequest? body, HttpContext http, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return QuoteNotFound(id);
        }

        var validation = new Validation();
        var reason = validation.Text("reason", body?.Reason, DomainLimits.MaxTextLength, required: false) ?? "withdrawn";
        return validation.IsValid
            ? TypedResults.Ok(await grains.GetGrain<IQuoteGrain>(id).CancelAsync(new CancelQuote(reason, http.User.ToActor())))
            : Problems.Validation(validation.Errors);
    }

    public static async Task<Results<Created<OrderView>, ProblemHttpResult>> AcceptAsync(string id, AcceptQuoteRequest? body, HttpContext http, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return QuoteNotFound(id);
        }

        var validation = new Validation();
        var payment = validation.Required("body", body) && validation.Required("payment", body!.Payment) ? OrdersEndpoints.Payment(validation, body.Payment!) : null;
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var acceptance = await grains.GetGrain<IQuoteGrain>(id).AcceptAsync(new AcceptQuote(payment!, http.User.ToActor()));
        return OrdersEndpoints.Placement(acceptance.Result, acceptance.Command, acceptance.OrderId, http);
    }

    private static ProblemHttpResult QuoteNotFound(string id) => Problems.Result(404, "quote-not-found", "Quote not found.", $"There is no quote '{id}'.");
}
