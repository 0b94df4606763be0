using OrderActors.Grains.Events;
using OrderActors.Runtime;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// Holds the webhook registry and turns stream events into pending deliveries: for each batch the subscription hands
/// it, it gives every endpoint the events that match its event types (and came after its registration), then stores
/// its checkpoint. An endpoint ignores events at or before its high-water mark, so a batch repeated after a crash
/// between the two is recorded once: exactly one delivery per (endpoint, event).
/// </summary>
/// <remarks>Endpoint grains answer at once (their HTTP runs outside their turns), so a dead receiver never holds this up.</remarks>
[StreamSubscription(StreamNamespaces.Orders, StreamNamespaces.Shipments, StreamNamespaces.Inventory)]
public sealed class WebhookDispatcherGrain(
    [PersistentState("dispatcher")] IPersistentState<WebhookDispatcherState> dispatcher)
    : Grain, IWebhookDispatcherGrain
{
    private long _readUpTo; // in memory: batches without any of our events move no stored checkpoint

    private WebhookDispatcherState State => dispatcher.State;

    public Task<long> GetCheckpointAsync() => Task.FromResult(State.Checkpoint);

    public async Task<long> ApplyAsync(IReadOnlyList<StreamEvent> events, long after, long upTo)
    {
        var position = Math.Max(State.Checkpoint, _readUpTo);
        if (after > position)
        {
            return position; // read past what the dispatcher holds (a reset, a lost unwritten position): read again from here
        }

        _readUpTo = Math.Max(_readUpTo, upTo);
        var fresh = events.Where(e => e.Position > State.Checkpoint).OrderBy(e => e.Position).ToArray();
        if (fresh.Length == 0)
        {
            return Math.Max(State.Checkpoint, upTo);
        }

        var batches = new Dictionary<string, List<WebhookEventRef>>(StringComparer.Ordinal);
        foreach (var streamEvent in fresh)
        {
            foreach (var webhook in State.Webhooks)
            {
                if (streamEvent.Position > webhook.StartAfter && WebhookEventTypes.Matches(webhook.EventTypes, streamEvent.Type))
                {
                    if (!batches.TryGetValue(webhook.Id, out var batch))
                    {
                        batches[webhook.Id] = batch = [];
                    }

                    batch.Add(new WebhookEventRef(streamEvent.Position, streamEvent.Stream, streamEvent.Sequence, streamEvent.Type, streamEvent.CreatedAt));
                }
            }
        }

        // All endpoints at once; if one fails, the batch is retried and the others ignore what they already have.
        await Task.WhenAll(batches.Select(b => GrainFactory.GetGrain<IWebhookEndpointGrain>(b.Key).EnqueueAsync(b.Value)));

        var previous = State.Checkpoint;
        State.Checkpoint = Math.Max(fresh[^1].Position, upTo);
        await SaveAsync(() => State.Checkpoint = previous);
        return State.Checkpoint;
    }

    public async Task SkipAsync(long position, string reason)
    {
        if (position <= State.Checkpoint)
        {
            return;
        }

        var previous = State.Checkpoint;
        State.Skipped.Add(new SkippedEvent(position, reason, TimeProvider.GetUtcNow()));
        State.Checkpoint = position;
        await SaveAsync(() =>
        {
            State.Skipped.RemoveAt(State.Skipped.Count - 1);
            State.Checkpoint = previous;
        });
    }

    /// <summary>
    /// Reads the streams again from the beginning but keeps the registry: endpoints ignore what they have recorded
    /// already, so a reset re-sends nothing.
    /// </summary>
    public async Task ResetAsync()
    {
        _readUpTo = 0;
        var previous = State.Checkpoint;
        State.Checkpoint = 0;
        await SaveAsync(() => State.Checkpoint = previous);
    }

    public async Task<WebhookRegistration> RegisterAsync(RegisterWebhook command)
    {
        var id = WebhookSignature.NewWebhookId();
        var secret = WebhookSignature.NewSecret();
        var now = TimeProvider.GetUtcNow();
        var eventTypes = command.EventTypes.Distinct(StringComparer.Ordinal).ToArray();

        // The endpoint first: if this grain fails before its own write, the endpoint exists but receives nothing.
        await GrainFactory.GetGrain<IWebhookEndpointGrain>(id).CreateAsync(new WebhookDefinition(id, command.Url, eventTypes, secret, now));
        State.Webhooks.Add(new WebhookRegistryEntry(id, command.Url, eventTypes, now, State.Checkpoint));
        await SaveAsync(() => State.Webhooks.RemoveAt(State.Webhooks.Count - 1));
        return new WebhookRegistration(id, command.Url, eventTypes, secret, now);
    }

    public Task<IReadOnlyList<WebhookSummary>> ListAsync()
        => Task.FromResult<IReadOnlyList<WebhookSummary>>(State.Webhooks.Select(w => new WebhookSummary(w.Id, w.Url, w.EventTypes, w.CreatedAt)).ToArray());

    public async Task<bool> UnregisterAsync(string webhookId)
    {
        var index = State.Webhooks.FindIndex(w => w.Id == webhookId);
        if (index < 0)
        {
            return false;
        }

        // The endpoint first: once it is gone it sends nothing, and a repeated DELETE finishes what a failure left.
        await GrainFactory.GetGrain<IWebhookEndpointGrain>(webhookId).DeleteAsync();
        var entry = State.Webhooks[index];
        State.Webhooks.RemoveAt(index);
        await SaveAsync(() => State.Webhooks.Insert(index, entry));
        return true;
    }

    // A write that fails leaves storage as it was: undo the change in memory too (an inconsistent write also
    // deactivates this activation, so the next call reloads).
    private async Task SaveAsync(Action undo)
    {
        try
        {
            await dispatcher.WriteStateAsync();
        }
        catch
        {
            undo();
            throw;
        }
    }
}
