using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains;
using OrderActors.Grains.Orders;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// POST /v1/orders                      place an order (Idempotency-Key honoured)
/// GET  /v1/orders?customer=            a customer's orders, newest first, as GET /v1/customers/{id}/orders (limit, after)
/// GET  /v1/orders/{id}                 the order with its lines, statuses, shipments and timeline
/// POST /v1/orders/{id}/cancel          cancel what has not shipped
/// POST /v1/orders/{id}/edits           edit lines and/or address before fulfilment; "preview": true shows totals and the version to confirm
/// GET  /v1/orders/{id}/notifications   the customer notifications the order produced
/// </code>
/// </summary>
public static class OrdersEndpoints
{
    public const string IdempotencyKeyHeader = Validation.IdempotencyKeyHeader;
    public const int MaxLines = DomainLimits.MaxOrderLines;
    public const int MaxLineQuantity = DomainLimits.MaxLineQuantity;

    public static RouteGroupBuilder MapOrdersApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/orders").WithTags("Orders");
        group.MapPost("/", PlaceOrderAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("PlaceOrder").WithSummary("Place an order: reserve every line (all or nothing), authorize the payment, confirm")
            .ProducesProblems(402, 409, 422);
        group.MapGet("/", (string? customer, string? limit, string? after, IGrainFactory grains) => CustomersEndpoints.ListOrdersAsync("customer", customer, limit, after, grains))
            .RequireAuthorization(Policies.ReadOrders)
            .WithName("ListOrdersOfCustomer").WithSummary("A customer's orders (customer required), newest first, each as it is now; listed as soon as its placement answers")
            .ProducesProblems(422);
        group.MapGet("/{id}", GetOrderAsync).RequireAuthorization(Policies.ReadOrders)
            .WithName("GetOrder").WithSummary("The order with its lines, statuses, payment, shipments, timeline and after-sales")
            .ProducesProblems(404);
        group.MapPost("/{id}/cancel", CancelOrderAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("CancelOrder").WithSummary("Cancel what has not shipped: release its stock, void or refund its part")
            .ProducesProblems(404, 409, 422);
        group.MapPost("/{id}/edits", EditOrderAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("EditOrder").WithSummary("Edit an order none of whose shipments was picked: lines (all or nothing) and address; preview the new totals and payment difference, then confirm with the version")
            .ProducesProblems(402, 404, 409, 422, 503);
        group.MapGet("/{id}/notifications", GetNotificationsAsync).RequireAuthorization(Policies.ReadOrders)
            .WithName("GetOrderNotifications").WithSummary("The customer notifications the order produced")
            .ProducesProblems(404);
        return group;
    }

    public sealed record PlaceOrderRequest(
        CustomerRequest? Customer,
        string? Channel,
        string? Priority,
        string? Currency,
        List<LineRequest?>? Lines,
        AddressRequest? ShippingAddress,
        PaymentRequest? Payment,
        string? ShippingMethod = null,
        string? DiscountCode = null);

    public sealed record CustomerRequest(string? Id, string? Email, string? Name);

    /// <summary>An order line: <c>unitPrice</c> is the price the buyer was shown (checked against the catalog), or with
    /// <c>priceOverride</c> (ops and admin keys) the price to charge.</summary>
    public sealed record LineRequest(string? Sku, int? Quantity, decimal? UnitPrice, bool? PriceOverride = null);

    public sealed record AddressRequest(string? Name, string? Line1, string? Line2, string? City, string? Region, string? PostalCode, string? Country);

    public sealed record PaymentRequest(string? Method, string? Token);

    public sealed record CancelRequest(string? Reason);

    /// <summary>
    /// An order edit: <c>lines</c> are the order's lines afterwards, one per SKU (left out: kept), <c>shippingAddress</c>
    /// the new address (left out: kept). <c>preview</c> true changes nothing; <c>version</c> is the order's version the
    /// edit was previewed on, <c>expectedTotal</c> the total the buyer was shown; <c>payment</c> pays a higher total
    /// (left out: the order's own payment).
    /// </summary>
    public sealed record EditRequest(
        List<EditLineRequest?>? Lines, AddressRequest? ShippingAddress, bool? Preview, int? Version, decimal? ExpectedTotal, string? Reason, PaymentRequest? Payment = null);

    /// <summary>A line of an edited order: a SKU and its quantity afterwards.</summary>
    public sealed record EditLineRequest(string? Sku, int? Quantity);

    /// <summary>The answer to an edit: what it does (or did), and the order after a confirmed one.</summary>
    public sealed record EditResponse(OrderEditPreview Edit, OrderView? Order);

    /// <summary>The body of <c>GET /v1/orders/{id}/notifications</c>.</summary>
    public sealed record NotificationsResponse(IReadOnlyList<CustomerNotification> Notifications);

    public static async Task<Results<Created<OrderView>, ProblemHttpResult>> PlaceOrderAsync(PlaceOrderRequest? body, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        var validation = new Validation();
        var command = Validate(body, http.User, validation);
        var idempotencyKey = validation.IdempotencyKey(http) ?? "";
        if (!validation.IsValid || command is null)
        {
            return Problems.Validation(validation.Errors);
        }

        if (command.Lines.Any(l => l.PriceOverride) && !MayOverridePrices(http.User))
        {
            return PriceOverrideForbidden();
        }

        var idempotent = idempotencyKey.Length > 0;
        var orderId = idempotent ? OrderIds.FromIdempotencyKey(command.Actor.Id, idempotencyKey) : OrderIds.New(time);
        PlaceOrderResult result;
        try
        {
            result = await grains.GetGrain<IOrderGrain>(orderId).PlaceAsync(command);
        }
        catch (DomainException ex) when (idempotent && ex.Code == "order-exists")
        {
            return Problems.Result(409, "idempotency-key-reused", "Idempotency-Key reused with a different request.",
                $"The key '{idempotencyKey}' was used for another request body; use a new key for a new order.");
        }

        return Placement(result, command, orderId, http);
    }

    /// <summary>The answer to a placement: the order, or a problem that says why nothing was reserved.</summary>
    internal static Results<Created<OrderView>, ProblemHttpResult> Placement(PlaceOrderResult result, PlaceOrder command, string orderId, HttpContext http)
    {
        return result.Outcome switch
        {
            PlacementOutcome.Placed => TypedResults.Created($"/v1/orders/{orderId}", result.Order!),
            PlacementOutcome.OutOfStock => Problems.Result(409, "out-of-stock", "Not enough stock.",
                "Some lines cannot be reserved; nothing was reserved. See 'shortages' for what is available and in-stock alternatives.",
                new Dictionary<string, object?> { ["shortages"] = result.Shortages }),
            PlacementOutcome.PaymentDeclined => Problems.Result(402, "payment-declined", "The payment was declined.",
                $"{result.PaymentProblem?.Message} Nothing was reserved; use another payment method.",
                new Dictionary<string, object?> { ["reason"] = result.PaymentProblem?.Reason }),
            PlacementOutcome.PaymentUnavailable => PaymentUnavailable(http, result.PaymentProblem),
            PlacementOutcome.Unpriced => Problems.Result(422, "sku-not-priced", "Not on sale in this currency.",
                $"These SKUs have no catalog price in {command.Currency} (not in the catalog, archived, or not priced in it): {string.Join(", ", result.UnpricedSkus ?? [])}. Nothing was reserved.",
                new Dictionary<string, object?> { ["skus"] = result.UnpricedSkus }),
            PlacementOutcome.ShippingUnavailable => Problems.Result(422, "shipping-method-not-available", "The shipping method cannot ship this order.",
                $"{result.Detail} Nothing was reserved; pick another shipping method.",
                new Dictionary<string, object?> { ["shippingMethod"] = command.ShippingMethod }),
            PlacementOutcome.DiscountRefused => Problems.Result(result.DiscountRefusal == "discount-limit-reached" ? 409 : 422, result.DiscountRefusal ?? "discount-not-applicable",
                "The discount code cannot be used.", $"{result.Detail} Nothing was reserved; place the order without the code or with another.",
                new Dictionary<string, object?> { ["discountCode"] = command.DiscountCode }),
            PlacementOutcome.PriceChanged => Problems.Result(409, "price-changed", "The price changed.",
                "Some lines carry a unit price that is not the catalog's; nothing was reserved. Show the buyer 'prices' and place the order again with them (or without unitPrice).",
                new Dictionary<string, object?> { ["prices"] = result.PriceChanges }),
            _ => Problems.Result(422, "unknown-sku", "Unknown SKU.",
                $"These SKUs are not in the catalog or have never been stocked: {string.Join(", ", result.UnknownSkus)}. Nothing was reserved.",
                new Dictionary<string, object?> { ["skus"] = result.UnknownSkus }),
        };
    }

    /// <summary>Whether the caller may set a price the catalog does not have: ops and admin keys.</summary>
    internal static bool MayOverridePrices(ClaimsPrincipal user) => user.IsInRole(Roles.Ops) || user.IsInRole(Roles.Admin);

    internal static ProblemHttpResult PriceOverrideForbidden()
        => Problems.Result(403, "price-override-forbidden", "Only ops and admin keys may set prices.",
            "Prices come from the catalog; leave unitPrice out (or send the catalog price), or use an ops or admin key to override.");

    private static ProblemHttpResult PaymentUnavailable(HttpContext http, PaymentProblem? problem,
        string next = "Nothing was reserved or charged; retry the same request (with the same Idempotency-Key).")
    {
        http.Response.Headers.RetryAfter = "5";
        return Problems.Result(503, "payment-unavailable", "The payment service did not answer.",
            $"{problem?.Message} {next}",
            new Dictionary<string, object?> { ["reason"] = problem?.Reason });
    }

    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> CancelOrderAsync(string id, CancelRequest? body, HttpContext http, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return OrderNotFound(id);
        }

        var reason = string.IsNullOrWhiteSpace(body?.Reason) ? "requested" : body.Reason.Trim();
        if (reason.Length > 500)
        {
            var validation = new Validation();
            validation.Add("reason", "must be at most 500 characters.");
            return Problems.Validation(validation.Errors);
        }

        var order = await grains.GetGrain<IOrderGrain>(id).CancelAsync(new CancelOrder(reason, http.User.ToActor()));
        return TypedResults.Ok(order);
    }

    public static async Task<Results<Ok<EditResponse>, ProblemHttpResult>> EditOrderAsync(string id, EditRequest? body, HttpContext http, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return OrderNotFound(id);
        }

        var validation = new Validation();
        if (body is null)
        {
            validation.Add("body", "is required.");
            return Problems.Validation(validation.Errors);
        }

        List<SkuQuantity>? lines = null;
        if (body.Lines is not null)
        {
            if (body.Lines.Count is 0 or > MaxLines)
            {
                validation.Add("lines", $"must hold between 1 and {MaxLines} lines (cancel the order to remove everything).");
            }

            lines = [];
            for (var i = 0; i < body.Lines.Count; i++)
            {
                var line = body.Lines[i];
                if (validation.Required($"lines[{i}]", line))
                {
                    validation.Identifier($"lines[{i}].sku", line!.Sku, "SKU");
                    validation.LineQuantity($"lines[{i}].quantity", line.Quantity);
                    lines.Add(new SkuQuantity(line.Sku ?? "", line.Quantity ?? 0));
                }
            }

            if (lines.GroupBy(l => l.Sku, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                validation.Add("lines", $"list SKU '{twice.Key}' once, with its new quantity.");
            }
        }

        var address = body.ShippingAddress is null ? null : Address(validation, "shippingAddress", body.ShippingAddress);
        if (lines is null && address is null)
        {
            validation.Add("body", "needs lines, shippingAddress or both.");
        }

        if (body.Version is < 0)
        {
            validation.Add("version", "must not be negative.");
        }

        if (body.ExpectedTotal is < 0 or > DomainLimits.MaxOrderTotal)
        {
            validation.Add("expectedTotal", $"{body.ExpectedTotal} is not a total an order can have.");
        }

        validation.Text("reason", body.Reason, 500, required: false);
        var payment = body.Payment is null ? null : Payment(validation, body.Payment);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var result = await grains.GetGrain<IOrderGrain>(id).EditAsync(
            new EditOrder(lines, address, body.Preview ?? false, body.Version, body.ExpectedTotal, body.Reason, http.User.ToActor(), payment));
        const string unchanged = "Nothing was changed.";
        return result.Outcome switch
        {
            EditOutcome.Previewed or EditOutcome.Edited => TypedResults.Ok(new EditResponse(result.Edit!, result.Order)),
            EditOutcome.OutOfStock => Problems.Result(409, "out-of-stock", "Not enough stock.",
                $"Some added units cannot be reserved. {unchanged} See 'shortages' for what is available and in-stock alternatives.",
                new Dictionary<string, object?> { ["shortages"] = result.Shortages }),
            EditOutcome.PaymentDeclined => Problems.Result(402, "payment-declined", "The payment was declined.",
                $"The higher total could not be authorized: {result.PaymentProblem?.Message} {unchanged}",
                new Dictionary<string, object?> { ["reason"] = result.PaymentProblem?.Reason }),
            EditOutcome.PaymentUnavailable => PaymentUnavailable(http, result.PaymentProblem, $"{unchanged} Try the edit again."),
            EditOutcome.ShippingUnavailable => Problems.Result(422, "shipping-method-not-available", "The shipping method cannot ship the edited order.",
                $"{result.Detail} {unchanged}"),
            EditOutcome.Unpriced => Problems.Result(422, "sku-not-priced", "Not on sale in this currency.", $"{result.Detail} {unchanged}",
                new Dictionary<string, object?> { ["skus"] = result.Skus }),
            EditOutcome.UnknownSku => Problems.Result(422, "unknown-sku", "Unknown SKU.", $"{result.Detail} {unchanged}",
                new Dictionary<string, object?> { ["skus"] = result.Skus }),
            _ => Problems.Result(409, "edit-total-changed", "The edited total changed.", $"{result.Detail} {unchanged}",
                new Dictionary<string, object?> { ["edit"] = result.Edit }),
        };
    }

    public static async Task<Results<Ok<NotificationsResponse>, ProblemHttpResult>> GetNotificationsAsync(string id, IGrainFactory grains)
        => Validation.IsIdentifier(id)
            ? TypedResults.Ok(new NotificationsResponse(await grains.GetGrain<IOrderGrain>(id).GetNotificationsAsync()))
            : OrderNotFound(id);

    internal static ProblemHttpResult OrderNotFound(string id) => Problems.Result(404, "order-not-found", "Order not found.", $"There is no order '{id}'.");

    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetOrderAsync(string id, IGrainFactory grains)
    {
        if (Validation.IsIdentifier(id) && await grains.GetGrain<IOrderGrain>(id).GetAsync() is { } order)
        {
            return TypedResults.Ok(order);
        }

        return OrderNotFound(id);
    }

    /// <summary>The command for a valid request, or null with the errors in <paramref name="validation"/>.</summary>
    internal static PlaceOrder? Validate(PlaceOrderRequest? body, ClaimsPrincipal user, Validation validation)
    {
        if (body is null)
        {
            validation.Add("body", "is required.");
            return null;
        }

        if (validation.Required("customer", body.Customer))
        {
            Customer(validation, "customer", body.Customer!);
        }

        var channel = validation.Enum("channel", body.Channel, SalesChannel.Web);
        var priority = validation.Enum("priority", body.Priority, OrderPriority.Standard);
        var currency = validation.Currency("currency", body.Currency);

        var lines = new List<OrderLineRequest>();
        if (validation.Required("lines", body.Lines))
        {
            if (body.Lines!.Count is 0 or > MaxLines)
            {
                validation.Add("lines", $"must hold between 1 and {MaxLines} lines.");
            }

            for (var i = 0; i < body.Lines.Count; i++)
            {
                var line = body.Lines[i];
                var field = $"lines[{i}]";
                if (!validation.Required(field, line))
                {
                    continue;
                }

                validation.Identifier($"{field}.sku", line!.Sku, "SKU");
                validation.LineQuantity($"{field}.quantity", line.Quantity);

                var priceOverride = line.PriceOverride ?? false;
                if (priceOverride ? validation.Required($"{field}.unitPrice", line.UnitPrice) : line.UnitPrice is not null)
                {
                    validation.Money($"{field}.unitPrice", line.UnitPrice, currency, 0m, DomainLimits.MaxUnitPrice);
                }

                lines.Add(new OrderLineRequest(line.Sku ?? "", line.Quantity ?? 0, line.UnitPrice, priceOverride));
            }
        }

        var address = validation.Required("shippingAddress", body.ShippingAddress) ? Address(validation, "shippingAddress", body.ShippingAddress!) : null;
        if (body.ShippingMethod is not null)
        {
            validation.Identifier("shippingMethod", body.ShippingMethod, "shipping method");
        }

        if (body.DiscountCode is not null)
        {
            validation.Identifier("discountCode", body.DiscountCode, "discount code");
        }

        var payment = validation.Required("payment", body.Payment) ? Payment(validation, body.Payment!) : null;

        if (!validation.IsValid)
        {
            return null;
        }

        var actor = user.ToActor();
        return new PlaceOrder(
            Customer(validation, "customer", body.Customer!),
            channel!.Value, priority!.Value, currency, lines, address, payment, actor, ShippingMethod: body.ShippingMethod,
            DiscountCode: body.DiscountCode is { } code ? DiscountEndpoints.Normalize(code) : null);
    }

    /// <summary>A payment method the gateway knows, and its token within its limit; null when the method is not valid.</summary>
    internal static PaymentDetails? Payment(Validation validation, PaymentRequest p)
    {
        var method = validation.SnakeCaseEnum<PaymentMethod>("payment.method", p.Method);
        validation.Text("payment.token", p.Token, DomainLimits.MaxTokenLength, required: false);
        return method is null ? null : new PaymentDetails(p.Method!, p.Token);
    }

    /// <summary>A buyer: an id, an optional email and name, each within its limit.</summary>
    internal static Customer Customer(Validation validation, string field, CustomerRequest c)
    {
        validation.CustomerId($"{field}.id", c.Id);
        validation.Email($"{field}.email", c.Email);
        validation.Text($"{field}.name", c.Name, DomainLimits.MaxNameLength, required: false);
        return new Customer(c.Id ?? "", c.Email, c.Name);
    }

    /// <summary>A postal address: line1, city, postal code and an ISO country required, every part within its length limit.</summary>
    internal static Address Address(Validation validation, string field, AddressRequest a)
    {
        validation.Text($"{field}.name", a.Name, DomainLimits.MaxNameLength, required: false);
        validation.Text($"{field}.line1", a.Line1, DomainLimits.MaxAddressLineLength, required: true);
        validation.Text($"{field}.line2", a.Line2, DomainLimits.MaxAddressLineLength, required: false);
        validation.Text($"{field}.city", a.City, DomainLimits.MaxAddressLineLength, required: true);
        validation.Text($"{field}.region", a.Region, DomainLimits.MaxAddressLineLength, required: false);
        validation.Text($"{field}.postalCode", a.PostalCode, DomainLimits.MaxPostalCodeLength, required: true);
        validation.Country($"{field}.country", a.Country);
        return new Address(a.Name, a.Line1 ?? "", a.Line2, a.City ?? "", a.Region, a.PostalCode ?? "", a.Country ?? "");
    }
}
