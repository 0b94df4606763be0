using System.Text.Json;
using Microsoft.Extensions.Options;
using OrderActors.Api.Infrastructure;
using OrderActors.Runtime.Hosting;
using OrderActors.Runtime.Membership;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// GET /v1/admin/cluster    the membership table: every silo incarnation with its status, heartbeat age and suspicions
/// </code>
/// Admin only. A standalone API (embedded silo, no cluster) answers with <c>mode: "standalone"</c> and no silos.
/// </summary>
public static class ClusterEndpoints
{
    public static RouteGroupBuilder MapClusterApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/admin/cluster").WithTags("Cluster").RequireAuthorization(Policies.Admin);
        group.MapGet("/", GetAsync);
        return group;
    }

    public static async Task<IResult> GetAsync(IServiceProvider services, IOptions<ClusterOptions> options, CancellationToken cancellationToken)
    {
        if (services.GetService<IMembershipTable>() is not { } table)
        {
            return TypedResults.Ok(new { mode = "standalone", clusterId = (string?)null, version = 0L, silos = Array.Empty<object>() });
        }

        var clusterId = options.Value.ClusterId;
        var snapshot = await table.ReadAsync(clusterId, cancellationToken);
        var silos = snapshot.Entries
            .OrderBy(e => e.Status == SiloStatus.Dead)
            .ThenByDescending(e => e.StartedAt)
            .Select(e => new
            {
                address = e.Silo.ToString(),
                endpoint = e.Silo.Endpoint,
                generation = e.Silo.Generation,
                status = JsonNamingPolicy.SnakeCaseLower.ConvertName(e.Status.ToString()),
                startedAt = e.StartedAt,
                heartbeatAt = e.HeartbeatAt,
                heartbeatAgeMs = (long)(snapshot.Now - e.HeartbeatAt).TotalMilliseconds,
                suspicions = e.Suspicions.Select(s => new { by = s.Suspecter.ToString(), at = s.At }),
            });
        return TypedResults.Ok(new { mode = "cluster", clusterId, version = snapshot.Version, now = snapshot.Now, silos });
    }
}
