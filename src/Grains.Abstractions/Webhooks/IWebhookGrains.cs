namespace OrderActors.Grains.Webhooks;

/// <summary>
/// The webhook registry and dispatcher (key <c>default</c>). It reads every stream namespace in global order and, for
/// each event and each registered endpoint whose event types match, hands the event to that endpoint's grain, which
/// records it as a pending delivery. Its checkpoint and the endpoints' high-water marks make that recording happen
/// exactly once per (endpoint, event).
/// </summary>
[Alias("OrderActors.Grains.Webhooks.IWebhookDispatcherGrain")]
public interface IWebhookDispatcherGrain : IGrainWithStringKey
{
    /// <summary>Registers an endpoint (url and event-type patterns already validated); the result carries its secret.</summary>
    [Alias("RegisterAsync")]
    Task<WebhookRegistration> RegisterAsync(RegisterWebhook command);

    /// <summary>The registered endpoints, oldest first, without secrets.</summary>
    [Alias("ListAsync")]
    Task<IReadOnlyList<WebhookSummary>> ListAsync();

    /// <summary>
    /// Changes an endpoint's url, event types (matched from the next event the dispatcher reads) or paused flag
    /// (values already validated); the endpoint as it is now.
    /// </summary>
    /// <exception cref="DomainException"><c>webhook-not-found</c>.</exception>
    [Alias("UpdateAsync")]
    Task<WebhookView> UpdateAsync(string webhookId, UpdateWebhook update);

    /// <summary>Removes an endpoint and its delivery log; false if there is no such endpoint.</summary>
    [Alias("UnregisterAsync")]
    Task<bool> UnregisterAsync(string webhookId);

    /// <summary>Activates every registered endpoint, so deliveries left pending by a stopped silo go out again at once.</summary>
    [Alias("ResumeEndpointsAsync")]
    Task ResumeEndpointsAsync();
}

/// <summary>
/// One registered endpoint (key: the webhook id): its url, secret and event types, its pending deliveries and its
/// delivery log. It sends pending deliveries one at a time in position order, retries failures with exponential
/// back-off, and keeps a durable reminder so that deliveries resume after a restart.
/// </summary>
[Alias("OrderActors.Grains.Webhooks.IWebhookEndpointGrain")]
public interface IWebhookEndpointGrain : IGrainWithStringKey
{
    /// <summary>Creates the endpoint; repeating it with the same definition changes nothing.</summary>
    [Alias("CreateAsync")]
    Task CreateAsync(WebhookDefinition definition);

    /// <summary>The endpoint with its delivery counts, or null if it does not exist.</summary>
    [Alias("GetAsync")]
    Task<WebhookView?> GetAsync();

    /// <summary>
    /// Records a pending delivery for each event after the endpoint's high-water mark (earlier ones are repeats of a
    /// batch the dispatcher retried, and ignored). Events come in position order.
    /// </summary>
    [Alias("EnqueueAsync")]
    Task EnqueueAsync(IReadOnlyList<WebhookEventRef> events);

    /// <summary>The delivery log, newest first, optionally only deliveries in <paramref name="state"/>.</summary>
    /// <exception cref="DomainException"><c>webhook-not-found</c>.</exception>
    [Alias("GetDeliveriesAsync")]
    Task<IReadOnlyList<WebhookDeliveryView>> GetDeliveriesAsync(int limit, WebhookDeliveryState? state);

    /// <summary>Sends a delivery again (same event id), now, whatever its state; a failing endpoint's back-off is skipped once.</summary>
    /// <exception cref="DomainException"><c>webhook-not-found</c> or <c>delivery-not-found</c>.</exception>
    [Alias("RedeliverAsync")]
    Task<WebhookDeliveryView> RedeliverAsync(string deliveryId);

    /// <summary>Changes the url, event types or paused flag (the dispatcher's <see cref="IWebhookDispatcherGrain.UpdateAsync"/> calls it).</summary>
    /// <exception cref="DomainException"><c>webhook-not-found</c>.</exception>
    [Alias("UpdateAsync")]
    Task<WebhookView> UpdateAsync(UpdateWebhook update);

    /// <summary>
    /// Replaces the signing secret with a new one, returned once; the replaced secrets keep signing beside it until the
    /// overlap ends (never later than an earlier rotation said), so receivers can switch without losing a delivery.
    /// </summary>
    /// <exception cref="DomainException"><c>webhook-not-found</c>, or <c>validation-failed</c> for an overlap out of bounds.</exception>
    [Alias("RotateSecretAsync")]
    Task<WebhookSecretRotation> RotateSecretAsync(RotateWebhookSecret command);

    /// <summary>Deletes the endpoint: nothing more is sent, the log is gone. Repeating it changes nothing.</summary>
    [Alias("DeleteAsync")]
    Task DeleteAsync();

    /// <summary>The outcome of an HTTP attempt, reported by the sender that ran it outside the grain's turn.</summary>
    [Alias("ReportAttemptAsync")]
    Task ReportAttemptAsync(WebhookAttemptReport report);
}
