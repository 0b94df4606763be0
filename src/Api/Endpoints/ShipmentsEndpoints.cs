using OrderActors.Api.Infrastructure;
using OrderActors.Grains.Locations;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// GET  /v1/shipments/{id}                  the shipment
/// GET  /v1/shipments/{id}/label            its label document (after it shipped)
/// POST /v1/shipments/{id}/pick             fulfilment steps (ops)
/// POST /v1/shipments/{id}/pack
/// POST /v1/shipments/{id}/ship             {"carrier"} optional: otherwise the cheapest that meets the promise
/// POST /v1/shipments/{id}/tracking         carrier callback {"status","detail","at"}
/// GET  /v1/locations/{location}/pick-queue shipments waiting to be picked, priority first, then oldest
/// </code>
/// Every step goes through the shipment's order, which keeps fulfilment, payment and notifications in step.
/// </summary>
public static class ShipmentsEndpoints
{
    public static IEndpointRouteBuilder MapShipmentsApiV1(this IEndpointRouteBuilder routes)
    {
        var shipments = routes.MapGroup("/v1/shipments").WithTags("Shipments");
        shipments.MapGet("/{id}", GetShipmentAsync).RequireAuthorization(Policies.ReadShipments);
        shipments.MapGet("/{id}/label", GetLabelAsync).RequireAuthorization(Policies.ManageFulfillment);
        shipments.MapPost("/{id}/pick", (string id, HttpContext http, IGrainFactory grains) => StepAsync(id, ShipmentAction.Pick, null, null, http, grains))
            .RequireAuthorization(Policies.ManageFulfillment);
        shipments.MapPost("/{id}/pack", (string id, HttpContext http, IGrainFactory grains) => StepAsync(id, ShipmentAction.Pack, null, null, http, grains))
            .RequireAuthorization(Policies.ManageFulfillment);
        shipments.MapPost("/{id}/ship", ShipAsync).RequireAuthorization(Policies.ManageFulfillment);
        shipments.MapPost("/{id}/tracking", TrackAsync).RequireAuthorization(Policies.ManageFulfillment);

        routes.MapGroup("/v1/locations").WithTags("Locations")
            .MapGet("/{location}/pick-queue", GetPickQueueAsync).RequireAuthorization(Policies.ManageFulfillment);
        return routes;
    }

    public sealed record ShipRequest(string? Carrier);

    public sealed record TrackingRequest(string? Status, string? Detail, DateTimeOffset? At);

    public static async Task<IResult> GetShipmentAsync(string id, IGrainFactory grains)
        => Validation.IsIdentifier(id) && await grains.GetGrain<IShipmentGrain>(id).GetAsync() is { } shipment
            ? TypedResults.Ok(shipment)
            : NotFound(id);

    public static async Task<IResult> GetLabelAsync(string id, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id) || await grains.GetGrain<IShipmentGrain>(id).GetAsync() is null)
        {
            return NotFound(id);
        }

        return await grains.GetGrain<IShipmentGrain>(id).GetLabelAsync() is { } label
            ? TypedResults.Ok(label)
            : Problems.Result(409, "label-not-ready", "No label yet.", $"Shipment '{id}' gets its label when it ships.");
    }

    public static Task<IResult> ShipAsync(string id, ShipRequest? body, HttpContext http, IGrainFactory grains)
    {
        if (body?.Carrier is { } carrier && !Validation.IsIdentifier(carrier))
        {
            var validation = new Validation();
            validation.Add("carrier", "is not a valid carrier code.");
            return Task.FromResult(Problems.Validation(validation.Errors));
        }

        return StepAsync(id, ShipmentAction.Ship, body?.Carrier, null, http, grains);
    }

    public static Task<IResult> TrackAsync(string id, TrackingRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        TrackingStatus? status = null;
        if (validation.Required("status", body?.Status))
        {
            status = Enum.GetValues<TrackingStatus>().Where(v => SnakeCase(v.ToString()) == body!.Status).Select(v => (TrackingStatus?)v).FirstOrDefault();
            if (status is null)
            {
                validation.Add("status", $"'{body!.Status}' is not one of: {string.Join(", ", Enum.GetNames<TrackingStatus>().Select(SnakeCase))}.");
            }
        }

        if (body?.Detail is { Length: > 500 })
        {
            validation.Add("detail", "must be at most 500 characters.");
        }

        return validation.IsValid
            ? StepAsync(id, ShipmentAction.Track, null, new TrackingEvent(status!.Value, body!.Detail, body.At), http, grains)
            : Task.FromResult(Problems.Validation(validation.Errors));
    }

    public static async Task<IResult> GetPickQueueAsync(string location, IGrainFactory grains, int? limit)
    {
        if (!Validation.IsIdentifier(location) || limit is < 1 or > 1000)
        {
            var validation = new Validation();
            if (!Validation.IsIdentifier(location))
            {
                validation.Add("location", "is not a valid location id.");
            }

            if (limit is < 1 or > 1000)
            {
                validation.Add("limit", "must be between 1 and 1000.");
            }

            return Problems.Validation(validation.Errors);
        }

        return TypedResults.Ok(await grains.GetGrain<IPickQueueGrain>(OrderActors.EventLog.EventLogStreamIdMappers.SingleGrainKey).ListAsync(location, limit ?? 100));
    }

    private static async Task<IResult> StepAsync(string id, ShipmentAction action, string? carrier, TrackingEvent? tracking, HttpContext http, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id) || await grains.GetGrain<IShipmentGrain>(id).GetAsync() is not { } shipment)
        {
            return NotFound(id);
        }

        var view = await grains.GetGrain<IOrderGrain>(shipment.OrderId)
            .UpdateShipmentAsync(new ShipmentCommand(id, action, carrier, tracking, http.User.ToActor()));
        return TypedResults.Ok(view);
    }

    private static string SnakeCase(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    private static IResult NotFound(string id) => Problems.Result(404, "shipment-not-found", "Shipment not found.", $"There is no shipment '{id}'.");
}
