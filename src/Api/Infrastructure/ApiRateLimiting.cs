using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace OrderActors.Api.Infrastructure;

/// <summary>
/// Per-key rate limits (ASP.NET Core rate limiting): a token bucket per API key name, or per client address for requests
/// without a valid key, sized by <see cref="RateLimitOptions"/>. A refused request is 429 <c>rate-limited</c>
/// problem+json with <c>Retry-After</c> in seconds.
/// </summary>
internal static class ApiRateLimiting
{
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services)
        => services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var options = http.RequestServices.GetRequiredService<IOptionsMonitor<ApiOptions>>().CurrentValue.RateLimit;
                if (!options.Enabled)
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }

                var partition = http.User.Identity?.IsAuthenticated == true
                    ? "key:" + http.User.FindFirstValue(ClaimTypes.Name)
                    : "address:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter($"{partition}/{options.RequestsPerSecond}/{options.Burst}", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = Problems.Create(429, "rate-limited", "Too many requests for this API key.",
                        $"Retry after {retryAfter} s; the limits are OrderActors:Api:RateLimit:RequestsPerSecond and Burst."),
                });
            };
        });
}
