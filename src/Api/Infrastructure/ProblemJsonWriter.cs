using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace OrderActors.Api.Infrastructure;

/// <summary>
/// Writes problem+json whatever the request's Accept header says. The framework's writer declines requests that
/// accept no JSON (an event-stream client, say), and a declined error would become a 500; an error is always
/// answered in one shape.
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.Id ?? http.TraceIdentifier);
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json", http.RequestAborted));
    }
}
