using OrderActors.Grains.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// One webhook endpoint: records the deliveries the dispatcher hands it and sends them, one at a time, oldest
/// position first, so a receiver sees each stream's events in order (a redelivery is the exception).
/// </summary>
/// <remarks>
/// <para>
/// The HTTP call runs outside the grain's turns: a turn picks the next delivery and starts the attempt on the thread
/// pool, and the attempt reports back through <see cref="IWebhookEndpointGrain.ReportAttemptAsync"/>. So the grain
/// always answers the dispatcher at once, and a slow or dead receiver delays only its own endpoint.
/// </para>
/// <para>
/// A failed attempt sets the endpoint's back-off (<see cref="WebhookOptions.Backoff"/> of the failures in a row) in
/// its state; nothing is sent before it ends, and a delivery that fails <see cref="WebhookOptions.MaxAttempts"/> times
/// in a row is marked failed so the ones after it can go. An in-memory timer wakes the grain when the back-off ends;
/// a durable reminder ticks every minute (and as soon as a silo starts, the tick being overdue) and resumes sending
/// if the timer or the activation was lost, e.g. across a restart. Deliveries are marked delivered only when the
/// receiver answered 2xx: an attempt lost with its process is simply made again (at least once).
/// </para>
/// </remarks>
[GrainType("webhook-endpoint")]
public sealed class WebhookEndpointGrain(
    [PersistentState("webhook-endpoint", OrderActorsStorage.State)] IPersistentState<WebhookEndpointState> endpoint,
    [FromKeyedServices(OrderActorsStorage.EventLog)] IEventLogReader streams,
    IWebhookSender sender,
    WebhookSecretProtector secrets,
    IOptions<WebhookOptions> options,
    TimeProvider timeProvider,
    ILogger<WebhookEndpointGrain> logger)
    : Grain, IWebhookEndpointGrain, IRemindable
{
    private const string Watchdog = "webhook-deliveries";
    private static readonly TimeSpan WatchdogFirstTick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMinutes(1);

    private CancellationTokenSource _lifetime = new();
    private InFlight? _inFlight;
    private IDisposable? _wake;

    private WebhookEndpointState State => endpoint.State;

    private WebhookOptions Options => options.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Created && State.Secret.Length > 0)
        {
            // Registered before secrets were encrypted at rest: encrypt it now. The dispatcher activates every endpoint
            // when a silo starts, so no plain secret outlives the first start of this version. One idempotent write: a
            // failure fails this activation and the next one tries again.
            State.ProtectedSecret = secrets.Protect(State.Secret);
            State.Secret = "";
            await SaveAsync();
            logger.LogInformation("Webhook {Webhook}: its stored secret is now encrypted.", State.Id);
        }

        Pump();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _lifetime.Cancel(); // an attempt in flight is abandoned; its delivery is still pending in storage
        return Task.CompletedTask;
    }

    public async Task CreateAsync(WebhookDefinition definition)
    {
        if (State.Created)
        {
            return;
        }

        // The reminder first: if the write below never happens, its first tick finds no endpoint and removes it.
        await this.RegisterOrUpdateReminder(Watchdog, WatchdogFirstTick, WatchdogPeriod);
        State.Created = true;
        State.Id = definition.Id;
        State.Url = definition.Url;
        State.EventTypes = [.. definition.EventTypes];
        State.ProtectedSecret = secrets.Protect(definition.Secret);
        State.CreatedAt = definition.CreatedAt;
        await SaveAsync();
    }

    public Task<WebhookView?> GetAsync() => Task.FromResult(State.Created ? View() : null);

    public async Task<WebhookView> UpdateAsync(UpdateWebhook update)
    {
        EnsureCreated();
        State.Url = update.Url ?? State.Url;
        State.EventTypes = update.EventTypes is { } eventTypes ? [.. eventTypes] : State.EventTypes;
        State.Paused = update.Paused ?? State.Paused;
        await SaveAsync();
        Pump(); // resumed: what is pending goes out, oldest first
        return View();
    }

    public async Task<WebhookSecretRotation> RotateSecretAsync(RotateWebhookSecret command)
    {
        EnsureCreated();
        var overlap = command.Overlap ?? Options.SecretRotationOverlap;
        if (overlap < TimeSpan.Zero || overlap > WebhookSecretRotations.MaxOverlap)
        {
            throw DomainException.InvalidField("overlapSeconds",
                $"must be between 0 and {WebhookSecretRotations.MaxOverlap.TotalSeconds:0} seconds ({WebhookSecretRotations.MaxOverlap.TotalDays:0} days).");
        }

        // Every replaced secret signs until the new overlap ends at the latest: an overlap of 0 retires them all at once
        // (a leaked secret), and a rotation repeated within a window does not extend the older secrets' lives.
        var now = timeProvider.GetUtcNow();
        var windowEnd = now + overlap;
        var secret = WebhookSignature.NewSecret();
        State.PreviousSecrets = State.PreviousSecrets
            .Prepend(new WebhookPreviousSecret { ProtectedSecret = State.ProtectedSecret, ExpiresAt = windowEnd })
            .Select(s => new WebhookPreviousSecret { ProtectedSecret = s.ProtectedSecret, ExpiresAt = s.ExpiresAt < windowEnd ? s.ExpiresAt : windowEnd })
            .Where(s => s.ExpiresAt > now)
            .Take(WebhookSecretRotations.MaxPreviousSecrets)
            .ToList();
        State.ProtectedSecret = secrets.Protect(secret);
        await SaveAsync();
        logger.LogInformation("Webhook {Webhook}: secret rotated; the replaced ones sign until {Until}.", State.Id, PreviousSecretsExpireAt(now));
        return new WebhookSecretRotation(State.Id, secret, now, PreviousSecretsExpireAt(now));
    }

    public async Task EnqueueAsync(IReadOnlyList<WebhookEventRef> events)
    {
        if (!State.Created)
        {
            return; // deleted while the dispatcher still listed it (a delete that did not finish); nothing to deliver to
        }

        var now = timeProvider.GetUtcNow();
        var added = false;
        foreach (var streamEvent in events)
        {
            if (streamEvent.Position <= State.HighWater)
            {
                continue; // the dispatcher repeats a batch it could not checkpoint: recorded already
            }

            State.Deliveries.Add(new WebhookDeliveryRecord
            {
                Id = DeliveryId(streamEvent.Position),
                Position = streamEvent.Position,
                Stream = streamEvent.Stream,
                Sequence = streamEvent.Sequence,
                Type = streamEvent.Type,
                State = WebhookDeliveryState.Pending,
                CreatedAt = now,
            });
            State.HighWater = streamEvent.Position;
            added = true;
        }

        if (added)
        {
            TrimLog();
            await SaveAsync();
            Pump();
        }
    }

    public Task<IReadOnlyList<WebhookDeliveryView>> GetDeliveriesAsync(int limit, WebhookDeliveryState? state)
    {
        EnsureCreated();
        IReadOnlyList<WebhookDeliveryView> page = State.Deliveries
            .Where(d => state is null || d.State == state)
            .Reverse()
            .Take(Math.Max(0, limit))
            .Select(d => d.ToView())
            .ToArray();
        return Task.FromResult(page);
    }

    public async Task<WebhookDeliveryView> RedeliverAsync(string deliveryId)
    {
        EnsureCreated();
        var delivery = Find(deliveryId)
            ?? throw new DomainException(DomainErrorKind.NotFound, "delivery-not-found", $"Webhook '{State.Id}' has no delivery '{deliveryId}' in its log.");
        delivery.State = WebhookDeliveryState.Pending;
        delivery.FailuresInARow = 0;
        State.RetryAt = null; // an admin asked for it now: skip the back-off once
        await SaveAsync();
        Pump();
        return delivery.ToView();
    }

    public async Task DeleteAsync()
    {
        if (!State.Created)
        {
            return;
        }

        await _lifetime.CancelAsync();
        _lifetime = new CancellationTokenSource();
        _inFlight = null;
        _wake?.Dispose();
        _wake = null;
        await UnregisterWatchdogAsync();
        await endpoint.ClearStateAsync();
    }

    public async Task ReportAttemptAsync(WebhookAttemptReport report)
    {
        if (_inFlight?.AttemptId == report.AttemptId)
        {
            _inFlight = null;
        }

        if (State.Created && Find(report.DeliveryId) is { } delivery)
        {
            Record(delivery, report.Attempt);
            await SaveAsync();
        }

        Pump();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != Watchdog)
        {
            return;
        }

        if (!State.Created)
        {
            await UnregisterWatchdogAsync();
            return;
        }

        // An attempt whose report never came back (the report call itself failed) must not hold the endpoint forever.
        if (_inFlight is { } inFlight && timeProvider.GetUtcNow() - inFlight.StartedAt > Options.Timeout * 2 + WatchdogPeriod)
        {
            logger.LogWarning("Webhook {Webhook}: attempt {Attempt} of {Delivery} never reported back; trying again.", State.Id, inFlight.AttemptId, inFlight.DeliveryId);
            _inFlight = null;
        }

        Pump();
    }

    private void Record(WebhookDeliveryRecord delivery, WebhookAttempt attempt)
    {
        delivery.Attempts++;
        delivery.LastAttemptAt = attempt.At;
        delivery.LastStatusCode = attempt.StatusCode;
        delivery.LastError = attempt.Error;
        delivery.RecentAttempts.Add(attempt);
        if (delivery.RecentAttempts.Count > WebhookDeliveryRecord.RecentAttemptsKept)
        {
            delivery.RecentAttempts.RemoveRange(0, delivery.RecentAttempts.Count - WebhookDeliveryRecord.RecentAttemptsKept);
        }

        if (attempt.Succeeded)
        {
            delivery.State = WebhookDeliveryState.Delivered;
            delivery.DeliveredAt = timeProvider.GetUtcNow();
            delivery.FailuresInARow = 0;
            State.ConsecutiveFailures = 0;
            State.RetryAt = null;
            TrimLog();
        }
        else if (delivery.State == WebhookDeliveryState.Pending)
        {
            delivery.FailuresInARow++;
            State.ConsecutiveFailures++;
            State.RetryAt = timeProvider.GetUtcNow() + Options.Backoff(State.ConsecutiveFailures);
            if (delivery.FailuresInARow >= Options.MaxAttempts)
            {
                delivery.State = WebhookDeliveryState.Failed;
                logger.LogWarning("Webhook {Webhook}: delivery {Delivery} ({Type}) failed {Attempts} times in a row; marked failed.",
                    State.Id, delivery.Id, delivery.Type, delivery.FailuresInARow);
                TrimLog();
            }
        }
    }

    // Starts the next attempt if none is running and the back-off allows; otherwise sets a timer for when it ends.
    private void Pump()
    {
        if (!State.Created || State.Paused || _inFlight is not null)
        {
            return;
        }

        var next = State.Deliveries.Find(d => d.State == WebhookDeliveryState.Pending);
        if (next is null)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        if (State.RetryAt is { } retryAt && retryAt > now)
        {
            WakeAfter(retryAt - now);
            return;
        }

        if (!Uri.TryCreate(State.Url, UriKind.Absolute, out var url))
        {
            // Never thrown from here: this runs inside the turn that answers the dispatcher. (The API validates urls.)
            logger.LogError("Webhook {Webhook} has an invalid url '{Url}'; nothing is sent.", State.Id, State.Url);
            return;
        }

        var attempt = new InFlight(next.Id, Guid.NewGuid().ToString("N"), now);
        _inFlight = attempt;
        var job = new SendJob(State.Id, url, SigningSecrets(now), next.Id, attempt.AttemptId, next.Stream, next.Sequence);
        var self = GrainFactory.GetGrain<IWebhookEndpointGrain>(this.GetPrimaryKeyString());
        var time = timeProvider;
        var token = _lifetime.Token;

        // Off the activation's scheduler and without its call chain: the attempt is not part of this turn.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => AttemptAsync(job, self, time, token), CancellationToken.None);
        }
    }

    private void WakeAfter(TimeSpan delay)
    {
        _wake?.Dispose();
        _wake = this.RegisterGrainTimer(() =>
        {
            _wake = null;
            Pump();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = false, KeepAlive = true });
    }

    // Runs on the thread pool: reads the event, signs it, sends it, and reports the outcome to the grain.
    private async Task AttemptAsync(SendJob job, IWebhookEndpointGrain self, TimeProvider time, CancellationToken token)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        WebhookAttempt outcome;
        try
        {
            var found = await streams.ReadStreamAsync(job.Stream.Namespace, job.Stream.Key, job.Sequence - 1, 1, token);
            if (found.Count == 0 || found[0].Sequence != job.Sequence)
            {
                outcome = new WebhookAttempt(startedAt, null, $"Event {WebhookEventIds.Create(job.Stream, job.Sequence)} was not found on its stream.", 0);
            }
            else
            {
                var request = WebhookRequests.Create(job.Url, [.. job.ProtectedSecrets.Select(secrets.Unprotect)], job.DeliveryId, found[0], time.GetUtcNow());
                var response = await sender.SendAsync(request, token);
                outcome = new WebhookAttempt(startedAt, response.StatusCode, response.Error, (long)time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return; // the activation went away; the delivery is still pending and goes out from the next one
        }
        catch (Exception ex)
        {
            outcome = new WebhookAttempt(startedAt, null, $"{ex.GetType().Name}: {ex.Message}", (long)time.GetElapsedTime(started).TotalMilliseconds);
        }

        try
        {
            await self.ReportAttemptAsync(new WebhookAttemptReport(job.DeliveryId, job.AttemptId, outcome));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Webhook {Webhook}: the outcome of delivery {Delivery} could not be recorded; it will be sent again.", job.WebhookId, job.DeliveryId);
        }
    }

    // A failed write may leave this activation's state ahead of storage (a delivery recorded that is not stored): the
    // next call must start again from what storage holds, or the dispatcher's retry would be taken for a repeat.
    private async Task SaveAsync()
    {
        try
        {
            await endpoint.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    // Keeps every pending delivery and the newest delivered or failed ones, DeliveryLogLimit in all.
    private void TrimLog()
    {
        var excess = State.Deliveries.Count - Options.DeliveryLogLimit;
        if (excess <= 0)
        {
            return;
        }

        var kept = new List<WebhookDeliveryRecord>(State.Deliveries.Count - excess);
        foreach (var delivery in State.Deliveries)
        {
            if (excess > 0 && delivery.State != WebhookDeliveryState.Pending)
            {
                excess--;
                continue;
            }

            kept.Add(delivery);
        }

        State.Deliveries = kept;
    }

    private WebhookDeliveryRecord? Find(string deliveryId) => State.Deliveries.Find(d => d.Id == deliveryId);

    private void EnsureCreated()
    {
        if (!State.Created)
        {
            throw new DomainException(DomainErrorKind.NotFound, "webhook-not-found", $"There is no webhook '{this.GetPrimaryKeyString()}'.");
        }
    }

    private static string DeliveryId(long position) => "dlv_" + position.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed record InFlight(string DeliveryId, string AttemptId, DateTimeOffset StartedAt);

    // The secrets stay protected until the attempt needs them: a key ring that cannot unprotect them fails the attempt, not the turn.
    private sealed record SendJob(string WebhookId, Uri Url, IReadOnlyList<string> ProtectedSecrets, string DeliveryId, string AttemptId, StreamRef Stream, long Sequence);

    // The current secret first, then the replaced ones whose overlap has not ended.
    private List<string> SigningSecrets(DateTimeOffset now)
        => [State.ProtectedSecret, .. State.PreviousSecrets.Where(s => s.ExpiresAt > now).Select(s => s.ProtectedSecret)];

    private DateTimeOffset? PreviousSecretsExpireAt(DateTimeOffset now)
        => State.PreviousSecrets.Where(s => s.ExpiresAt > now).Select(s => (DateTimeOffset?)s.ExpiresAt).Max();

    private WebhookView View()
    {
        var deliveries = State.Deliveries;
        return new WebhookView(State.Id, State.Url, [.. State.EventTypes], State.CreatedAt,
            deliveries.Count(d => d.State == WebhookDeliveryState.Pending),
            deliveries.Count(d => d.State == WebhookDeliveryState.Delivered),
            deliveries.Count(d => d.State == WebhookDeliveryState.Failed),
            State.ConsecutiveFailures,
            State.RetryAt,
            State.Paused,
            PreviousSecretsExpireAt(timeProvider.GetUtcNow()));
    }

    private async Task UnregisterWatchdogAsync()
    {
        if (await this.GetReminder(Watchdog) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }
}
