using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Orders;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// POST   /v1/carts                    create a cart (Idempotency-Key honoured)
/// GET    /v1/carts/{id}               the cart priced now: lines, shipping, tax, discount, total, problems
/// PUT    /v1/carts/{id}/lines/{sku}   {"quantity"} set a line's units (0 removes it)
/// DELETE /v1/carts/{id}/lines/{sku}   remove a line
/// PATCH  /v1/carts/{id}               {"customer","shippingAddress","shippingMethod","discountCode","priority"} ("" removes a method or code)
/// POST   /v1/carts/{id}/complete      {"payment","customer","expectedTotal"} place its order (a retry answers the same order)
/// </code>
/// </summary>
public static class CartsEndpoints
{
    public static RouteGroupBuilder MapCartsApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/carts").WithTags("Carts");
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("CreateCart").WithSummary("Create a cart: currency, channel, and optionally lines, buyer, address, shipping method, discount code")
            .ProducesProblems(409, 422);
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.ReadOrders)
            .WithName("GetCart").WithSummary("The cart priced now: catalog prices, discount, shipping estimate, tax, total, and what would stop it becoming an order")
            .ProducesProblems(404);
        group.MapPut("/{id}/lines/{sku}", SetLineAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("SetCartLine").WithSummary("Set a line's units (0 removes it); the SKU must be on sale in the cart's currency")
            .ProducesProblems(404, 409, 422);
        group.MapDelete("/{id}/lines/{sku}", RemoveLineAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("RemoveCartLine").WithSummary("Remove a line")
            .ProducesProblems(404, 409, 422);
        group.MapPatch("/{id}", UpdateAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("UpdateCart").WithSummary("Change the buyer, shipping address, shipping method, discount code or priority")
            .ProducesProblems(404, 409, 422);
        group.MapPost("/{id}/complete", CompleteAsync).RequireAuthorization(Policies.PlaceOrders)
            .WithName("CompleteCart").WithSummary("Place the cart's order: reserve, authorize, confirm; the same call again answers the same order")
            .ProducesProblems(402, 404, 409, 422);
        return group;
    }

    /// <summary>The body of <c>POST /v1/carts</c>.</summary>
    public sealed record CreateCartRequest(
        string? Currency,
        string? Channel,
        string? Priority,
        OrdersEndpoints.CustomerRequest? Customer,
        List<CartLineBody?>? Lines,
        OrdersEndpoints.AddressRequest? ShippingAddress,
        string? ShippingMethod,
        string? DiscountCode);

    /// <summary>A line of <c>POST /v1/carts</c>.</summary>
    public sealed record CartLineBody(string? Sku, int? Quantity);

    /// <summary>The body of <c>PUT /v1/carts/{id}/lines/{sku}</c>.</summary>
    public sealed record SetLineRequest(int? Quantity);

    /// <summary>The body of <c>PATCH /v1/carts/{id}</c>: what is given changes.</summary>
    public sealed record UpdateCartRequest(
        OrdersEndpoints.CustomerRequest? Customer, OrdersEndpoints.AddressRequest? ShippingAddress, string? ShippingMethod, string? DiscountCode, string? Priority);

    /// <summary>The body of <c>POST /v1/carts/{id}/complete</c>.</summary>
    public sealed record CompleteCartRequest(OrdersEndpoints.PaymentRequest? Payment, OrdersEndpoints.CustomerRequest? Customer, decimal? ExpectedTotal = null);

    public static async Task<Results<Created<CartView>, ProblemHttpResult>> CreateAsync(CreateCartRequest? body, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        var validation = new Validation();
        var idempotencyKey = validation.IdempotencyKey(http);
        if (body is null)
        {
            validation.Add("body", "is required.");
            return Problems.Validation(validation.Errors);
        }

        var currency = validation.Currency("currency", body.Currency);

        var channel = validation.Enum("channel", body.Channel, SalesChannel.Web);
        var priority = validation.Enum("priority", body.Priority, OrderPriority.Standard);
        var customer = body.Customer is null ? null : OrdersEndpoints.Customer(validation, "customer", body.Customer);
        var address = body.ShippingAddress is null ? null : OrdersEndpoints.Address(validation, "shippingAddress", body.ShippingAddress);
        var lines = new List<CartLineRequest>();
        if (body.Lines is { } requested)
        {
            if (requested.Count > OrdersEndpoints.MaxLines)
            {
                validation.Add("lines", $"must hold at most {OrdersEndpoints.MaxLines} lines.");
            }

            for (var i = 0; i < requested.Count; i++)
            {
                if (validation.Required($"lines[{i}]", requested[i]))
                {
                    var line = requested[i]!;
                    validation.Identifier($"lines[{i}].sku", line.Sku, "SKU");
                    validation.LineQuantity($"lines[{i}].quantity", line.Quantity);
                    if (line.Sku is not null && lines.Any(l => l.Sku == line.Sku))
                    {
                        validation.Add($"lines[{i}].sku", $"'{line.Sku}' is already a line; a cart holds one line per SKU.");
                    }

                    lines.Add(new CartLineRequest(line.Sku ?? "", line.Quantity ?? 0));
                }
            }
        }

        var (method, code) = (Method(validation, body.ShippingMethod), Code(validation, body.DiscountCode));
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var actor = http.User.ToActor();
        var id = idempotencyKey is null ? OrderIds.New(time, OrderIds.CartPrefix) : OrderIds.FromIdempotencyKey(actor.Id, idempotencyKey, OrderIds.CartPrefix);
        var command = new CreateCart(channel!.Value, currency, customer, lines, address, method, code, priority!.Value, actor);
        try
        {
            return TypedResults.Created($"/v1/carts/{id}", await grains.GetGrain<ICartGrain>(id).CreateAsync(command));
        }
        catch (DomainException ex) when (ex.Code == "cart-exists")
        {
            return Problems.Result(409, "idempotency-key-reused", "Idempotency-Key reused with a different request.",
                $"The key '{idempotencyKey}' was used for another request body; use a new key for a new cart.");
        }
    }

    public static async Task<Results<Ok<CartView>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains)
        => Validation.IsIdentifier(id) && await grains.GetGrain<ICartGrain>(id).GetAsync() is { } cart ? TypedResults.Ok(cart) : CartNotFound(id);

    public static async Task<Results<Ok<CartView>, ProblemHttpResult>> SetLineAsync(string id, string sku, SetLineRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        validation.Identifier("sku", sku, "SKU");
        if (validation.Required("body", body))
        {
            validation.LineQuantity("quantity", body!.Quantity, min: 0);
        }

        return await SetAsync(id, sku, body?.Quantity ?? 0, validation, http, grains);
    }

    public static Task<Results<Ok<CartView>, ProblemHttpResult>> RemoveLineAsync(string id, string sku, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        validation.Identifier("sku", sku, "SKU");
        return SetAsync(id, sku, 0, validation, http, grains);
    }

    public static async Task<Results<Ok<CartView>, ProblemHttpResult>> UpdateAsync(string id, UpdateCartRequest? body, HttpContext http, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return CartNotFound(id);
        }

        var validation = new Validation();
        if (body is null)
        {
            validation.Add("body", "is required.");
            return Problems.Validation(validation.Errors);
        }

        var customer = body.Customer is null ? null : OrdersEndpoints.Customer(validation, "customer", body.Customer);
        var address = body.ShippingAddress is null ? null : OrdersEndpoints.Address(validation, "shippingAddress", body.ShippingAddress);
        var priority = body.Priority is null ? null : validation.Enum<OrderPriority>("priority", body.Priority, default);
        var (method, code) = (body.ShippingMethod is "" ? "" : Method(validation, body.ShippingMethod), body.DiscountCode is "" ? "" : Code(validation, body.DiscountCode));
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        return TypedResults.Ok(await grains.GetGrain<ICartGrain>(id).UpdateAsync(new UpdateCart(customer, address, method, code, priority, http.User.ToActor())));
    }

    public static async Task<Results<Created<OrderView>, ProblemHttpResult>> CompleteAsync(string id, CompleteCartRequest? body, HttpContext http, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return CartNotFound(id);
        }

        var validation = new Validation();
        var payment = validation.Required("body", body) && validation.Required("payment", body!.Payment) ? OrdersEndpoints.Payment(validation, body.Payment!) : null;

        var customer = body?.Customer is null ? null : OrdersEndpoints.Customer(validation, "customer", body.Customer);
        if (body?.ExpectedTotal is < 0 or > DomainLimits.MaxOrderTotal)
        {
            validation.Add("expectedTotal", $"{body.ExpectedTotal} is not a total an order can have.");
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var completion = await grains.GetGrain<ICartGrain>(id).CompleteAsync(new CompleteCart(payment!, customer, http.User.ToActor(), body!.ExpectedTotal));
        return OrdersEndpoints.Placement(completion.Result, completion.Command, completion.OrderId, http);
    }

    private static async Task<Results<Ok<CartView>, ProblemHttpResult>> SetAsync(string id, string sku, int quantity, Validation validation, HttpContext http, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return CartNotFound(id);
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        return TypedResults.Ok(await grains.GetGrain<ICartGrain>(id).SetLineAsync(new SetCartLine(sku, quantity, http.User.ToActor())));
    }

    private static string? Method(Validation validation, string? method)
    {
        if (method is not null)
        {
            validation.Identifier("shippingMethod", method, "shipping method");
        }

        return method;
    }

    private static string? Code(Validation validation, string? code)
    {
        if (code is not null)
        {
            validation.Identifier("discountCode", code, "discount code");
        }

        return code is null ? null : DiscountEndpoints.Normalize(code);
    }

    private static ProblemHttpResult CartNotFound(string id) => Problems.Result(404, "cart-not-found", "Cart not found.", $"There is no cart '{id}'.");
}
