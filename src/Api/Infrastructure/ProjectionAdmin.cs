using OrderActors.EventLog;

namespace OrderActors.Api.Infrastructure;

/// <summary>A projection as <c>GET /v1/admin/subscriptions</c> shows it.</summary>
/// <param name="Name">Its name in the admin routes.</param>
/// <param name="Namespaces">The stream namespaces it reads.</param>
/// <param name="Checkpoint">The global position it has read up to.</param>
/// <param name="State"><c>running</c> or <c>parked</c>.</param>
/// <param name="Attempts">Attempts at the parked event.</param>
/// <param name="LastError">Why it parked.</param>
/// <param name="ParkedPosition">The parked event's position.</param>
/// <param name="ParkedType">The parked event's type.</param>
/// <param name="Skipped">Events an admin skipped.</param>
public sealed record SubscriptionStatus(
    string Name, IReadOnlyList<string> Namespaces, long Checkpoint, string State, int Attempts, string? LastError, long? ParkedPosition, string? ParkedType,
    IReadOnlyList<SkippedEvent> Skipped)
{
    /// <summary>Always null: every projection reads whole namespaces.</summary>
    public string? Stream => null;
}

/// <summary>
/// The projections admins can inspect, skip, retry and rebuild, by name: each is a grain implementing
/// <see cref="IEventLogProjection"/>, reached the same way from an embedded API and from a gateway.
/// </summary>
internal static class ProjectionAdmin
{
    public static async Task<IReadOnlyList<SubscriptionStatus>> ListAsync(IGrainFactory grains)
        => await Task.WhenAll(Grains.Reporting.Projections.All.Select(async p => Status(p, await p.Grain(grains).GetStatusAsync())));

    /// <summary>Runs <paramref name="action"/> on the projection called <paramref name="name"/>; null when there is none.</summary>
    public static async Task<SubscriptionStatus?> RunAsync(IGrainFactory grains, string name, Func<IEventLogProjection, Task<ProjectionStatus>> action)
        => Grains.Reporting.Projections.All.FirstOrDefault(p => p.Name == name) is { } found ? Status(found, await action(found.Grain(grains))) : null;

    private static SubscriptionStatus Status(Grains.Reporting.ProjectionEntry projection, ProjectionStatus status)
        => new(projection.Name, projection.Namespaces, status.Position, status.Parked is null ? "running" : "parked", status.Parked?.Attempts ?? 0,
            status.Parked?.Error, status.Parked?.Position, status.Parked?.EventType, status.Skipped);
}
