using OrderActors.Runtime;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// The webhook registry and dispatcher (key <c>default</c>). It reads every stream namespace in global order and, for
/// each event and each registered endpoint whose event types match, hands the event to that endpoint's grain, which
/// records it as a pending delivery. Its checkpoint and the endpoints' high-water marks make that recording happen
/// exactly once per (endpoint, event).
/// </summary>
public interface IWebhookDispatcherGrain : IStreamConsumer
{
    /// <summary>Registers an endpoint (url and event-type patterns already validated); the result carries its secret.</summary>
    Task<WebhookRegistration> RegisterAsync(RegisterWebhook command);

    /// <summary>The registered endpoints, oldest first, without secrets.</summary>
    Task<IReadOnlyList<WebhookSummary>> ListAsync();

    /// <summary>Removes an endpoint and its delivery log; false if there is no such endpoint.</summary>
    Task<bool> UnregisterAsync(string webhookId);
}

/// <summary>
/// One registered endpoint (key: the webhook id): its url, secret and event types, its pending deliveries and its
/// delivery log. It sends pending deliveries one at a time in position order, retries failures with exponential
/// back-off, and keeps a durable reminder so that deliveries resume after a restart.
/// </summary>
public interface IWebhookEndpointGrain : IGrainWithStringKey
{
    /// <summary>Creates the endpoint; repeating it with the same definition changes nothing.</summary>
    Task CreateAsync(WebhookDefinition definition);

    /// <summary>The endpoint with its delivery counts, or null if it does not exist.</summary>
    Task<WebhookView?> GetAsync();

    /// <summary>
    /// Records a pending delivery for each event after the endpoint's high-water mark (earlier ones are repeats of a
    /// batch the dispatcher retried, and ignored). Events come in position order.
    /// </summary>
    Task EnqueueAsync(IReadOnlyList<WebhookEventRef> events);

    /// <summary>The delivery log, newest first, optionally only deliveries in <paramref name="state"/>.</summary>
    /// <exception cref="DomainException"><c>webhook-not-found</c>.</exception>
    Task<IReadOnlyList<WebhookDeliveryView>> GetDeliveriesAsync(int limit, WebhookDeliveryState? state);

    /// <summary>Sends a delivery again (same event id), now, whatever its state; a failing endpoint's back-off is skipped once.</summary>
    /// <exception cref="DomainException"><c>webhook-not-found</c> or <c>delivery-not-found</c>.</exception>
    Task<WebhookDeliveryView> RedeliverAsync(string deliveryId);

    /// <summary>Deletes the endpoint: nothing more is sent, the log is gone. Repeating it changes nothing.</summary>
    Task DeleteAsync();

    /// <summary>The outcome of an HTTP attempt, reported by the sender that ran it outside the grain's turn.</summary>
    Task ReportAttemptAsync(WebhookAttemptReport report);
}
