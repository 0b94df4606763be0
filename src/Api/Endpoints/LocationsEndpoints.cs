using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains.Locations;
using static OrderActors.Api.Endpoints.OrdersEndpoints;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// PUT /v1/locations/{id}   set a location's address {"address":{...}} (ops)
/// GET /v1/locations/{id}   the location's address
/// </code>
/// A location's address is the sender of the labels of parcels leaving it and the destination of return labels to it.
/// </summary>
public static class LocationsEndpoints
{
    public static RouteGroupBuilder MapLocationsApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/locations").WithTags("Locations");
        group.MapPut("/{id}", PutLocationAsync).RequireAuthorization(Policies.ManageInventory)
            .WithName("PutLocation").WithSummary("Set a location's address: the sender on its labels, the destination of returns to it")
            .ProducesProblems(422);
        group.MapGet("/{id}", GetLocationAsync).RequireAuthorization(Policies.ManageFulfillment)
            .WithName("GetLocation").WithSummary("The location's address")
            .ProducesProblems(404);
        return group;
    }

    /// <summary>The body of <c>PUT /v1/locations/{id}</c>.</summary>
    public sealed record PutLocationRequest(AddressRequest? Address);

    public static async Task<Results<Ok<LocationView>, ProblemHttpResult>> PutLocationAsync(string id, PutLocationRequest? body, IGrainFactory grains)
    {
        var validation = new Validation();
        validation.Identifier("id", id, "location id");
        var address = validation.Required("address", body?.Address) ? Address(validation, "address", body!.Address!) : null;
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        return TypedResults.Ok(await grains.GetGrain<ILocationGrain>(id).SetAsync(new SetLocation(address!)));
    }

    public static async Task<Results<Ok<LocationView>, ProblemHttpResult>> GetLocationAsync(string id, IGrainFactory grains)
        => Validation.IsIdentifier(id) && await grains.GetGrain<ILocationGrain>(id).GetAsync() is { } location
            ? TypedResults.Ok(location)
            : Problems.Result(404, "location-not-found", "Location not found.", $"Location '{id}' has no address yet.");
}
