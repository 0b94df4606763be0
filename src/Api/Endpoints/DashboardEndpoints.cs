using System.Text;
using Orleans.Dashboard;
using OrderActors.Api.Infrastructure;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// Orleans' dashboard at <c>/dashboard</c>, for admin keys only. A browser cannot add <c>X-Api-Key</c> to the
/// dashboard's own requests, so <c>/dashboard/login</c> takes an admin key once and keeps it in an HTTP-only cookie
/// scoped to <c>/dashboard</c>; the API key scheme reads that cookie on dashboard paths only.
/// </summary>
internal static class DashboardEndpoints
{
    public const string Path = "/dashboard";
    public const string CookieName = "OrderActors-Dashboard";

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        routes.MapGet($"{Path}/login", () => Results.Content(LoginPage(failed: false), "text/html; charset=utf-8")).AllowAnonymous().ExcludeFromDescription();
        routes.MapPost($"{Path}/login", SignInAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        routes.MapOrleansDashboard(Path).RequireAuthorization(Policies.Admin).ExcludeFromDescription();
        return routes;
    }

    private static async Task<IResult> SignInAsync(HttpContext http, ApiKeyStore keys)
    {
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
        var key = form?["key"].ToString() ?? "";
        if (keys.Find(key) is not { Role: Roles.Admin })
        {
            return Results.Content(LoginPage(failed: true), "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status401Unauthorized);
        }

        http.Response.Cookies.Append(CookieName, key, new CookieOptions
        {
            Path = Path,
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            MaxAge = TimeSpan.FromHours(8),
        });
        return Results.Redirect($"{Path}/");
    }

    private static string LoginPage(bool failed) =>
        $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>OrderActors · Orleans dashboard</title></head>
        <body style="font-family: sans-serif; max-width: 28rem; margin: 4rem auto">
        <h1>Orleans dashboard</h1>
        <p>Sign in with an API key of the <code>admin</code> role.</p>
        {(failed ? "<p role=\"alert\" style=\"color: #b00\">That key is not an admin key.</p>" : "")}
        <form method="post" action="{Path}/login">
        <label>API key <input type="password" name="key" autocomplete="current-password" required autofocus></label>
        <button type="submit">Sign in</button>
        </form></body></html>
        """;
}
