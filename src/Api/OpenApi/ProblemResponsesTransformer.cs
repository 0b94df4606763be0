using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrderActors.Api.OpenApi;

/// <summary>
/// Says what each problem status means in this API instead of its reason phrase, and declares the <c>Retry-After</c>
/// header of the responses that carry it.
/// </summary>
internal sealed class ProblemResponsesTransformer : IOpenApiOperationTransformer
{
    private static readonly int[] RetryAfterStatuses = [StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable];

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var (key, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse problem || !int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var status)
                || ApiResponses.Meaning(status) is not { } meaning)
            {
                continue;
            }

            problem.Description = meaning;
            if (RetryAfterStatuses.Contains(status))
            {
                problem.Headers ??= new Dictionary<string, IOpenApiHeader>();
                problem.Headers["Retry-After"] = new OpenApiHeader
                {
                    Description = status == StatusCodes.Status429TooManyRequests
                        ? "Seconds to wait before the next request."
                        : "Seconds to wait before retrying, when the API knows (`payment-unavailable`).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                };
            }
        }

        return Task.CompletedTask;
    }
}
