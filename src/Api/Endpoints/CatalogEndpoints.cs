using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains;
using OrderActors.Grains.Catalog;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// PUT /v1/products/{sku}   create or replace a catalog entry: title, prices per currency, tax class, weight, status,
///                          backorder, releaseAt (ops)
/// GET /v1/products/{sku}   the entry
/// GET /v1/products         the catalog, by SKU (currency, includeArchived, limit, after)
/// </code>
/// </summary>
public static class CatalogEndpoints
{
    public const int DefaultPage = 50;
    public const int MaxPage = 500;

    /// <summary>The tax classes a product may have; the tax rules are written per class.</summary>
    public static readonly IReadOnlySet<string> TaxClasses = new HashSet<string>(StringComparer.Ordinal) { "standard", "reduced", "zero", "exempt" };

    public static RouteGroupBuilder MapCatalogApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/products").WithTags("Catalog");
        group.MapPut("/{sku}", PutProductAsync).RequireAuthorization(Policies.ManageCatalog)
            .WithName("PutProduct").WithSummary("Create or replace a catalog entry: title, prices per currency, tax class, weight, status, backorders, preorder release date")
            .ProducesProblems(422);
        group.MapGet("/{sku}", GetProductAsync).RequireAuthorization(Policies.ReadCatalog)
            .WithName("GetProduct").WithSummary("A catalog entry")
            .ProducesProblems(404);
        group.MapGet("/", ListProductsAsync).RequireAuthorization(Policies.ReadCatalog)
            .WithName("ListProducts").WithSummary("The catalog by SKU, optionally only what is priced in a currency")
            .ProducesProblems(422);
        return group;
    }

    /// <summary>The body of <c>PUT /v1/products/{sku}</c>.</summary>
    /// <param name="Title">The name shown to buyers.</param>
    /// <param name="Prices">The unit price per ISO 4217 currency.</param>
    /// <param name="TaxClass">standard (default), reduced, zero or exempt.</param>
    /// <param name="WeightGrams">Shipping weight of one unit.</param>
    /// <param name="Status">active (default) or archived.</param>
    /// <param name="Backorder">Whether orders are accepted beyond stock (default false).</param>
    /// <param name="ReleaseAt">A preorder's release date (ISO 8601 with an offset): sold before it, nothing allocated or shipped before it.</param>
    public sealed record PutProductRequest(string? Title, Dictionary<string, decimal>? Prices, string? TaxClass, int? WeightGrams, string? Status,
        bool? Backorder = null, DateTimeOffset? ReleaseAt = null);

    /// <summary>The body of <c>GET /v1/products</c>.</summary>
    /// <param name="Products">Entries by SKU.</param>
    /// <param name="Next">The <c>after</c> of the next page; null on the last.</param>
    public sealed record ProductsPage(IReadOnlyList<ProductView> Products, string? Next);

    public static async Task<Results<Ok<ProductView>, ProblemHttpResult>> PutProductAsync(string sku, PutProductRequest? body, ClaimsPrincipal user, IGrainFactory grains)
    {
        var validation = new Validation();
        var command = Validate(sku, body, user, validation);
        return command is null
            ? Problems.Validation(validation.Errors)
            : TypedResults.Ok(await grains.GetGrain<IProductGrain>(sku).PutAsync(command));
    }

    public static async Task<Results<Ok<ProductView>, ProblemHttpResult>> GetProductAsync(string sku, IGrainFactory grains)
        => Validation.IsIdentifier(sku) && await grains.GetGrain<IProductGrain>(sku).GetAsync() is { } product
            ? TypedResults.Ok(product)
            : Problems.Result(404, "product-not-found", "Product not found.", $"There is no catalog entry '{sku}'.");

    public static async Task<Results<Ok<ProductsPage>, ProblemHttpResult>> ListProductsAsync(
        string? currency, string? includeArchived, string? limit, string? after, IGrainFactory grains)
    {
        var validation = new Validation();
        if (currency is not null && !IsoCodes.IsCurrency(currency))
        {
            validation.Add("currency", "is not an ISO 4217 currency code such as USD or EUR.");
        }

        var archived = includeArchived switch
        {
            null or "false" => false,
            "true" => true,
            _ => Invalid(validation, "includeArchived", "must be true or false."),
        };
        var size = ReportQueries.Limit(limit, DefaultPage, MaxPage, validation);
        if (after is not null && !Validation.IsIdentifier(after))
        {
            validation.Add("after", "is not a SKU.");
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var page = await grains.GetGrain<ICatalogGrain>(OrderActors.EventLog.EventLogStreamIdMappers.SingleGrainKey).ListAsync(new CatalogQuery(currency, archived, size, after));
        return TypedResults.Ok(new ProductsPage(page.Products, page.Next));
    }

    private static bool Invalid(Validation validation, string field, string message)
    {
        validation.Add(field, message);
        return false;
    }

    /// <summary>The command for a valid request, or null with the errors in <paramref name="validation"/>.</summary>
    internal static PutProduct? Validate(string sku, PutProductRequest? body, ClaimsPrincipal user, Validation validation)
    {
        validation.Identifier("sku", sku, "SKU");
        if (body is null)
        {
            validation.Add("body", "is required.");
            return null;
        }

        var title = validation.Text("title", body.Title, DomainLimits.MaxNameLength, required: true);
        if (validation.Required("prices", body.Prices))
        {
            if (body.Prices!.Count is 0 or > DomainLimits.MaxPricesPerProduct)
            {
                validation.Add("prices", $"must hold between 1 and {DomainLimits.MaxPricesPerProduct} currencies.");
            }

            foreach (var (currency, price) in body.Prices)
            {
                if (!IsoCodes.IsCurrency(currency))
                {
                    validation.Add($"prices.{(currency.Length > 10 ? currency[..10] + "…" : currency)}", "is not an ISO 4217 currency code such as USD or EUR.");
                    continue;
                }

                validation.Money($"prices.{currency}", price, currency, 0m, DomainLimits.MaxUnitPrice);
            }
        }

        var taxClass = body.TaxClass ?? "standard";
        if (!TaxClasses.Contains(taxClass))
        {
            validation.Add("taxClass", $"must be one of {string.Join(", ", TaxClasses.Order(StringComparer.Ordinal))}.");
        }

        if (body.WeightGrams is < 0 or > DomainLimits.MaxWeightGrams)
        {
            validation.Add("weightGrams", $"{body.WeightGrams} must be between 0 and {DomainLimits.MaxWeightGrams}.");
        }

        var status = validation.SnakeCaseEnum<ProductStatus>("status", body.Status, ProductStatus.Active);
        if (body.ReleaseAt is { } releaseAt && (releaseAt.Year < 2000 || releaseAt.Year > 9000))
        {
            validation.Add("releaseAt", $"{releaseAt:O} is not a plausible release date (years 2000 to 9000).");
        }

        return validation.IsValid
            ? new PutProduct(title!, body.Prices!, taxClass, body.WeightGrams, status!.Value, user.ToActor(), body.Backorder ?? false, body.ReleaseAt?.ToUniversalTime())
            : null;
    }
}
