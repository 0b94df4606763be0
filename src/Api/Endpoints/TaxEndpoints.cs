using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains;
using OrderActors.Grains.Pricing;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// PUT /v1/tax-regions/{code}   set a country's (DE) or region's (US-CA) rates per tax class (ops)
/// GET /v1/tax-regions/{code}   the rules
/// </code>
/// </summary>
public static class TaxEndpoints
{
    /// <summary>The highest rate a tax class may have, in percent.</summary>
    public const decimal MaxRate = 100m;

    public static RouteGroupBuilder MapTaxApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/tax-regions").WithTags("Catalog");
        group.MapPut("/{code}", PutAsync).RequireAuthorization(Policies.ManageCatalog)
            .WithName("PutTaxRegion").WithSummary("Set the tax rates of a country (DE) or region (US-CA) per tax class, and whether prices include them")
            .ProducesProblems(422);
        group.MapGet("/{code}", GetAsync).RequireAuthorization(Policies.ReadCatalog)
            .WithName("GetTaxRegion").WithSummary("A country's or region's tax rules")
            .ProducesProblems(404);
        return group;
    }

    /// <summary>The body of <c>PUT /v1/tax-regions/{code}</c>: rates in percent per tax class.</summary>
    public sealed record PutTaxRegionRequest(Dictionary<string, decimal>? Rates, bool? PricesIncludeTax, bool? TaxShipping);

    public static async Task<Results<Ok<TaxRegionView>, ProblemHttpResult>> PutAsync(string code, PutTaxRegionRequest? body, ClaimsPrincipal user, IGrainFactory grains)
    {
        var validation = new Validation();
        if (!IsCode(code))
        {
            validation.Add("code", "is not an ISO 3166-1 alpha-2 country (DE) or a country and a region of 1 to 3 letters or digits (US-CA).");
        }

        if (body is null)
        {
            validation.Add("body", "is required.");
        }
        else if (validation.Required("rates", body.Rates))
        {
            if (body.Rates!.Count > CatalogEndpoints.TaxClasses.Count)
            {
                validation.Add("rates", $"may hold at most {CatalogEndpoints.TaxClasses.Count} tax classes.");
            }

            foreach (var (taxClass, rate) in body.Rates)
            {
                if (!CatalogEndpoints.TaxClasses.Contains(taxClass))
                {
                    validation.Add("rates", $"'{(taxClass.Length > 20 ? taxClass[..20] + "…" : taxClass)}' is not a tax class: use {string.Join(", ", CatalogEndpoints.TaxClasses.Order(StringComparer.Ordinal))}.");
                }
                else if (rate is < 0 or > MaxRate || decimal.Round(rate, 4) != rate)
                {
                    validation.Add($"rates.{taxClass}", $"{rate} must be a percentage from 0 to {MaxRate} with at most 4 decimals.");
                }
            }
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var command = new PutTaxRegion(body!.Rates!, body.PricesIncludeTax ?? false, body.TaxShipping ?? false, user.ToActor());
        return TypedResults.Ok(await grains.GetGrain<ITaxRegionGrain>(code).PutAsync(command));
    }

    public static async Task<Results<Ok<TaxRegionView>, ProblemHttpResult>> GetAsync(string code, IGrainFactory grains)
        => IsCode(code) && await grains.GetGrain<ITaxRegionGrain>(code).GetAsync() is { } region
            ? TypedResults.Ok(region)
            : Problems.Result(404, "tax-region-not-found", "Tax region not found.", $"No tax rules were set for '{code}'.");

    // DE, or US-CA: the key an order's shipping address looks up (its country, and its region when it names one).
    private static bool IsCode(string code)
    {
        var parts = code.Split('-');
        return parts.Length is 1 or 2 && IsoCodes.IsCountry(parts[0])
            && (parts.Length == 1 || parts[1].Length is >= 1 and <= 3 && parts[1].All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)));
    }
}
