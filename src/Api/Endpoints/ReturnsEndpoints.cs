using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains.Orders;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// POST /v1/orders/{id}/returns        open a return of delivered units (Idempotency-Key honoured)
/// GET  /v1/returns/{id}               the return: status, label, instructions, inspection, refund, replacement
/// POST /v1/returns/{id}/authorize     authorize a return outside the auto-authorization policy (ops)
/// POST /v1/returns/{id}/reject        {"reason"} (ops)
/// POST /v1/returns/{id}/receive       {"location","lines":[{"sku","quantity","condition"}]}: restock, refund or exchange (ops)
/// POST /v1/orders/{id}/refunds        {"lines":[{"sku","quantity"}],"shipping","reason"} a refund of its own (ops, Idempotency-Key honoured)
/// POST /v1/orders/{id}/refunds/{refundId}/retry  try a refund the gateway declined again (ops)
/// POST /v1/orders/{id}/claims         {"type","shipmentId","lines","description"} missing, wrong, damaged, lost (Idempotency-Key honoured)
/// GET  /v1/claims/{id}                the claim
/// POST /v1/claims/{id}/resolve        {"resolution":"refund"|"replacement","note"} (ops)
/// </code>
/// Returns and claims live in their order (ids <c>{orderId}-r{n}</c>, <c>{orderId}-c{n}</c>), which checks every
/// quantity and amount against what was delivered and captured.
/// </summary>
public static class ReturnsEndpoints
{
    public const int MaxLines = 100;
    public const int MaxText = 2000;

