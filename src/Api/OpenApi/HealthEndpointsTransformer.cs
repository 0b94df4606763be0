using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrderActors.Api.OpenApi;

/// <summary>
/// Adds the health checks to the document. <c>MapHealthChecks</c> maps a request delegate, which API Explorer does not
/// describe, and probes are part of the contract too.
/// </summary>
internal sealed class HealthEndpointsTransformer : IOpenApiDocumentTransformer
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    private const string Tag = "Health";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = Tag, Description = "Liveness and readiness probes; no key needed." });
        document.Paths.Add(LivePath, Probe(document, "GetLiveness", "Liveness: the process answers", "Always `Healthy` while the process serves requests."));
        document.Paths.Add(ReadyPath, Probe(document, "GetReadiness", "Readiness: a silo answers",
            "`Healthy` once the co-hosted silo (embedded) or a silo of the cluster (client mode) answers; `Unhealthy` with 503 until then."));
        return Task.CompletedTask;
    }

    private static OpenApiPathItem Probe(OpenApiDocument document, string operationId, string summary, string description)
    {
        var operation = new OpenApiOperation
        {
            OperationId = operationId,
            Summary = summary,
            Description = description,
            Tags = new HashSet<OpenApiTagReference> { new(Tag, document) },
            Responses = new OpenApiResponses
            {
                ["200"] = PlainText("`Healthy`."),
                ["503"] = PlainText("`Unhealthy`."),
            },
        };
        foreach (var status in new[] { 413, 429 })
        {
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = ApiResponses.Meaning(status),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(nameof(Microsoft.AspNetCore.Mvc.ProblemDetails), document) },
                },
            };
        }

        var path = new OpenApiPathItem();
        path.AddOperation(HttpMethod.Get, operation);
        return path;
    }

    private static OpenApiResponse PlainText(string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
    };
}
