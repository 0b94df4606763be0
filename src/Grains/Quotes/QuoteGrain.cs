using System.Text.Json;
using OrderActors.Grains.Events;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Pricing;
using OrderActors.Grains.Shipping;

namespace OrderActors.Grains.Quotes;

/// <summary>The stored state of a quote grain.</summary>
public sealed record QuoteState
{
    /// <summary>The creation request's fingerprint (the same request again is a retry); empty until created.</summary>
    public string Fingerprint { get; set; } = "";

    /// <summary>The draft as ops created it.</summary>
    public CreateQuote? Request { get; set; }

    /// <summary>Where it is.</summary>
    public QuoteStatus Status { get; set; }

    /// <summary>The lines at their quoted prices (catalog prices filled in at creation).</summary>
    public List<QuoteLineRequest> Lines { get; set; } = [];

    /// <summary>When it was drafted.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it was last sent.</summary>
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>When it stops being acceptable.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>Why ops withdrew it.</summary>
    public string? CancelReason { get; set; }

    /// <summary>1 when drafted, one more per change.</summary>
    public int Version { get; set; }

    /// <summary>Acceptances tried so far: each gets its own order id.</summary>
    public int Attempts { get; set; }

    /// <summary>The order being or last placed by an acceptance.</summary>
    public PendingPlacement? Acceptance { get; set; }

    /// <summary>Once accepted: its order.</summary>
    public string? OrderId { get; set; }
}

