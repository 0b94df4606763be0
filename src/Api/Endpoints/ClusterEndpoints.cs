using System.Text.Json;
using OrderActors.Api.Infrastructure;
using Orleans.Runtime;

namespace OrderActors.Api.Endpoints;

/// <summary><c>GET /v1/admin/cluster</c>: the silos Orleans' membership knows, for admins.</summary>
public static class ClusterEndpoints
{
    /// <summary>Maps the cluster admin route.</summary>
    public static RouteGroupBuilder MapClusterApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/admin/cluster").WithTags("Cluster").RequireAuthorization(Policies.Admin);
        group.MapGet("/", GetAsync);
        return group;
    }

    /// <summary>The mode of this API and, in a cluster, every silo with its status, from Orleans' management grain.</summary>
    public static async Task<IResult> GetAsync(IGrainFactory grains, ApiMode mode)
    {
        if (!mode.IsClient)
        {
            return TypedResults.Ok(new { mode = "standalone", clusterId = (string?)null, silos = Array.Empty<object>() });
        }

        var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        var silos = hosts
            .OrderBy(h => h.Status == SiloStatus.Dead)
            .ThenByDescending(h => h.StartTime)
            .Select(h => new
            {
                address = h.SiloAddress.ToString(),
                name = h.SiloName,
                host = h.HostName,
                status = JsonNamingPolicy.SnakeCaseLower.ConvertName(h.Status.ToString()),
                startedAt = h.StartTime,
                iAmAliveAt = h.IAmAliveTime,
                suspicions = (h.SuspectTimes ?? []).Select(s => new { by = s.Item1.ToString(), at = s.Item2 }),
            });
        return TypedResults.Ok(new { mode = "cluster", clusterId = mode.ClusterId, silos });
    }
}
