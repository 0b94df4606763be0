using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains.Customers;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// GET /v1/customers/{id}/orders   the customer's orders, newest first, each as it is now (limit, after)
/// </code>
/// <c>GET /v1/orders?customer=</c> (<see cref="OrdersEndpoints"/>) answers the same; it also takes customer ids a path
/// segment cannot carry (with a '/').
/// </summary>
/// <remarks>
/// Read from the customer grain, which each order tells while it is placed, not from the orders report: an order is
/// listed as soon as its placement answers 201, and a refused one never is.
/// </remarks>
public static class CustomersEndpoints
{
    public const int DefaultPage = 20;
    public const int MaxPage = 100;

    public static RouteGroupBuilder MapCustomersApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/customers").WithTags("Customers");
        group.MapGet("/{id}/orders", (string id, string? limit, string? after, IGrainFactory grains) => ListOrdersAsync("id", id, limit, after, grains))
            .RequireAuthorization(Policies.ReadOrders)
            .WithName("ListCustomerOrders").WithSummary("A customer's orders, newest first, each as it is now; listed as soon as its placement answers")
            .ProducesProblems(422);
        return group;
    }

    /// <summary>A page of a customer's orders; a customer without orders has an empty list, not a 404.</summary>
    /// <param name="field">The name of the customer id in the request, for its field error.</param>
    /// <param name="customer">The customer id, as orders carry it.</param>
    /// <param name="limit">1 to <see cref="MaxPage"/>, default <see cref="DefaultPage"/>.</param>
    /// <param name="after">The previous page's <c>next</c>: the order this page starts after.</param>
    /// <param name="grains">The grain factory.</param>
    internal static async Task<Results<Ok<CustomerOrdersPage>, ProblemHttpResult>> ListOrdersAsync(
        string field, string? customer, string? limit, string? after, IGrainFactory grains)
    {
        var validation = new Validation();
        validation.CustomerId(field, customer);
        var size = ReportQueries.Limit(limit, DefaultPage, MaxPage, validation);
        if (after is not null && !Validation.IsIdentifier(after))
        {
            validation.Add("after", "is not an order id.");
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        if (await grains.GetGrain<ICustomerGrain>(customer!).ListOrdersAsync(new CustomerOrdersQuery(size, after)) is not { } page)
        {
            validation.Add("after", $"'{after}' is not one of this customer's orders.");
            return Problems.Validation(validation.Errors);
        }

        return TypedResults.Ok(page);
    }
}
