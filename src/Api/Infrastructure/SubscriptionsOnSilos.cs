using OrderActors.Grains;
using OrderActors.Runtime;

namespace OrderActors.Api.Infrastructure;

/// <summary>
/// The subscription admin surface of an API in client mode: the delivery loops run on the silos that own their
/// consumers, so a gateway cannot see or steer them; the admin endpoints answer 503 <c>subscriptions-on-silos</c>
/// instead of guessing. An embedded API (or a silo) serves them.
/// </summary>
internal sealed class SubscriptionsOnSilos : IStreamSubscriptions
{
    public IReadOnlyList<SubscriptionStatus> List() => throw Unavailable();

    public Task<bool> SkipAsync(string name, string reason, CancellationToken cancellationToken = default) => throw Unavailable();

    public bool Retry(string name) => throw Unavailable();

    public Task<bool> ResetAsync(string name, CancellationToken cancellationToken = default) => throw Unavailable();

    private static DomainException Unavailable() => new(DomainErrorKind.Unavailable, "subscriptions-on-silos",
        "Stream subscriptions run on the silos that own their consumers; this API is a cluster client and cannot administer them.");
}
