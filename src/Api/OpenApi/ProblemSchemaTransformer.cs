using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OrderActors.Api.Infrastructure;

namespace OrderActors.Api.OpenApi;

/// <summary>
/// Describes problem+json as the API writes it (<see cref="Problems"/>, <see cref="ProblemJsonWriter"/>): a stable
/// <c>type</c> per kind of error, the <c>traceId</c> on every problem, and the extensions some problems carry.
/// </summary>
internal sealed class ProblemSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (context.JsonPropertyInfo is not null || (type != typeof(ProblemDetails) && type != typeof(HttpValidationProblemDetails)))
        {
            return Task.CompletedTask;
        }

        schema.Description = "An RFC 9457 problem. `type` is stable per kind of error; other members the problem's kind adds " +
            "(`shortages`, `skus`, `reason`) are described with the operation.";
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["type"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "uri",
            Description = $"`{Problems.TypePrefix}` followed by a kebab-case code that never changes for a kind of error, e.g. `{Problems.TypePrefix}out-of-stock`.",
        };
        schema.Properties["traceId"] = Text("The request's trace id, to find it in the logs.");
        if (type == typeof(HttpValidationProblemDetails))
        {
            schema.Properties["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "For `validation-failed`: the messages per invalid field, named as the request names it (`lines[0].quantity`).",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
        }
        else
        {
            schema.Properties["currentState"] = Text("For `invalid-transition`: the state the request was refused in.");
            schema.Properties["allowedActions"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { Type = JsonSchemaType.String },
                Description = "For `invalid-transition`: what may be done in that state.",
            };
        }

        foreach (var required in new[] { "type", "title", "status" })
        {
            schema.Required ??= new HashSet<string>();
            schema.Required.Add(required);
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };
}
