using System.Text.Json.Serialization;

namespace OrderActors.Grains.Webhooks;

/// <summary>Registers an endpoint.</summary>
/// <param name="Url">An absolute http or https url.</param>
/// <param name="EventTypes">Exact event types, prefixes ending in <c>.*</c>, or <c>*</c> for every event.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.RegisterWebhook")]
public sealed record RegisterWebhook(string Url, IReadOnlyList<string> EventTypes);

/// <summary>A newly registered endpoint; the only time its secret is shown.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.WebhookRegistration")]
public sealed record WebhookRegistration(string Id, string Url, IReadOnlyList<string> EventTypes, string Secret, DateTimeOffset CreatedAt);

/// <summary>A registered endpoint as listed (no secret).</summary>
/// <param name="Id">The webhook id.</param>
/// <param name="Url">Where deliveries go.</param>
/// <param name="EventTypes">The event-type patterns it receives.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="Paused">Whether sending is paused (deliveries are still recorded).</param>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.WebhookSummary")]
public sealed record WebhookSummary(string Id, string Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt, bool Paused);

/// <summary>Changes a registered endpoint; a null member leaves that part as it is.</summary>
/// <param name="Url">The new url (validated as at registration).</param>
/// <param name="EventTypes">The new event-type patterns (validated as at registration); they select events from the update on.</param>
/// <param name="Paused">True to stop sending (deliveries are still recorded), false to send what is pending, in order.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.UpdateWebhook")]
public sealed record UpdateWebhook(string? Url, IReadOnlyList<string>? EventTypes, bool? Paused);

/// <summary>Replaces an endpoint's signing secret.</summary>
/// <param name="Overlap">
/// How long the secrets it replaces still sign deliveries beside the new one, from 0 to
/// <see cref="WebhookSecretRotations.MaxOverlap"/>; null for the configured default.
/// </param>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.RotateWebhookSecret")]
public sealed record RotateWebhookSecret(TimeSpan? Overlap);

/// <summary>A new signing secret: the only time it is shown.</summary>
/// <param name="Id">The webhook id.</param>
/// <param name="Secret">The new secret; every delivery from now on is signed with it.</param>
/// <param name="RotatedAt">When it replaced the previous one.</param>
/// <param name="PreviousSecretsExpireAt">Until when deliveries also carry signatures with the secrets it replaced; null when they stopped at once.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.WebhookSecretRotation")]
public sealed record WebhookSecretRotation(string Id, string Secret, DateTimeOffset RotatedAt, DateTimeOffset? PreviousSecretsExpireAt);

/// <summary>The bounds of secret rotation.</summary>
public static class WebhookSecretRotations
{
    /// <summary>The longest overlap a rotation may ask for: 7 days.</summary>
    public static readonly TimeSpan MaxOverlap = TimeSpan.FromDays(7);

    /// <summary>Replaced secrets that may still sign at once (each adds a signature to every delivery): the newest are kept.</summary>
    public const int MaxPreviousSecrets = 3;
}

/// <summary>What an endpoint grain is created with.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.WebhookDefinition")]
public sealed record WebhookDefinition(string Id, string Url, IReadOnlyList<string> EventTypes, string Secret, DateTimeOffset CreatedAt);

/// <summary>An endpoint with its delivery counts (no secret).</summary>
/// <param name="Id">The webhook id.</param>
/// <param name="Url">Where deliveries go.</param>
/// <param name="EventTypes">The event-type patterns it receives.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="Pending">Deliveries waiting to be sent or retried.</param>
/// <param name="Delivered">Delivered deliveries in the log.</param>
/// <param name="Failed">Deliveries in the log that used up their attempts.</param>
/// <param name="ConsecutiveFailures">Failed attempts since the last success: the back-off grows with it.</param>
/// <param name="NextAttemptAt">When a failing endpoint is tried next; null when it is not backing off.</param>
/// <param name="Paused">Whether sending is paused (deliveries are still recorded).</param>
/// <param name="PreviousSecretsExpireAt">After a rotation: until when deliveries also carry signatures with the replaced secrets.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.WebhookView")]
public sealed record WebhookView(
    string Id,
    string Url,
    IReadOnlyList<string> EventTypes,
    DateTimeOffset CreatedAt,
    int Pending,
    int Delivered,
    int Failed,
    int ConsecutiveFailures,
    DateTimeOffset? NextAttemptAt,
    bool Paused,
    DateTimeOffset? PreviousSecretsExpireAt);

