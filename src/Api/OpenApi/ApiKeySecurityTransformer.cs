using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OrderActors.Api.Infrastructure;

namespace OrderActors.Api.OpenApi;

/// <summary>
/// Declares the <c>X-Api-Key</c> header as the document's apiKey security scheme and requires it on every operation
/// whose route needs a key, naming in the operation's description the roles its policy admits.
/// </summary>
internal sealed class ApiKeySecurityTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string SchemeId = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = $"An API key of one of the roles {string.Join(", ", Roles.All.Select(r => $"`{r}`"))}; each operation names the roles it admits " +
                "(`admin` may call everything). Keys are configured under `OrderActors:Api:Keys`.",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (ApiResponses.RolesOf(context.Description.ActionDescriptor.EndpointMetadata) is not { } roles)
        {
            return Task.CompletedTask;
        }

        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeId, context.Document)] = [] }];
        var admitted = $"Roles: {string.Join(", ", roles.Select(r => $"`{r}`"))}.";
        operation.Description = operation.Description is { Length: > 0 } description ? $"{description}\n\n{admitted}" : admitted;
        return Task.CompletedTask;
    }
}
