using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using OrderActors.Api.Infrastructure;

namespace OrderActors.Api.OpenApi;

/// <summary>
/// The problem responses of the API as endpoint metadata, so that the OpenAPI document lists every status a route can
/// answer: <see cref="ProducesProblems"/> for what a handler or its grain refuses, <see cref="WithPipelineProblems{TBuilder}"/>
/// for what the middleware in front of every handler answers.
/// </summary>
public static class ApiResponses
{
    private const string ProblemJson = "application/problem+json";

    /// <summary>What each problem status means in this API, as the document describes it.</summary>
    private static readonly Dictionary<int, string> Meanings = new()
    {
        [400] = "`malformed-request`: the body is not JSON of this operation's shape, or a query value is not a number.",
        [401] = "`unauthorized`: no valid `X-Api-Key`. Every `/v1` route answers it before it checks anything else.",
        [402] = "`payment-declined`: the payment gateway refused; nothing was reserved or charged.",
        [403] = "`forbidden`: the key's role may not call this operation; `price-override-forbidden`: only ops and admin keys may set a price the catalog does not have.",
        [404] = "Not found: the `type` names what (`order-not-found`, `shipment-not-found`, …).",
        [409] = "Conflict with the current state: `invalid-transition` (with `currentState` and `allowedActions`), " +
            "`idempotency-key-reused`, or a limit the state sets (the `type` names it). Nothing was changed.",
        [413] = "`payload-too-large`: the body is larger than `OrderActors:Api:MaxRequestBodyBytes`.",
        [415] = "`unsupported-media-type`: send the body as `application/json`.",
        [422] = "`validation-failed` with `errors` per field, or a business rule the request breaks (the `type` names it). Nothing was changed.",
        [429] = "`rate-limited`: past this key's rate limit; `Retry-After` says when to try again.",
        [503] = "`timeout`, `outcome-unknown` (a silo went away mid-request), `cluster-unavailable` or `payment-unavailable`: " +
            "it may or may not have been applied; retrying with the same `Idempotency-Key` is safe.",
    };

    /// <summary>The statuses every authenticated route can answer before or after its handler runs.</summary>
    private static readonly int[] AuthenticatedStatuses = [401, 503];

    /// <summary>
    /// Declares problem responses of this route: <see cref="ProblemDetails"/>, or for 422
    /// <see cref="HttpValidationProblemDetails"/> (the <c>errors</c> per field), as <c>application/problem+json</c>.
    /// </summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
        => builder.WithMetadata([.. statuses.Select(Problem)]);

    /// <summary>
    /// Adds to every endpoint of <paramref name="builder"/> the problems the request pipeline answers in front of the
    /// handlers: 413 and 429 on every request; 401 and 503 on every authenticated route, 403 where its policy leaves a
    /// role out; 400 and 415 where the route reads a JSON body, 400 where it binds a number from the query. A status the
    /// route declares itself keeps its declaration.
    /// </summary>
    public static TBuilder WithPipelineProblems<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            var declared = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
            foreach (var status in PipelineStatuses(endpoint.Metadata).Where(declared.Add))
            {
                endpoint.Metadata.Add(Problem(status));
            }
        });
        return builder;
    }

    /// <summary>What a problem status means in this API (<see cref="ProblemResponsesTransformer"/> puts it in the document).</summary>
    public static string? Meaning(int status) => Meanings.GetValueOrDefault(status);

    /// <summary>The roles the route's policies admit, or null when it needs no key.</summary>
    public static IReadOnlyList<string>? RolesOf(IEnumerable<object> metadata)
    {
        var policies = metadata.OfType<IAuthorizeData>().ToList();
        if (policies.Count == 0 || metadata.OfType<IAllowAnonymous>().Any())
        {
            return null;
        }

        // Each policy must pass: a role has to be in every one of them.
        return [.. OrderActors.Api.Infrastructure.Roles.All.Where(role => policies.All(p => p.Policy is null || Policies.RolesByPolicy[p.Policy].Contains(role)))];
    }

    private static IEnumerable<int> PipelineStatuses(IList<object> metadata)
    {
        if (RolesOf(metadata) is { } roles)
        {
            foreach (var status in AuthenticatedStatuses)
            {
                yield return status;
            }

            if (roles.Count < OrderActors.Api.Infrastructure.Roles.All.Count)
            {
                yield return 403;
            }
        }

        if (metadata.OfType<IAcceptsMetadata>().Any())
        {
            yield return 400;
            yield return 415;
        }
        else if (metadata.OfType<System.Reflection.MethodInfo>().LastOrDefault()?.GetParameters().Any(BindsNumberFromQuery) == true)
        {
            yield return 400;
        }

        yield return 413; // the body limit is checked on every request, whatever the route reads
        yield return 429;
    }

    // Route values here are strings; a number parameter comes from the query, and a value that is no number is a 400.
    private static bool BindsNumberFromQuery(System.Reflection.ParameterInfo parameter)
        => (Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType) is var type && (type.IsPrimitive || type == typeof(decimal));

    private static ProducesResponseTypeMetadata Problem(int status)
        => new(status, status == StatusCodes.Status422UnprocessableEntity ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails), [ProblemJson]);
}
