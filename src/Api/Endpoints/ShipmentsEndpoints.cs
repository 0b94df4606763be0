using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
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
        shipments.MapGet("/{id}", GetShipmentAsync).RequireAuthorization(Policies.ReadShipments)
            .WithName("GetShipment").WithSummary("The shipment: location, status, lines, carrier, tracking, cost, events, allowed actions")
            .ProducesProblems(404);
        shipments.MapGet("/{id}/label", GetLabelAsync).RequireAuthorization(Policies.ManageFulfillment)
            .WithName("GetShipmentLabel").WithSummary("The shipment's label (ZPL) once it shipped")
            .ProducesProblems(404, 409);
        shipments.MapPost("/{id}/pick", (string id, HttpContext http, IGrainFactory grains) => StepAsync(id, ShipmentAction.Pick, null, null, http, grains))
            .RequireAuthorization(Policies.ManageFulfillment)
            .WithName("PickShipment").WithSummary("Fulfilment step: the shipment's units are picked")
            .ProducesProblems(404, 409, 422);
        shipments.MapPost("/{id}/pack", (string id, HttpContext http, IGrainFactory grains) => StepAsync(id, ShipmentAction.Pack, null, null, http, grains))
            .RequireAuthorization(Policies.ManageFulfillment)
            .WithName("PackShipment").WithSummary("Fulfilment step: the shipment is packed")
            .ProducesProblems(404, 409, 422);
        shipments.MapPost("/{id}/ship", ShipAsync).RequireAuthorization(Policies.ManageFulfillment)
            .WithName("ShipShipment").WithSummary("Buy a label (the named carrier, or the cheapest that meets the promise), commit the stock, capture the payment")
            .ProducesProblems(404, 409, 422);
        shipments.MapPost("/{id}/tracking", TrackAsync).RequireAuthorization(Policies.ManageFulfillment)
            .WithName("TrackShipment").WithSummary("Carrier callback: a tracking event such as in_transit or delivered")
            .ProducesProblems(404, 409, 422);

        routes.MapGroup("/v1/locations").WithTags("Locations")
            .MapGet("/{location}/pick-queue", GetPickQueueAsync).RequireAuthorization(Policies.ManageFulfillment)
            .WithName("GetPickQueue").WithSummary("Shipments waiting to be picked at a location: vip, then express, then standard, oldest first")
            .ProducesProblems(422);
        return routes;
    }

    public sealed record ShipRequest(string? Carrier);

    public sealed record TrackingRequest(string? Status, string? Detail, DateTimeOffset? At);

    public static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> GetShipmentAsync(string id, IGrainFactory grains)
        => Validation.IsIdentifier(id) && await grains.GetGrain<IShipmentGrain>(id).GetAsync() is { } shipment
            ? TypedResults.Ok(shipment)
            : NotFound(id);

    public static async Task<Results<Ok<ShipmentLabelView>, ProblemHttpResult>> GetLabelAsync(string id, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id) || await grains.GetGrain<IShipmentGrain>(id).GetAsync() is null)
        {
            return NotFound(id);
        }

        return await grains.GetGrain<IShipmentGrain>(id).GetLabelAsync() is { } label
            ? TypedResults.Ok(label)
            : Problems.Result(409, "label-not-ready", "No label yet.", $"Shipment '{id}' gets its label when it ships.");
    }

    public static Task<Results<Ok<ShipmentView>, ProblemHttpResult>> ShipAsync(string id, ShipRequest? body, HttpContext http, IGrainFactory grains)
    {
        if (body?.Carrier is { } carrier && !Validation.IsIdentifier(carrier))
        {
            var validation = new Validation();
            validation.Add("carrier", "is not a valid carrier code.");
            return Task.FromResult<Results<Ok<ShipmentView>, ProblemHttpResult>>(Problems.Validation(validation.Errors));
        }

        return StepAsync(id, ShipmentAction.Ship, body?.Carrier, null, http, grains);
    }

    public static Task<Results<Ok<ShipmentView>, ProblemHttpResult>> TrackAsync(string id, TrackingRequest? body, HttpContext http, IGrainFactory grains)
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
            : Task.FromResult<Results<Ok<ShipmentView>, ProblemHttpResult>>(Problems.Validation(validation.Errors));
    }

    public static async Task<Results<Ok<PickQueueView>, ProblemHttpResult>> GetPickQueueAsync(string location, IGrainFactory grains, int? limit)
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

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> StepAsync(string id, ShipmentAction action, string? carrier, TrackingEvent? tracking, HttpContext http, IGrainFactory grains)
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

    private static ProblemHttpResult NotFound(string id) => Problems.Result(404, "shipment-not-found", "Shipment not found.", $"There is no shipment '{id}'.");
}