/// <summary>
/// One quote (seed 001: inquiry → quotation → sales order). Each change and its <see cref="QuoteChanged"/> event commit
/// together. The quoted prices are the order's: acceptance places the order with them as price overrides made by the
/// system on behalf of the quote, so the order's timeline records each against the catalog price.
/// </summary>
[GrainType("quote")]
public sealed class QuoteGrain(
    [EventedState("quote", OrderActorsStorage.EventLog)] IEventedState<QuoteState> quote,
    ICarrierSelector carriers,
    TimeProvider timeProvider)
    : Grain, IQuoteGrain, IRemindable
{
    /// <summary>The reminder that expires a sent quote.</summary>
    public const string ExpiryReminder = "quote-expiry";


    private QuoteState State => quote.State;

    private string Id => this.GetPrimaryKeyString();

    public async Task<QuoteView> CreateAsync(CreateQuote command)
    {
        var fingerprint = RequestFingerprint.Of(command with { Actor = new Actor("", "") });
        if (State.Request is not null)
        {
            return State.Fingerprint == fingerprint
                ? await ViewAsync()
                : throw DomainException.Conflict("quote-exists", $"Quote '{Id}' was already created with a different request.");
        }

        if (command.Lines.Count is 0 or > DomainLimits.MaxOrderLines || command.Lines.DistinctBy(l => l.Sku).Count() != command.Lines.Count
            || command.Lines.Any(l => l.Quantity is < 1 or > DomainLimits.MaxLineQuantity || l.UnitPrice < 0))
        {
            throw DomainException.Invalid("validation-failed",
                $"A quote holds 1 to {DomainLimits.MaxOrderLines} lines, one per SKU, each of 1 to {DomainLimits.MaxLineQuantity} units at a price of 0 or more.");
        }

        var catalog = await PricingLookups.ProductsAsync(GrainFactory, command.Lines.Select(l => l.Sku));
        if (catalog.Where(p => p.Value is null).Select(p => p.Key).ToArray() is { Length: > 0 } unknown)
        {
            throw DomainException.Invalid("unknown-sku", $"These SKUs are not in the catalog: {string.Join(", ", unknown)}.");
        }

        if (command.Lines.Where(l => l.UnitPrice is null && catalog[l.Sku]!.PriceIn(command.Currency) is null).Select(l => l.Sku).ToArray() is { Length: > 0 } unpriced)
        {
            throw DomainException.Invalid("sku-not-priced",
                $"These SKUs have no catalog price in {command.Currency}; give the quote a unitPrice for them: {string.Join(", ", unpriced)}.");
        }

        State.Fingerprint = fingerprint;
        State.Request = command;
        State.Lines = command.Lines.Select(l => l with { UnitPrice = l.UnitPrice ?? catalog[l.Sku]!.PriceIn(command.Currency) }).ToList();
        State.CreatedAt = timeProvider.GetUtcNow();
        State.Status = QuoteStatus.Draft;
        return await ChangedAsync(command.Actor);
    }

    public async Task<QuoteView?> GetAsync() => State.Request is null ? null : await ViewAsync();

    public async Task<QuoteView> SendAsync(SendQuote command)
    {
        EnsureExists();
        var now = timeProvider.GetUtcNow();
        Ensure("send", State.Status is QuoteStatus.Draft or QuoteStatus.Sent);
        if (command.ExpiresAt <= now)
        {
            throw DomainException.InvalidField("expiresAt", $"The expiry {command.ExpiresAt:O} is not in the future.");
        }

        // Registered before the write: if the write fails, the tick finds the quote not sent and lets the reminder go.
        await this.RegisterOrUpdateReminder(ExpiryReminder, command.ExpiresAt - now, TimeSpan.FromMinutes(1));
        State.Status = QuoteStatus.Sent;
        State.SentAt = now;
        State.ExpiresAt = command.ExpiresAt;
        return await ChangedAsync(command.Actor);
    }

    public async Task<QuoteView> CancelAsync(CancelQuote command)
    {
        EnsureExists();
        if (State.Status == QuoteStatus.Cancelled)
        {
            return await ViewAsync();
        }

        Ensure("cancel", State.Status is QuoteStatus.Draft or QuoteStatus.Sent);
        State.Status = QuoteStatus.Cancelled;
        State.CancelReason = command.Reason;
        var view = await ChangedAsync(command.Actor);
        await ForgetReminderAsync();
        return view;
    }

    public async Task<AcceptQuoteResult> AcceptAsync(AcceptQuote command)
    {
        EnsureExists();
        if (State.Status == QuoteStatus.Accepted)
        {
            var placed = await GrainFactory.GetGrain<IOrderGrain>(State.OrderId!).GetAsync();
            return new AcceptQuoteResult(State.OrderId!, new PlaceOrderResult(PlacementOutcome.Placed, placed, [], []), State.Acceptance!.Command);
        }

        if (State.Status == QuoteStatus.Sent && timeProvider.GetUtcNow() >= State.ExpiresAt)
        {
            await ExpireAsync(); // the reminder may not have fired yet: the expiry is the rule, the reminder its messenger
        }

        Ensure("accept", State.Status is QuoteStatus.Sent or QuoteStatus.Accepting);
        if (State.Status == QuoteStatus.Sent)
        {
            var request = State.Request!;
            var order = new PlaceOrder(request.Customer, request.Channel, OrderPriority.Standard, request.Currency,
                State.Lines.Select(l => new OrderLineRequest(l.Sku, l.Quantity, l.UnitPrice, PriceOverride: true)).ToArray(),
                request.ShippingAddress, command.Payment, new Actor("system", $"quote:{Id}"), ShippingMethod: request.ShippingMethod);
            State.Acceptance = new PendingPlacement(PendingPlacement.OrderIdFor(Id, State.Attempts + 1), order);
            State.Attempts++;
            State.Status = QuoteStatus.Accepting;
            await quote.WriteStateAsync(); // written ahead: from here on every acceptance places exactly this order
        }

        var acceptance = State.Acceptance!;
        var result = await GrainFactory.GetGrain<IOrderGrain>(acceptance.OrderId).PlaceAsync(acceptance.Command);
        if (result.Outcome == PlacementOutcome.Placed)
        {
            State.Status = QuoteStatus.Accepted;
            State.OrderId = acceptance.OrderId;
            await ChangedAsync(command.Actor);
            await ForgetReminderAsync();
        }
        else
        {
            State.Status = QuoteStatus.Sent; // refused (out of stock, declined card): it may be accepted again, under a new order id
            await quote.WriteStateAsync();
        }

        return new AcceptQuoteResult(acceptance.OrderId, result, acceptance.Command);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder)
        {
            return;
        }

        if (State.Status == QuoteStatus.Sent && timeProvider.GetUtcNow() >= State.ExpiresAt)
        {
            await ExpireAsync();
        }

        if (State.Status is not (QuoteStatus.Sent or QuoteStatus.Accepting))
        {
            await ForgetReminderAsync();
        }
    }

    private async Task ExpireAsync()
    {
        State.Status = QuoteStatus.Expired;
        await ChangedAsync(new Actor("system", "quotes"));
    }

    private async Task ForgetReminderAsync()
    {
        if (await this.GetReminder(ExpiryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private void EnsureExists()
    {
        if (State.Request is null)
        {
            throw DomainException.NotFound("quote-not-found", $"There is no quote '{Id}'.");
        }
    }

    private void Ensure(string action, bool allowed)
    {
        if (!allowed)
        {
            throw State.Status == QuoteStatus.Expired && action == "accept"
                ? DomainException.Conflict("quote-expired", $"Quote '{Id}' expired at {State.ExpiresAt:O}; ask for a new one.")
                : DomainException.InvalidTransition($"quote '{Id}'", action, Format(State.Status), AllowedActions());
        }
    }

    private async Task<QuoteView> ChangedAsync(Actor actor)
    {
        State.Version++;
        var view = await ViewAsync();
        quote.Append(StreamId.Create(StreamNamespaces.Quotes, Id), QuoteChanged.TypeOf(State.Status), new QuoteChanged(view, actor));
        await quote.WriteStateAsync(); // a failed write deactivates the grain: the next call reads the stored quote
        return view;
    }

    private IReadOnlyList<string> AllowedActions() => State.Status switch
    {
        QuoteStatus.Draft => ["send", "cancel"],
        QuoteStatus.Sent => ["send", "accept", "cancel"],
        QuoteStatus.Accepting => ["accept"],
        _ => [],
    };

    private static string Format(QuoteStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    // The totals its order would have: the quoted prices, the tax rules of the address, one parcel's shipping.
    private async Task<QuoteView> ViewAsync()
    {
        var request = State.Request!;
        var catalog = await PricingLookups.ProductsAsync(GrainFactory, State.Lines.Select(l => l.Sku));
        var stock = await Task.WhenAll(State.Lines.Select(l => GrainFactory.GetGrain<IInventoryGrain>(l.Sku).GetAsync()));
        var (shipping, _) = PricingLookups.EstimateShipping(carriers, request.ShippingMethod, request.ShippingAddress, request.Currency,
            State.Lines.Select((l, i) => (l.Quantity, stock[i])).ToArray());
        var region = await PricingLookups.TaxRegionAsync(GrainFactory, request.ShippingAddress);
        var totals = OrderTotals.Compute(
            State.Lines.Select(l => new TotalsLine(l.Quantity, l.UnitPrice!.Value, catalog[l.Sku]?.TaxClass ?? "standard")).ToArray(),
            0, shipping, region, IsoCodes.MinorUnits(request.Currency));
        return new QuoteView(Id, State.Status, request.Customer, request.Channel, request.Currency,
            State.Lines.Select((l, i) => new QuoteLineView(l.Sku, catalog[l.Sku]?.Title, l.Quantity, l.UnitPrice!.Value, catalog[l.Sku]?.PriceIn(request.Currency),
                totals.Lines[i].Gross, totals.Lines[i].Tax)).ToArray(),
            request.ShippingAddress, request.ShippingMethod, request.Note, totals.Subtotal, totals.ShippingTotal, totals.TaxTotal, totals.Total, totals.TaxIncluded,
            State.CreatedAt, State.SentAt, State.ExpiresAt, State.OrderId, State.CancelReason, AllowedActions(), State.Version);
    }
}
