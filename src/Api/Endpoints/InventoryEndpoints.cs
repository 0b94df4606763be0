using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Grains.Inventory;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// PUT /v1/inventory/{sku}   set on-hand per location and substitutes (ops)
/// GET /v1/inventory/{sku}   stock levels per location
/// </code>
/// </summary>
public static class InventoryEndpoints
{
    public const int MaxQuantity = 1_000_000_000;

    public static RouteGroupBuilder MapInventoryApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/inventory").WithTags("Inventory");
        group.MapPut("/{sku}", PutStockAsync).RequireAuthorization(Policies.ManageInventory);
        group.MapGet("/{sku}", GetStockAsync).RequireAuthorization(Policies.ReadInventory);
        return group;
    }

    /// <summary>The body of <c>PUT /v1/inventory/{sku}</c>.</summary>
    public sealed record PutStockRequest(Dictionary<string, int>? Locations, List<string>? Substitutes);

    public static async Task<IResult> PutStockAsync(string sku, PutStockRequest? body, IGrainFactory grains)
    {
        var validation = new Validation();
        validation.Identifier("sku", sku, "SKU");
        if (validation.Required("locations", body?.Locations))
        {
            foreach (var (location, onHand) in body!.Locations!)
            {
                if (!Validation.IsIdentifier(location))
                {
                    validation.Add($"locations.{location}", "is not a valid location id: use 1 to 100 letters, digits, '.', '_' or '-'.");
                }

                if (onHand is < 0 or > MaxQuantity)
                {
                    validation.Add($"locations.{location}", $"on-hand {onHand} must be between 0 and {MaxQuantity}.");
                }
            }
        }

        var substitutes = body?.Substitutes ?? [];
        for (var i = 0; i < substitutes.Count; i++)
        {
            if (!Validation.IsIdentifier(substitutes[i]))
            {
                validation.Add($"substitutes[{i}]", "is not a valid SKU.");
            }
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var command = new SetStock(body!.Locations!.Select(l => new LocationQuantity(l.Key, l.Value)).ToArray(), substitutes);
        var view = await grains.GetGrain<IInventoryGrain>(sku).SetStockAsync(command);
        return TypedResults.Ok(view);
    }

    public static async Task<IResult> GetStockAsync(string sku, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(sku))
        {
            return UnknownSku(sku);
        }

        return await grains.GetGrain<IInventoryGrain>(sku).GetAsync() is { } view ? TypedResults.Ok(view) : UnknownSku(sku);
    }

    private static IResult UnknownSku(string sku)
        => Problems.Result(404, "unknown-sku", "Unknown SKU.", $"SKU '{sku}' has never been stocked.");
}
