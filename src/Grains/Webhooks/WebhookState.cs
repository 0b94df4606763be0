using OrderActors.Grains.Events;

namespace OrderActors.Grains.Webhooks;

/// <summary>What an endpoint grain stores: its definition, its back-off, and its deliveries (pending ones and the log).</summary>
public sealed class WebhookEndpointState
{
    public bool Created { get; set; }

    public string Id { get; set; } = "";

    public string Url { get; set; } = "";

    public List<string> EventTypes { get; set; } = [];

    /// <summary>
    /// The signing secret in plain text, as endpoints registered before secrets were encrypted stored it; empty otherwise.
    /// The endpoint moves it to <see cref="ProtectedSecret"/> when it is next activated.
    /// </summary>
    public string Secret { get; set; } = "";

    /// <summary>The signing secret, protected by <see cref="WebhookSecretProtector"/>; shown in plain text only when created or rotated.</summary>
    public string ProtectedSecret { get; set; } = "";

    /// <summary>Secrets a rotation replaced that still sign deliveries until they expire, newest first.</summary>
    public List<WebhookPreviousSecret> PreviousSecrets { get; set; } = [];

    /// <summary>While true, deliveries are recorded but none is sent.</summary>
    public bool Paused { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The position of the last event recorded: events at or before it are repeats.</summary>
    public long HighWater { get; set; }

    /// <summary>Failed attempts since the last success.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>No attempt before this (the back-off); null when the endpoint is healthy.</summary>
    public DateTimeOffset? RetryAt { get; set; }

    /// <summary>Deliveries in position order: every pending one, and the newest delivered or failed ones.</summary>
    public List<WebhookDeliveryRecord> Deliveries { get; set; } = [];
}

/// <summary>A signing secret a rotation replaced, valid until its overlap ends.</summary>
public sealed class WebhookPreviousSecret
{
    /// <summary>The secret, protected by <see cref="WebhookSecretProtector"/>.</summary>
    public string ProtectedSecret { get; set; } = "";

    /// <summary>Deliveries stop carrying its signature at this time.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>One delivery of one event to one endpoint.</summary>
public sealed class WebhookDeliveryRecord
{
    public const int RecentAttemptsKept = 5;

    public string Id { get; set; } = "";

    public long Position { get; set; }

    public StreamRef Stream { get; set; }

    public long Sequence { get; set; }

    public string Type { get; set; } = "";

    public WebhookDeliveryState State { get; set; }

    public int Attempts { get; set; }

    /// <summary>Failed attempts since it last became pending; at <c>MaxAttempts</c> it is marked failed.</summary>
    public int FailuresInARow { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public List<WebhookAttempt> RecentAttempts { get; set; } = [];

    public WebhookDeliveryView ToView()
        => new(Id, WebhookEventIds.Create(Stream, Sequence), Type, Stream.ToString(), Position, State, Attempts, LastStatusCode, LastError,
            CreatedAt, LastAttemptAt, DeliveredAt, [.. RecentAttempts]);
}

/// <summary>The dispatcher's model: the registered webhooks (the checkpoint lives beside it in its projection state).</summary>
public sealed class WebhookRegistry
{
    /// <summary>The registered webhooks, in registration order.</summary>
    public List<WebhookRegistryEntry> Webhooks { get; set; } = [];
}

/// <summary>A registered endpoint as the dispatcher knows it.</summary>
/// <param name="Id">The webhook id (its endpoint grain's key).</param>
/// <param name="Url">Where deliveries go.</param>
/// <param name="EventTypes">The patterns matched.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="StartAfter">The dispatcher's checkpoint at registration: the endpoint receives the events after it.</param>
/// <param name="Paused">Whether its sending is paused (the endpoint decides; kept here for the list).</param>
public sealed record WebhookRegistryEntry(string Id, string Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt, long StartAfter, bool Paused = false);
