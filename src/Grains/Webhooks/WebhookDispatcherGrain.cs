using OrderActors.Grains.Events;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// The webhook registry and dispatcher: it keeps the registered webhooks and, as a projection of every namespace,
/// hands each event to the endpoints subscribed to its type, in log order. Its checkpoint moves only after the
/// endpoints took the event, so an event is handed over at least once; endpoints ignore what they already have.
/// </summary>
[EventLogFeedSubscription(StreamNamespaces.Orders)]
[EventLogFeedSubscription(StreamNamespaces.Shipments)]
[EventLogFeedSubscription(StreamNamespaces.Inventory)]
[EventLogFeedSubscription(StreamNamespaces.Products)]
[EventLogFeedSubscription(StreamNamespaces.Carts)]
[EventLogFeedSubscription(StreamNamespaces.Quotes)]
[EventLogFeedSubscription(StreamNamespaces.StockMovements)]
[GrainType("webhook-dispatcher")]
public sealed class WebhookDispatcherGrain(
    [PersistentState("webhook-dispatcher", OrderActorsStorage.State)] IPersistentState<ProjectionState<WebhookRegistry>> dispatcher)
    : NamespaceProjectionGrain<WebhookRegistry>(dispatcher, OrderActorsStorage.EventLog), IWebhookDispatcherGrain
{
    /// <summary>The key of the one dispatcher.</summary>
    public const string Key = EventLogStreamIdMappers.SingleGrainKey;


    protected override async ValueTask ApplyAsync(EventLogEntry entry, object? payload)
    {
        var matching = Model.Webhooks.Where(w => entry.Position > w.StartAfter && WebhookEventTypes.Matches(w.EventTypes, entry.EventType)).ToArray();
        if (matching.Length == 0)
        {
            return;
        }

        var reference = new WebhookEventRef(entry.Position, new StreamRef(entry.Namespace, entry.Key), entry.Sequence, entry.EventType, entry.CreatedAt);
        await Task.WhenAll(matching.Select(w => GrainFactory.GetGrain<IWebhookEndpointGrain>(w.Id).EnqueueAsync([reference])));
    }

    /// <summary>
    /// A rebuild reads every stream again from the first event but keeps the registry, which no event records:
    /// endpoints ignore what they have recorded already, so nothing is sent twice.
    /// </summary>
    protected override WebhookRegistry ModelForRebuild(WebhookRegistry current) => current;

    public async Task<WebhookRegistration> RegisterAsync(RegisterWebhook command)
    {
        var id = WebhookSignature.NewWebhookId();
        var secret = WebhookSignature.NewSecret();
        var now = Clock.GetUtcNow();
        var eventTypes = command.EventTypes.Distinct(StringComparer.Ordinal).ToArray();

        // The endpoint first: if this grain fails before its own write, the endpoint exists but receives nothing.
        await GrainFactory.GetGrain<IWebhookEndpointGrain>(id).CreateAsync(new WebhookDefinition(id, command.Url, eventTypes, secret, now));
        Model.Webhooks.Add(new WebhookRegistryEntry(id, command.Url, eventTypes, now, Position));
        await SaveAsync(() => Model.Webhooks.RemoveAt(Model.Webhooks.Count - 1));
        return new WebhookRegistration(id, command.Url, eventTypes, secret, now);
    }

    public Task<IReadOnlyList<WebhookSummary>> ListAsync()
        => Task.FromResult<IReadOnlyList<WebhookSummary>>(Model.Webhooks.Select(w => new WebhookSummary(w.Id, w.Url, w.EventTypes, w.CreatedAt, w.Paused)).ToArray());

    public async Task<WebhookView> UpdateAsync(string webhookId, UpdateWebhook update)
    {
        var index = Model.Webhooks.FindIndex(w => w.Id == webhookId);
        if (index < 0)
        {
            throw DomainException.NotFound("webhook-not-found", $"There is no webhook '{webhookId}'.");
        }

        // The endpoint first, as at registration: if this grain fails before its own write, repeating the update finishes it.
        var distinct = update with { EventTypes = update.EventTypes?.Distinct(StringComparer.Ordinal).ToArray() };
        var view = await GrainFactory.GetGrain<IWebhookEndpointGrain>(webhookId).UpdateAsync(distinct);

        // Events read after this turn are matched against the new types.
        var entry = Model.Webhooks[index];
        Model.Webhooks[index] = entry with { Url = view.Url, EventTypes = view.EventTypes, Paused = view.Paused };
        await SaveAsync(() => Model.Webhooks[index] = entry);
        return view;
    }

    public async Task<bool> UnregisterAsync(string webhookId)
    {
        var index = Model.Webhooks.FindIndex(w => w.Id == webhookId);
        if (index < 0)
        {
            return false;
        }

        // The endpoint first: once it is gone it sends nothing, and a repeated DELETE finishes what a failure left.
        await GrainFactory.GetGrain<IWebhookEndpointGrain>(webhookId).DeleteAsync();
        var entry = Model.Webhooks[index];
        Model.Webhooks.RemoveAt(index);
        await SaveAsync(() => Model.Webhooks.Insert(index, entry));
        return true;
    }

    public Task ResumeEndpointsAsync()
        => Task.WhenAll(Model.Webhooks.Select(w => GrainFactory.GetGrain<IWebhookEndpointGrain>(w.Id).GetAsync()));

    // A write that fails leaves storage as it was: undo the change in memory too.
    private async Task SaveAsync(Action undo)
    {
        try
        {
            await WriteStateAsync();
        }
        catch
        {
            undo();
            throw;
        }
    }
}
