using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OrderActors.Api.Endpoints;

namespace OrderActors.Api.Infrastructure;

/// <summary>The API's roles.</summary>
public static class Roles
{
    public const string Storefront = "storefront";
    public const string Ops = "ops";
    public const string Analytics = "analytics";
    public const string Admin = "admin";

    public static readonly IReadOnlySet<string> All = new HashSet<string> { Storefront, Ops, Analytics, Admin };
}

/// <summary>Authorization policies: which roles may call what. Admin may call everything.</summary>
public static class Policies
{
    public const string PlaceOrders = nameof(PlaceOrders);
    public const string ReadOrders = nameof(ReadOrders);
    public const string ReadInventory = nameof(ReadInventory);
    public const string ReadCatalog = nameof(ReadCatalog);
    public const string ManageCatalog = nameof(ManageCatalog);
    public const string ManageInventory = nameof(ManageInventory);
    public const string ReadShipments = nameof(ReadShipments);
    public const string ManageFulfillment = nameof(ManageFulfillment);
    public const string ReadEvents = nameof(ReadEvents);
    public const string ReadReports = nameof(ReadReports);
    public const string ManageAftercare = nameof(ManageAftercare);
    public const string Admin = nameof(Admin);

    /// <summary>The roles each policy admits: the authorization options and the OpenAPI document read the same table.</summary>
    public static IReadOnlyDictionary<string, string[]> RolesByPolicy { get; } = new Dictionary<string, string[]>
    {
        [PlaceOrders] = [Roles.Storefront, Roles.Ops, Roles.Admin],
        [ReadOrders] = [Roles.Storefront, Roles.Ops, Roles.Admin],
        [ReadInventory] = [Roles.Storefront, Roles.Ops, Roles.Analytics, Roles.Admin],
        [ManageInventory] = [Roles.Ops, Roles.Admin],
        [ReadCatalog] = [Roles.Storefront, Roles.Ops, Roles.Analytics, Roles.Admin],
        [ManageCatalog] = [Roles.Ops, Roles.Admin],
        [ReadShipments] = [Roles.Storefront, Roles.Ops, Roles.Admin],
        [ManageFulfillment] = [Roles.Ops, Roles.Admin],
        [ReadEvents] = [Roles.Ops, Roles.Analytics, Roles.Admin],
        [ReadReports] = [Roles.Analytics, Roles.Ops, Roles.Admin],
        [ManageAftercare] = [Roles.Ops, Roles.Admin],
        [Admin] = [Roles.Admin],
    };

    public static void Add(Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        foreach (var (policy, roles) in RolesByPolicy)
        {
            options.AddPolicy(policy, p => p.RequireRole(roles));
        }
    }
}

/// <summary>
/// The configured keys as the API holds them: name, role and the SHA-256 digest, never the key itself. Rebuilt when the
/// configuration changes.
/// </summary>
internal sealed class ApiKeyStore
{
    private volatile (string Name, string Role, byte[] Digest)[] _keys;

    public ApiKeyStore(IOptionsMonitor<ApiOptions> options)
    {
        _keys = Load(options.CurrentValue);
        options.OnChange(changed => _keys = Load(changed));
    }

    /// <summary>
    /// The key whose digest matches, or null. Every configured digest is compared, each in constant time, so the time
    /// taken says nothing about which key (or how much of one) matched.
    /// </summary>
    public (string Name, string Role)? Find(string presented)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        (string Name, string Role)? found = null;
        foreach (var key in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key.Digest, digest))
            {
                found = (key.Name, key.Role);
            }
        }

        return found;
    }

    private static (string Name, string Role, byte[] Digest)[] Load(ApiOptions options)
        => [.. options.Keys.Select(k => (k.Name, k.Role, k.Digest()))];
}

/// <summary>
/// Authenticates <c>X-Api-Key</c> against the <see cref="ApiKeyStore"/>'s digests. Failures answer problem+json: 401
/// without a valid key, 403 with the wrong role.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented;
        if (Request.Headers.TryGetValue(HeaderName, out var values))
        {
            presented = values.Count == 1 ? values[0] : null;
        }
        else if (Request.Path.StartsWithSegments(DashboardEndpoints.Path) && Request.Cookies.TryGetValue(DashboardEndpoints.CookieName, out var cookie))
        {
            presented = cookie; // the dashboard's pages cannot send the header: its sign-in keeps the key in a cookie of their path
        }
        else
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (string.IsNullOrEmpty(presented) || keys.Find(presented) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.Role, key.Role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = Problems.Create(401, "unauthorized", "A valid API key is required.", $"Send it in the {HeaderName} header."),
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = Problems.Create(403, "forbidden", "This API key's role may not call this endpoint.",
                $"The key's role is '{Context.User.FindFirstValue(ClaimTypes.Role)}'."),
        });
    }
}
