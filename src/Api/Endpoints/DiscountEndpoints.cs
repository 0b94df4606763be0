using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains;
using OrderActors.Grains.Pricing;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// PUT /v1/discounts/{code}   create or replace a discount code's terms (ops)
/// GET /v1/discounts/{code}   the terms and how often it was used (ops)
/// </code>
/// </summary>
public static class DiscountEndpoints
{
    /// <summary>The largest usage limit a code may have.</summary>
    public const int MaxUsageLimit = 1_000_000_000;

    public static RouteGroupBuilder MapDiscountsApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/discounts").WithTags("Catalog");
        group.MapPut("/{code}", PutAsync).RequireAuthorization(Policies.ManageCatalog)
            .WithName("PutDiscount").WithSummary("Create or replace a discount code: percentage or fixed amount, minimum subtotal, window and usage limits")
            .ProducesProblems(422);
        group.MapGet("/{code}", GetAsync).RequireAuthorization(Policies.ManageCatalog)
            .WithName("GetDiscount").WithSummary("A discount code's terms and uses")
            .ProducesProblems(404);
        return group;
    }

    /// <summary>The body of <c>PUT /v1/discounts/{code}</c>.</summary>
    public sealed record PutDiscountRequest(
        string? Kind, decimal? Value, string? Currency, decimal? MinimumSubtotal, int? UsageLimit, int? PerCustomerLimit,
        DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, bool? Active);

    /// <summary>Codes are matched without regard to case: stored and looked up upper case.</summary>
    public static string Normalize(string code) => code.ToUpperInvariant();

    public static async Task<Results<Ok<DiscountView>, ProblemHttpResult>> PutAsync(string code, PutDiscountRequest? body, ClaimsPrincipal user, IGrainFactory grains)
    {
        var validation = new Validation();
        validation.Identifier("code", code, "discount code");
        if (body is null)
        {
            validation.Add("body", "is required.");
            return Problems.Validation(validation.Errors);
        }

        var kind = validation.SnakeCaseEnum<DiscountKind>("kind", body.Kind);
        if (validation.Required("value", body.Value))
        {
            if (kind == DiscountKind.Percentage && (body.Value is <= 0 or > 100 || decimal.Round(body.Value!.Value, 4) != body.Value))
            {
                validation.Add("value", $"{body.Value} must be a percentage above 0 and at most 100 with at most 4 decimals.");
            }
            else if (kind == DiscountKind.Fixed)
            {
                if (body.Value <= 0)
                {
                    validation.Add("value", $"{body.Value} must be above 0.");
                }
                else if (validation.Required("currency", body.Currency))
                {
                    if (IsoCodes.IsCurrency(body.Currency))
                    {
                        validation.Money("value", body.Value, body.Currency!, 0m, DomainLimits.MaxUnitPrice);
                    }
                    else
                    {
                        validation.Add("currency", "is not an ISO 4217 currency code such as USD or EUR.");
                    }
                }
            }
        }

        if (kind == DiscountKind.Percentage && body.Currency is not null)
        {
            validation.Add("currency", "applies to fixed amounts only.");
        }

        if (body.MinimumSubtotal is < 0 or > DomainLimits.MaxUnitPrice)
        {
            validation.Add("minimumSubtotal", $"{body.MinimumSubtotal} must be between 0 and {DomainLimits.MaxUnitPrice}.");
        }

        if (body.UsageLimit is < 1 or > MaxUsageLimit)
        {
            validation.Add("usageLimit", $"{body.UsageLimit} must be between 1 and {MaxUsageLimit}, or null for no limit.");
        }

        if (body.PerCustomerLimit is < 1 or > MaxUsageLimit)
        {
            validation.Add("perCustomerLimit", $"{body.PerCustomerLimit} must be between 1 and {MaxUsageLimit}, or null for no limit.");
        }

        if (body.StartsAt is { } starts && body.EndsAt is { } ends && ends <= starts)
        {
            validation.Add("endsAt", "must be after startsAt.");
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var command = new PutDiscount(kind!.Value, body.Value!.Value, body.Currency, body.MinimumSubtotal, body.UsageLimit, body.PerCustomerLimit,
            body.StartsAt, body.EndsAt, body.Active ?? true, user.ToActor());
        return TypedResults.Ok(await grains.GetGrain<IDiscountGrain>(Normalize(code)).PutAsync(command));
    }

    public static async Task<Results<Ok<DiscountView>, ProblemHttpResult>> GetAsync(string code, IGrainFactory grains)
        => Validation.IsIdentifier(code) && await grains.GetGrain<IDiscountGrain>(Normalize(code)).GetAsync() is { } discount
            ? TypedResults.Ok(discount)
            : Problems.Result(404, "discount-not-found", "Discount code not found.", $"There is no discount code '{code}'.");
}
