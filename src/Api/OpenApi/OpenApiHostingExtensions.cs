using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace OrderActors.Api.OpenApi;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and its browsable reference at <c>/docs</c>.</summary>
public static class OpenApiHostingExtensions
{
    /// <summary>Where the document is served.</summary>
    public const string DocumentPath = "/openapi/v1.json";

    /// <summary>Where the browsable reference is served.</summary>
    public const string ReferencePath = "/docs";

    /// <summary>Generates the document from the endpoints' metadata, with the security scheme, problem shapes and probes added.</summary>
    public static IServiceCollection AddOrderActorsOpenApi(this IServiceCollection services)
        => services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "OrderActors API";
                document.Info.Description =
                    "Orders, stock, fulfilment, after-sales and reports of the OrderActors order management system. JSON in camelCase, enums as " +
                    "snake_case strings; every error is `application/problem+json` with a stable `type`, and no request is answered with a 500. " +
                    "Creating POSTs honour `Idempotency-Key`. The README's route table says what each call does.";
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer<ApiKeySecurityTransformer>();
            options.AddOperationTransformer<ApiKeySecurityTransformer>();
            options.AddOperationTransformer<ProblemResponsesTransformer>();
            options.AddDocumentTransformer<HealthEndpointsTransformer>();
            options.AddSchemaTransformer<ProblemSchemaTransformer>();
            options.AddSchemaTransformer(OptionalWhenNullable);
        });

    // ASP.NET Core marks every parameter of a record's constructor required, but a nullable one may be left out (the
    // API reads it as null and applies its default, e.g. channel, priority, currency): a client generated from the
    // document must not be made to send it. What the validators do require, they answer with a 422 naming the field.
    private static Task OptionalWhenNullable(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Required is { Count: > 0 } required && context.JsonTypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object)
        {
            foreach (var property in context.JsonTypeInfo.Properties)
            {
                if (!property.IsRequired && (property.IsSetNullable || Nullable.GetUnderlyingType(property.PropertyType) is not null))
                {
                    required.Remove(property.Name);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Maps the document and the Scalar reference; neither needs a key, and the reference loads nothing from outside.</summary>
    public static IEndpointRouteBuilder MapOrderActorsOpenApi(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi(DocumentPath.Replace("v1", "{documentName}", StringComparison.Ordinal));
        routes.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("OrderActors API")
            .WithOpenApiRoutePattern(DocumentPath)
            .AddPreferredSecuritySchemes(ApiKeySecurityTransformer.SchemeId)
            .DisableDefaultFonts()
            .DisableTelemetry());
        return routes;
    }
}
