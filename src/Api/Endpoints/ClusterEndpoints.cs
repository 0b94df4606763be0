using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
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
        group.MapGet("/", GetAsync).WithName("GetCluster").WithSummary("This API's mode and, in a cluster, every silo with its status");
        return group;
    }

    /// <summary>The body of <c>GET /v1/admin/cluster</c>.</summary>
    /// <param name="Mode"><c>standalone</c> (an embedded silo) or <c>cluster</c> (a gateway).</param>
    /// <param name="ClusterId">The cluster's id; null when standalone.</param>
    /// <param name="Silos">Every silo membership knows, live ones first, newest first; empty when standalone.</param>
    public sealed record ClusterView(string Mode, string? ClusterId, IEnumerable<SiloView> Silos);

    /// <summary>A silo as membership records it; <c>status</c> is Orleans' silo status in snake_case (<c>active</c>, <c>dead</c>, …).</summary>
    public sealed record SiloView(string Address, string Name, string Host, string Status, DateTime StartedAt, DateTime IAmAliveAt, IEnumerable<SuspicionView> Suspicions);

    /// <summary>A silo's suspicion of another.</summary>
    public sealed record SuspicionView(string By, DateTime At);

    /// <summary>The mode of this API and, in a cluster, every silo with its status, from Orleans' management grain.</summary>
    public static async Task<Ok<ClusterView>> GetAsync(IGrainFactory grains, ApiMode mode)
    {
        if (!mode.IsClient)
        {
            return TypedResults.Ok(new ClusterView("standalone", null, []));
        }

        var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        var silos = hosts
            .OrderBy(h => h.Status == SiloStatus.Dead)
            .ThenByDescending(h => h.StartTime)
            .Select(h => new SiloView(
                h.SiloAddress.ToString(),
                h.SiloName,
                h.HostName,
                JsonNamingPolicy.SnakeCaseLower.ConvertName(h.Status.ToString()),
                h.StartTime,
                h.IAmAliveTime,
                (h.SuspectTimes ?? []).Select(s => new SuspicionView(s.Item1.ToString(), s.Item2))));
        return TypedResults.Ok(new ClusterView("cluster", mode.ClusterId, silos));
    }
}
