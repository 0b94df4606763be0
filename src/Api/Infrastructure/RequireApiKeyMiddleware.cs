using Microsoft.AspNetCore.Authentication;

namespace OrderActors.Api.Infrastructure;

/// <summary>
/// Every <c>/v1</c> request needs a valid key before anything else is said about it: without one the answer is 401,
/// also where routing already decided on a 405 or 415 (those endpoints carry no authorization of their own).
/// </summary>
internal sealed class RequireApiKeyMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
        => context.Request.Path.StartsWithSegments("/v1") && context.User.Identity?.IsAuthenticated != true
            ? context.ChallengeAsync(ApiKeyAuthenticationHandler.SchemeName)
            : next(context);
}
