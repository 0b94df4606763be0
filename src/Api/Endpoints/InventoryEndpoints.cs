using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains;
using OrderActors.Grains.Inventory;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// PUT /v1/inventory/{sku}   set on-hand per location and substitutes (ops)
/// GET /v1/inventory/{sku}   stock levels per location, in transit and written off
/// </code>
/// Adjustments, transfers and the movement history are in <see cref="StockMovementEndpoints"/>.
/// </summary>
public static class InventoryEndpoints
{
    public static RouteGroupBuilder MapInventoryApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/inventory").WithTags("Inventory");
        group.MapPut("/{sku}", PutStockAsync).RequireAuthorization(Policies.ManageInventory)
            .WithName("PutStock").WithSummary("Set on-hand per location (in allocation priority order) and substitutes")
            .ProducesProblems(409, 422);
        group.MapGet("/{sku}", GetStockAsync).RequireAuthorization(Policies.ReadInventory)
            .WithName("GetStock").WithSummary("On-hand, reserved, available, committed and written-off stock per location, and transfers in transit")
            .ProducesProblems(404);
        return group;
    }

    /// <summary>The body of <c>PUT /v1/inventory/{sku}</c>.</summary>
    public sealed record PutStockRequest(Dictionary<string, int>? Locations, List<string>? Substitutes);

    public static async Task<Results<Ok<InventoryView>, ProblemHttpResult>> PutStockAsync(string sku, PutStockRequest? body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation();
        var command = Validate(sku, body, validation);
        if (command is null)
        {
            return Problems.Validation(validation.Errors);
        }

        var view = await grains.GetGrain<IInventoryGrain>(sku).SetStockAsync(command with { Actor = http.User.ToActor() });
        return TypedResults.Ok(view);
    }

    /// <summary>The command for a valid request, or null with the errors in <paramref name="validation"/>.</summary>
    internal static SetStock? Validate(string sku, PutStockRequest? body, Validation validation)
    {
        validation.Identifier("sku", sku, "SKU");
        if (validation.Required("locations", body?.Locations))
        {
            var locations = body!.Locations!;
            if (locations.Count > DomainLimits.MaxLocationsPerSku)
            {
                validation.Add("locations", $"may hold at most {DomainLimits.MaxLocationsPerSku} locations.");
            }

            foreach (var (location, onHand) in locations)
            {
                if (!Validation.IsIdentifier(location))
                {
                    validation.Add($"locations.{location}", $"is not a valid location id: use 1 to {DomainLimits.MaxIdentifierLength} letters, digits, '.', '_' or '-'.");
                }

                if (onHand is < 0 or > DomainLimits.MaxOnHandPerLocation)
                {
                    validation.Add($"locations.{location}", $"on-hand {onHand} must be between 0 and {DomainLimits.MaxOnHandPerLocation}.");
                }
            }

            if (locations.Values.Sum(v => (long)v) > DomainLimits.MaxOnHandPerSku)
            {
                validation.Add("locations", $"hold {locations.Values.Sum(v => (long)v)} units in all; a SKU holds at most {DomainLimits.MaxOnHandPerSku}.");
            }
        }

        var substitutes = body?.Substitutes ?? [];
        if (substitutes.Count > DomainLimits.MaxSubstitutes)
        {
            validation.Add("substitutes", $"may hold at most {DomainLimits.MaxSubstitutes} SKUs.");
        }

        for (var i = 0; i < substitutes.Count; i++)
        {
            if (!Validation.IsIdentifier(substitutes[i]))
            {
                validation.Add($"substitutes[{i}]", "is not a valid SKU.");
            }
            else if (substitutes[i] == sku)
            {
                validation.Add($"substitutes[{i}]", "is the SKU itself; a SKU cannot substitute for itself.");
            }
        }

        return validation.IsValid ? new SetStock(body!.Locations!.Select(l => new LocationQuantity(l.Key, l.Value)).ToArray(), substitutes) : null;
    }

    public static async Task<Results<Ok<InventoryView>, ProblemHttpResult>> GetStockAsync(string sku, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(sku))
        {
            return UnknownSku(sku);
        }

        return await grains.GetGrain<IInventoryGrain>(sku).GetAsync() is { } view ? TypedResults.Ok(view) : UnknownSku(sku);
    }

    internal static ProblemHttpResult UnknownSku(string sku)
        => Problems.Result(404, "unknown-sku", "Unknown SKU.", $"SKU '{sku}' has never been stocked.");
}