    public static IEndpointRouteBuilder MapReturnsApiV1(this IEndpointRouteBuilder routes)
    {
        var orders = routes.MapGroup("/v1/orders").WithTags("Returns");
        orders.MapPost("/{id}/returns", RequestReturnAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("RequestReturn").WithSummary("Open a return of delivered units, for a refund or an exchange")
            .ProducesProblems(404, 409, 422);
        orders.MapPost("/{id}/refunds", RefundAsync).RequireAuthorization(Policies.ManageAftercare)
            .WithName("RefundOrder").WithSummary("A refund of its own: shipped units at their unit price plus an amount for shipping or goodwill")
            .ProducesProblems(402, 404, 409, 422);
        orders.MapPost("/{id}/refunds/{refundId}/retry", RetryRefundAsync).RequireAuthorization(Policies.ManageAftercare)
            .WithName("RetryRefund").WithSummary("Try a refund the gateway declined again, under a new gateway key")
            .ProducesProblems(404, 409, 422);
        orders.MapPost("/{id}/claims", OpenClaimAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("OpenClaim").WithSummary("Open a claim: item missing, wrong item, arrived damaged or parcel lost")
            .ProducesProblems(404, 409, 422);

        var returns = routes.MapGroup("/v1/returns").WithTags("Returns");
        returns.MapGet("/{id}", GetReturnAsync).RequireAuthorization(Policies.ReadOrders)
            .WithName("GetReturn").WithSummary("The return: status, lines, label, instructions, inspection, refund, replacement")
            .ProducesProblems(404);
        returns.MapPost("/{id}/authorize", (string id, HttpContext http, IGrainFactory grains) => DecideAsync(id, true, null, http, grains))
            .RequireAuthorization(Policies.ManageAftercare)
            .WithName("AuthorizeReturn").WithSummary("Authorize a return the auto-authorization policy left to ops")
            .ProducesProblems(404, 409, 422);
        returns.MapPost("/{id}/reject", (string id, ReasonRequest? body, HttpContext http, IGrainFactory grains) => DecideAsync(id, false, body, http, grains))
            .RequireAuthorization(Policies.ManageAftercare)
            .WithName("RejectReturn").WithSummary("Reject a return the auto-authorization policy left to ops")
            .ProducesProblems(404, 409, 422);
        returns.MapPost("/{id}/receive", ReceiveAsync).RequireAuthorization(Policies.ManageAftercare)
            .WithName("ReceiveReturn").WithSummary("The parcel arrived: restock resellable units, write off damaged ones, refund or exchange")
            .ProducesProblems(404, 409, 422);

        var claims = routes.MapGroup("/v1/claims").WithTags("Returns");
        claims.MapGet("/{id}", GetClaimAsync).RequireAuthorization(Policies.ReadOrders)
            .WithName("GetClaim").WithSummary("The claim")
            .ProducesProblems(404);
        claims.MapPost("/{id}/resolve", ResolveClaimAsync).RequireAuthorization(Policies.ManageAftercare)
            .WithName("ResolveClaim").WithSummary("Resolve a claim by refunding the claimed units or by a replacement order at no charge")
            .ProducesProblems(404, 409, 422);
        return routes;
    }

    public sealed record ReturnRequest(List<ReturnLine?>? Lines, string? Resolution, List<ExchangeLineRequest?>? Exchange, string? Comment);

    public sealed record ReturnLine(string? Sku, int? Quantity, string? Reason, string? Comment);

    /// <summary>A replacement line; without a unit price, the order's lowest price of the same SKU.</summary>
    public sealed record ExchangeLineRequest(string? Sku, int? Quantity, decimal? UnitPrice);

    public sealed record ReasonRequest(string? Reason);

    public sealed record ReceiveRequest(string? Location, List<InspectedLine?>? Lines);

    public sealed record InspectedLine(string? Sku, int? Quantity, string? Condition);

    public sealed record UnitsLine(string? Sku, int? Quantity);

    public sealed record RefundRequest(List<UnitsLine?>? Lines, decimal? Shipping, string? Reason);

    public sealed record ClaimRequest(string? Type, string? ShipmentId, List<UnitsLine?>? Lines, string? Description);

    public sealed record ResolveClaimRequest(string? Resolution, string? Note);

    public static async Task<Results<Created<ReturnView>, ProblemHttpResult>> RequestReturnAsync(string id, ReturnRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        var lines = ReadLines(validation, "lines", body?.Lines, required: true, (line, field) =>
        {
            var (sku, quantity) = SkuAndQuantity(validation, field, line.Sku, line.Quantity);
            var reason = validation.SnakeCaseEnum<ReturnReason>($"{field}.reason", line.Reason);
            var comment = validation.Text($"{field}.comment", line.Comment, MaxText, required: false);
            return new ReturnLineRequest(sku, quantity, reason ?? ReturnReason.Other, comment);
        });
        var resolution = validation.SnakeCaseEnum<ReturnResolution>("resolution", body?.Resolution, ReturnResolution.Refund);
        var comment = validation.Text("comment", body?.Comment, MaxText, required: false);
        var exchange = ReadLines(validation, "exchange", body?.Exchange, required: resolution == ReturnResolution.Exchange, (line, field) =>
        {
            var (sku, quantity) = SkuAndQuantity(validation, field, line.Sku, line.Quantity);
            if (line.UnitPrice is < 0 or > 1_000_000_000m || (line.UnitPrice is { } price && decimal.Round(price, 2) != price))
            {
                validation.Add($"{field}.unitPrice", $"{line.UnitPrice} must be between 0 and 1000000000 with at most two decimals.");
            }

            return new ExchangeLine(sku, quantity, line.UnitPrice ?? -1); // -1: the order's price, filled in below
        });
        if (!Validation.IsIdentifier(id))
        {
            return OrdersEndpoints.OrderNotFound(id);
        }

        if (exchange.Any(e => e.UnitPrice >= 0) && !OrdersEndpoints.MayOverridePrices(http.User))
        {
            return OrdersEndpoints.PriceOverrideForbidden();
        }

        if (validation.IsValid && exchange.Any(e => e.UnitPrice < 0))
        {
            var order = await grains.GetGrain<IOrderGrain>(id).GetAsync();
            var priced = new List<ExchangeLine>();
            foreach (var (e, i) in exchange.Select((e, i) => (e, i)))
            {
                // The lowest price of the SKU on the order, as returned units are valued: a like-for-like swap costs
                // nothing; another SKU costs its catalog price in the order's currency.
                var price = e.UnitPrice >= 0 ? e.UnitPrice
                    : order?.Lines.Where(l => l.Sku == e.Sku).MinBy(l => l.UnitPrice)?.UnitPrice
                    ?? (order is null ? null : (await grains.GetGrain<Grains.Catalog.IProductGrain>(e.Sku).GetAsync())?.PriceIn(order.Currency));
                if (price is null)
                {
                    validation.Add($"exchange[{i}].unitPrice", $"'{e.Sku}' is neither on the order nor on sale in its currency; an ops or admin key may set a price.");
                }

                priced.Add(e with { UnitPrice = price ?? -1 });
            }

            exchange = priced;
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var view = await grains.GetGrain<IOrderGrain>(id).RequestReturnAsync(
            new RequestReturn(lines, resolution!.Value, resolution == ReturnResolution.Exchange ? exchange : [], comment, key, http.User.ToActor()));
        return TypedResults.Created($"/v1/returns/{view.Id}", view);
    }

    public static async Task<Results<Ok<ReturnView>, ProblemHttpResult>> GetReturnAsync(string id, IGrainFactory grains)
        => AftercareIds.OrderOf(id, AftercareIds.Return) is { } orderId
            && await grains.GetGrain<IOrderGrain>(orderId).GetAsync() is { } order
            && order.Returns.FirstOrDefault(r => r.Id == id) is { } found
                ? TypedResults.Ok(found)
                : ReturnNotFound(id);

    public static async Task<Results<Ok<ReturnView>, ProblemHttpResult>> DecideAsync(string id, bool authorize, ReasonRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        var reason = validation.Text("reason", body?.Reason, 500, required: !authorize);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        return AftercareIds.OrderOf(id, AftercareIds.Return) is { } orderId
            ? TypedResults.Ok(await grains.GetGrain<IOrderGrain>(orderId).DecideReturnAsync(new DecideReturn(id, authorize, reason, http.User.ToActor(), key)))
            : ReturnNotFound(id);
    }

    public static async Task<Results<Ok<ReturnView>, ProblemHttpResult>> ReceiveAsync(string id, ReceiveRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        if (body?.Location is { } location && !Validation.IsIdentifier(location))
        {
            validation.Add("location", "is not a valid location id.");
        }

        var lines = ReadLines(validation, "lines", body?.Lines, required: true, (line, field) =>
        {
            var (sku, quantity) = SkuAndQuantity(validation, field, line.Sku, line.Quantity);
            var condition = validation.SnakeCaseEnum<ItemCondition>($"{field}.condition", line.Condition);
            return new InspectedUnits(sku, quantity, condition ?? ItemCondition.Damaged);
        });
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        return AftercareIds.OrderOf(id, AftercareIds.Return) is { } orderId
            ? TypedResults.Ok(await grains.GetGrain<IOrderGrain>(orderId).ReceiveReturnAsync(new ReceiveReturn(id, body?.Location, lines, http.User.ToActor(), key)))
            : ReturnNotFound(id);
    }

    public static async Task<Results<Created<RefundView>, ProblemHttpResult>> RefundAsync(string id, RefundRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        var lines = ReadLines(validation, "lines", body?.Lines, required: false, (line, field) =>
        {
            var (sku, quantity) = SkuAndQuantity(validation, field, line.Sku, line.Quantity);
            return new SkuQuantity(sku, quantity);
        });
        if (body?.Shipping is < 0 or > 1_000_000_000m || (body?.Shipping is { } shipping && decimal.Round(shipping, 2) != shipping))
        {
            validation.Add("shipping", $"{body?.Shipping} must be between 0 and 1000000000 with at most two decimals.");
        }

        if (lines.Count == 0 && body?.Shipping is null or 0)
        {
            validation.Add("lines", "a refund needs lines or a shipping amount.");
        }

        var reason = validation.Text("reason", body?.Reason, 500, required: true);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        if (!Validation.IsIdentifier(id))
        {
            return OrdersEndpoints.OrderNotFound(id);
        }

        var refund = await grains.GetGrain<IOrderGrain>(id).RefundAsync(new RefundPayment(lines, body?.Shipping ?? 0, reason!, key, http.User.ToActor()));
        return TypedResults.Created($"/v1/orders/{id}", refund);
    }

    public static async Task<Results<Ok<RefundView>, ProblemHttpResult>> RetryRefundAsync(string id, string refundId, HttpContext http, IGrainFactory grains)
        => Validation.IsIdentifier(id)
            ? TypedResults.Ok(await grains.GetGrain<IOrderGrain>(id).RetryRefundAsync(new RetryRefund(refundId, http.User.ToActor())))
            : OrdersEndpoints.OrderNotFound(id);

    public static async Task<Results<Created<ClaimView>, ProblemHttpResult>> OpenClaimAsync(string id, ClaimRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        var type = validation.SnakeCaseEnum<ClaimType>("type", body?.Type);
        if (body?.ShipmentId is { } shipmentId && !Validation.IsIdentifier(shipmentId))
        {
            validation.Add("shipmentId", "is not a valid shipment id.");
        }

        var lines = ReadLines(validation, "lines", body?.Lines, required: type != ClaimType.ParcelLost, (line, field) =>
        {
            var (sku, quantity) = SkuAndQuantity(validation, field, line.Sku, line.Quantity);
            return new SkuQuantity(sku, quantity);
        });
        var description = validation.Text("description", body?.Description, MaxText, required: true);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        if (!Validation.IsIdentifier(id))
        {
            return OrdersEndpoints.OrderNotFound(id);
        }

        var claim = await grains.GetGrain<IOrderGrain>(id).OpenClaimAsync(new OpenClaim(type!.Value, body?.ShipmentId, lines, description!, key, http.User.ToActor()));
        return TypedResults.Created($"/v1/claims/{claim.Id}", claim);
    }

    public static async Task<Results<Ok<ClaimView>, ProblemHttpResult>> GetClaimAsync(string id, IGrainFactory grains)
        => AftercareIds.OrderOf(id, AftercareIds.Claim) is { } orderId
            && await grains.GetGrain<IOrderGrain>(orderId).GetAsync() is { } order
            && order.Claims.FirstOrDefault(c => c.Id == id) is { } found
                ? TypedResults.Ok(found)
                : ClaimNotFound(id);

    public static async Task<Results<Ok<ClaimView>, ProblemHttpResult>> ResolveClaimAsync(string id, ResolveClaimRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var key = validation.IdempotencyKey(http);
        var resolution = validation.SnakeCaseEnum<ClaimResolution>("resolution", body?.Resolution);
        var note = validation.Text("note", body?.Note, MaxText, required: false);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        return AftercareIds.OrderOf(id, AftercareIds.Claim) is { } orderId
            ? TypedResults.Ok(await grains.GetGrain<IOrderGrain>(orderId).ResolveClaimAsync(new ResolveClaim(id, resolution!.Value, note, http.User.ToActor(), key)))
            : ClaimNotFound(id);
    }

    // Reads a list of lines, each through read (which adds its own field errors).
    private static List<T> ReadLines<TBody, T>(Validation validation, string field, List<TBody?>? lines, bool required, Func<TBody, string, T> read)
        where TBody : class
    {
        var result = new List<T>();
        if (lines is null || lines.Count == 0)
        {
            if (required)
            {
                validation.Add(field, "needs at least one line.");
            }

            return result;
        }

        if (lines.Count > MaxLines)
        {
            validation.Add(field, $"must hold at most {MaxLines} lines.");
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (validation.Required($"{field}[{i}]", lines[i]))
            {
                result.Add(read(lines[i]!, $"{field}[{i}]"));
            }
        }

        return result;
    }

    private static (string Sku, int Quantity) SkuAndQuantity(Validation validation, string field, string? sku, int? quantity)
    {
        validation.Identifier($"{field}.sku", sku, "SKU");
        validation.LineQuantity($"{field}.quantity", quantity);

        return (sku ?? "", quantity ?? 0);
    }

    private static ProblemHttpResult ReturnNotFound(string id) => Problems.Result(404, "return-not-found", "Return not found.", $"There is no return '{id}'.");

    private static ProblemHttpResult ClaimNotFound(string id) => Problems.Result(404, "claim-not-found", "Claim not found.", $"There is no claim '{id}'.");
}
