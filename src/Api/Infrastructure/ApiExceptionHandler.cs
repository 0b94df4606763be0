using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using OrderActors.Grains;
using Orleans.Runtime;

namespace OrderActors.Api.Infrastructure;

/// <summary>
/// Turns exceptions into problem+json: unreadable requests are 400/413, broken business rules 409/422/404,
/// a grain call that timed out, could not be delivered or has an unknown outcome 503. Anything else is a fault of ours: 500 without internals, and logged.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                Problems.Create(413, "payload-too-large", "The request body is too large."),
            BadHttpRequestException { InnerException: JsonException json } => MalformedJson(json),
            BadHttpRequestException bad =>
                Problems.Create(400, "malformed-request", "The request could not be read.", bad.Message),
            JsonException json => MalformedJson(json),
            DomainException domain => Problems.Create(
                domain.Kind switch
                {
                    DomainErrorKind.Conflict => 409,
                    DomainErrorKind.NotFound => 404,
                    DomainErrorKind.Unavailable => 503,
                    DomainErrorKind.PaymentRefused => 402,
                    _ => 422,
                },
                domain.Code, Title(domain.Code), domain.Message, Extensions(domain)),
            TimeoutException timeout =>
                Problems.Create(503, "timeout", "The request took too long; it is safe to retry with the same Idempotency-Key.", timeout.Message),
            // Orleans fails the calls a dead silo never answered once membership declares it dead: they may have run.
            SiloUnavailableException =>
                Problems.Create(503, "outcome-unknown",
                    "The silo handling this request went away before answering, so it may or may not have been applied; it is safe to retry with the same Idempotency-Key.",
                    exception.Message),
            OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException or GatewayTooBusyException or ClientNotAvailableException =>
                Problems.Create(503, "cluster-unavailable", "The silo owning this data could not be reached; it is safe to retry with the same Idempotency-Key.", exception.Message),
            _ => null,
        };

        if (problem is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}.", httpContext.Request.Method, httpContext.Request.Path);
            problem = Problems.Create(500, "internal-error", "An unexpected error occurred.", $"Trace id {httpContext.TraceIdentifier}.");
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    // The serializer's own message names our CLR types; say where the problem is instead.
    private static Microsoft.AspNetCore.Mvc.ProblemDetails MalformedJson(JsonException json)
        => Problems.Create(400, "malformed-request", "The request body is not valid JSON for this endpoint.",
            json.Path is { Length: > 0 } path
                ? $"The value at '{path}' (line {json.LineNumber + 1}, byte {json.BytePositionInLine}) is missing, malformed or of the wrong type."
                : $"The body is not well-formed JSON (line {json.LineNumber + 1}, byte {json.BytePositionInLine}).");

    private static Dictionary<string, object?>? Extensions(DomainException domain)
        => domain switch
        {
            { Field: { } field } => new() { ["errors"] = new Dictionary<string, string[]> { [field] = [domain.Message] } },
            { CurrentState: { } state } => new() { ["currentState"] = state, ["allowedActions"] = domain.AllowedActions ?? [] },
            _ => null,
        };

    private static string Title(string code) => char.ToUpperInvariant(code[0]) + code[1..].Replace('-', ' ') + ".";
}