/// <summary>An event handed to an endpoint: enough to find it on its stream again (the body is read at send time).</summary>
/// <param name="Position">Its global position.</param>
/// <param name="Stream">Its stream.</param>
/// <param name="Sequence">Its number on the stream.</param>
/// <param name="Type">Its type.</param>
/// <param name="CreatedAt">When it was committed.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Webhooks.WebhookEventRef")]
public sealed record WebhookEventRef(long Position, Events.StreamRef Stream, long Sequence, string Type, DateTimeOffset CreatedAt)
{
    /// <summary>The event id receivers de-duplicate by: <c>{namespace}/{key}:{sequence}</c>, the same on every attempt.</summary>
    [JsonIgnore]
    public string EventId => WebhookEventIds.Create(Stream, Sequence);
}

/// <summary>Where a delivery stands.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.WebhookDeliveryState")]
public enum WebhookDeliveryState
{
    /// <summary>Waiting to be sent, or to be retried.</summary>
    Pending,

    /// <summary>The endpoint answered 2xx.</summary>
    Delivered,

    /// <summary>Every attempt failed (<c>MaxAttempts</c>); it can still be redelivered by hand.</summary>
    Failed,
}

/// <summary>One delivery in the log.</summary>
/// <param name="Id">The delivery id (for redeliver).</param>
/// <param name="EventId">The event id sent in the body and the <c>X-OrderActors-Event-Id</c> header.</param>
/// <param name="EventType">The event type.</param>
/// <param name="Stream">The event's stream.</param>
/// <param name="Position">The event's global position.</param>
/// <param name="State">Pending, delivered or failed.</param>
/// <param name="Attempts">HTTP attempts so far, redeliveries included.</param>
/// <param name="LastStatusCode">The status code of the last attempt; null when it got no answer.</param>
/// <param name="LastError">Why the last attempt failed; null when it succeeded.</param>
/// <param name="CreatedAt">When the delivery was recorded.</param>
/// <param name="LastAttemptAt">When it was last tried.</param>
/// <param name="DeliveredAt">When it was last delivered.</param>
/// <param name="RecentAttempts">The last few attempts, oldest first.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Webhooks.WebhookDeliveryView")]
public sealed record WebhookDeliveryView(
    string Id,
    string EventId,
    string EventType,
    string Stream,
    long Position,
    WebhookDeliveryState State,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    IReadOnlyList<WebhookAttempt> RecentAttempts);

/// <summary>One HTTP attempt of a delivery.</summary>
/// <param name="At">When it was sent.</param>
/// <param name="StatusCode">The answer's status code; null when there was none (timeout, connection refused).</param>
/// <param name="Error">Why it failed; null on 2xx.</param>
/// <param name="DurationMs">How long it took.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Webhooks.WebhookAttempt")]
public sealed record WebhookAttempt(DateTimeOffset At, int? StatusCode, string? Error, long DurationMs)
{
    /// <summary>True for a 2xx answer.</summary>
    [JsonIgnore]
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>The outcome of one attempt, reported back to the endpoint grain.</summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="AttemptId">Identifies the attempt the grain started, so a late report of an earlier activation is told apart.</param>
/// <param name="Attempt">What happened.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Webhooks.WebhookAttemptReport")]
public sealed record WebhookAttemptReport(string DeliveryId, string AttemptId, WebhookAttempt Attempt);

/// <summary>Event ids as receivers see them.</summary>
public static class WebhookEventIds
{
    /// <summary><c>{namespace}/{key}:{sequence}</c>: unique, and stable across retries and redeliveries.</summary>
    public static string Create(Events.StreamRef stream, long sequence)
        => $"{stream}:{sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
