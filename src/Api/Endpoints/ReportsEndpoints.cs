using OrderActors.Api.Infrastructure;
using OrderActors.Grains.Reporting;
using OrderActors.Runtime;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// GET  /v1/reports/orders-by-status                     orders per status and per channel (analytics)
/// GET  /v1/admin/subscriptions                          stream subscriptions: checkpoint, state, parked event and error
/// POST /v1/admin/subscriptions/{name}/skip {"reason"}   skip the event a parked subscription waits at
/// POST /v1/admin/subscriptions/{name}/retry             retry now
/// POST /v1/admin/subscriptions/{name}/reset             rebuild the projection from the beginning
/// </code>
/// </summary>
public static class ReportsEndpoints
{
    public static IEndpointRouteBuilder MapReportsApiV1(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/reports/orders-by-status", async (IGrainFactory grains)
                => TypedResults.Ok(await grains.GetGrain<IOrdersByStatusGrain>(StreamSubscriptionAttribute.ConsumerKey).GetAsync()))
            .WithTags("Reports").RequireAuthorization(Policies.ReadReports);

        var admin = routes.MapGroup("/v1/admin/subscriptions").WithTags("Admin").RequireAuthorization(Policies.Admin);
        admin.MapGet("/", (IStreamSubscriptions subscriptions) => TypedResults.Ok(new { subscriptions = subscriptions.List() }));
        admin.MapPost("/{name}/skip", async (string name, SkipRequest? body, IStreamSubscriptions subscriptions, HttpContext http) =>
            await subscriptions.SkipAsync(name, $"{body?.Reason ?? "skipped by an admin"} ({http.User.Identity?.Name})", http.RequestAborted)
                ? Results.Ok(Find(subscriptions, name))
                : NotParked(subscriptions, name));
        admin.MapPost("/{name}/retry", (string name, IStreamSubscriptions subscriptions) =>
            subscriptions.Retry(name) ? Results.Ok(Find(subscriptions, name)) : Unknown(name));
        admin.MapPost("/{name}/reset", async (string name, IStreamSubscriptions subscriptions, HttpContext http) =>
            await subscriptions.ResetAsync(name, http.RequestAborted) ? Results.Ok(Find(subscriptions, name)) : Unknown(name));
        return routes;
    }

    public sealed record SkipRequest(string? Reason);

    private static SubscriptionStatus? Find(IStreamSubscriptions subscriptions, string name) => subscriptions.List().FirstOrDefault(s => s.Name == name);

    private static IResult NotParked(IStreamSubscriptions subscriptions, string name)
        => Find(subscriptions, name) is { } status
            ? Problems.Result(409, "subscription-not-parked", "The subscription is not parked.", $"'{name}' is {status.State}; only a parked subscription has an event to skip.")
            : Unknown(name);

    private static IResult Unknown(string name) => Problems.Result(404, "subscription-not-found", "No such subscription.", $"There is no subscription '{name}'.");
}
