using System.Security.Claims;
using OrderActors.Grains.Orders;

namespace OrderActors.Api.Infrastructure;

internal static class ClaimsActor
{
    /// <summary>The timeline's "who": the API key's role and name (never the key itself).</summary>
    public static Actor ToActor(this ClaimsPrincipal user)
        => new($"api-key:{user.FindFirstValue(ClaimTypes.Role)}", user.Identity?.Name ?? "unknown");
}
