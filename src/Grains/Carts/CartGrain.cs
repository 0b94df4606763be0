using Microsoft.Extensions.Options;
using OrderActors.Grains.Catalog;
using OrderActors.Grains.Events;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Pricing;
using OrderActors.Grains.Shipping;

namespace OrderActors.Grains.Carts;

/// <summary>
/// One cart. Every change and its <see cref="CartChanged"/> event commit together. Prices, stock, the discount and the
/// totals are read live on each <see cref="GetAsync"/>; nothing is reserved or redeemed until <see cref="CompleteAsync"/>
/// places the order, whose grain decides everything again (a cart's view is a preview, the order is the truth).
/// </summary>
/// <remarks>
/// Completion is written ahead: the order id and the exact request go into the state before the order grain is asked,
/// so a retry (the answer was lost, the process died) sends the same request to the same order, which recognises it,
/// and a cart never becomes two orders. Until that retry the cart is <see cref="CartStatus.Completing"/> and refuses
/// changes. Calls only go down (cart → order → inventory, discount); nothing calls a cart.
/// </remarks>
[GrainType("cart")]
public sealed class CartGrain(
    [EventedState("cart", OrderActorsStorage.EventLog)] IEventedState<CartState> cart,
    IOptions<CartOptions> options,
    ICarrierSelector carriers,
    TimeProvider timeProvider)
    : Grain, ICartGrain, IRemindable
{
    /// <summary>The reminder that marks an idle cart abandoned.</summary>
    public const string AbandonmentReminder = "cart-abandonment";

    private CartState State => cart.State;

    private string Id => this.GetPrimaryKeyString();

    private bool Exists => State.Fingerprint.Length > 0;

    public async Task<CartView> CreateAsync(CreateCart command)
    {
        var fingerprint = RequestFingerprint.Of(command with { Actor = new Actor("", "") });
        if (Exists)
        {
            return State.Fingerprint == fingerprint
                ? await ViewAsync()
                : throw DomainException.Conflict("cart-exists", $"Cart '{Id}' was already created with a different request.");
        }

        if (command.Lines.Count > DomainLimits.MaxOrderLines || command.Lines.DistinctBy(l => l.Sku).Count() != command.Lines.Count
            || command.Lines.Any(l => l.Quantity is < 1 or > DomainLimits.MaxLineQuantity))
        {
            throw DomainException.Invalid("validation-failed",
                $"A cart holds at most {DomainLimits.MaxOrderLines} lines, one per SKU, each of 1 to {DomainLimits.MaxLineQuantity} units.");
        }

        await EnsureSellableAsync(command.Currency, command.Lines.Select(l => l.Sku));
        if (command.DiscountCode is { } code)
        {
            await EnsureDiscountExistsAsync(code);
        }

        var now = timeProvider.GetUtcNow();
        State.Fingerprint = fingerprint;
        State.Channel = command.Channel;
        State.Currency = command.Currency;
        State.Priority = command.Priority;
        State.Customer = command.Customer;
        State.Lines = [.. command.Lines];
        State.ShippingAddress = command.ShippingAddress;
        State.ShippingMethod = command.ShippingMethod;
        State.DiscountCode = command.DiscountCode;
        State.CreatedAt = now;
        return await ChangedAsync(CartChanged.Created, now);
    }

    public async Task<CartView?> GetAsync() => Exists ? await ViewAsync() : null;

    public async Task<CartView> SetLineAsync(SetCartLine command)
    {
        EnsureOpen();
        if (command.Quantity is < 0 or > DomainLimits.MaxLineQuantity)
        {
            throw DomainException.Invalid("validation-failed", $"Quantity {command.Quantity} must be between 0 and {DomainLimits.MaxLineQuantity}.");
        }

        var index = State.Lines.FindIndex(l => l.Sku == command.Sku);
        if (index < 0 && command.Quantity == 0 || index >= 0 && State.Lines[index].Quantity == command.Quantity)
        {
            return await ViewAsync(); // nothing changes, nothing is written
        }

        if (command.Quantity == 0)
        {
            State.Lines.RemoveAt(index);
        }
        else if (index >= 0)
        {
            State.Lines[index] = State.Lines[index] with { Quantity = command.Quantity };
        }
        else
        {
            if (State.Lines.Count == DomainLimits.MaxOrderLines)
            {
                throw DomainException.Conflict("cart-full", $"Cart '{Id}' already holds {DomainLimits.MaxOrderLines} lines.");
            }

            await EnsureSellableAsync(State.Currency, [command.Sku]);
            State.Lines.Add(new CartLineRequest(command.Sku, command.Quantity));
        }

        return await ChangedAsync(CartChanged.Updated, timeProvider.GetUtcNow());
    }

    public async Task<CartView> UpdateAsync(UpdateCart command)
    {
        EnsureOpen();
        if (command.DiscountCode is { Length: > 0 } code && code != State.DiscountCode)
        {
            await EnsureDiscountExistsAsync(code);
        }

        var before = (State.Customer, State.ShippingAddress, State.ShippingMethod, State.DiscountCode, State.Priority);
        State.Customer = command.Customer ?? State.Customer;
        State.ShippingAddress = command.ShippingAddress ?? State.ShippingAddress;
        State.ShippingMethod = command.ShippingMethod is null ? State.ShippingMethod : command.ShippingMethod.Length == 0 ? null : command.ShippingMethod;
        State.DiscountCode = command.DiscountCode is null ? State.DiscountCode : command.DiscountCode.Length == 0 ? null : command.DiscountCode;
        State.Priority = command.Priority ?? State.Priority;
        return before == (State.Customer, State.ShippingAddress, State.ShippingMethod, State.DiscountCode, State.Priority)
            ? await ViewAsync()
            : await ChangedAsync(CartChanged.Updated, timeProvider.GetUtcNow());
    }

    public async Task<CompleteCartResult> CompleteAsync(CompleteCart command)
    {
        EnsureExists();
        if (State.Status == CartStatus.Completed)
        {
            var placed = await GrainFactory.GetGrain<IOrderGrain>(State.Final!.OrderId!).GetAsync();
            return new CompleteCartResult(State.Final.OrderId!, new PlaceOrderResult(PlacementOutcome.Placed, placed, [], []), State.Checkout!.Command);
        }

        if (State.Checkout is null)
        {
            if (command.ExpectedTotal is { } expected && (await ViewAsync()).Total is var total && total != expected)
            {
                throw DomainException.Conflict("cart-total-changed",
                    $"Cart '{Id}' totals {total} {State.Currency} now, not {expected}: show the buyer the cart again before completing it.");
            }

            State.Checkout = new PendingPlacement(PendingPlacement.OrderIdFor(Id, State.Attempts + 1), OrderRequest(command));
            State.Attempts++;
            State.Status = CartStatus.Completing;
            await cart.WriteStateAsync(); // written ahead: from here on every completion places exactly this order
        }

        var checkout = State.Checkout;
        var result = await GrainFactory.GetGrain<IOrderGrain>(checkout.OrderId).PlaceAsync(checkout.Command);
        var now = timeProvider.GetUtcNow();
        if (result.Outcome == PlacementOutcome.Placed)
        {
            State.Status = CartStatus.Completed;
            State.Abandoned = false; // bought: recovered if it was abandoned
            State.Customer = checkout.Command.Customer;
            State.Final = Charged(result.Order!, await PricingLookups.ProductsAsync(GrainFactory, State.Lines.Select(l => l.Sku)), now);
            cart.Append(Stream, CartChanged.Completed, Event(CartChanged.Completed, now, State.Final.Subtotal, checkout.OrderId));
            await cart.WriteStateAsync();
            await UnwatchAsync();
        }
        else
        {
            State.Status = CartStatus.Open; // refused: the cart can be changed and completed again, under a new order id
            State.Checkout = null;
            await cart.WriteStateAsync();
        }

        return new CompleteCartResult(checkout.OrderId, result, checkout.Command);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != AbandonmentReminder)
        {
            return;
        }

        if (!Exists || State.Status == CartStatus.Completed || State.Lines.Count == 0 || State.Abandoned)
        {
            await UnwatchAsync(); // a change that makes it worth watching registers the reminder again
            return;
        }

        var now = timeProvider.GetUtcNow();
        if (State.Status == CartStatus.Open && now - State.UpdatedAt >= options.Value.AbandonedAfter)
        {
            State.Abandoned = true;
            cart.Append(Stream, CartChanged.Abandoned, Event(CartChanged.Abandoned, now, Subtotal(await PricesAsync()), null));
            await cart.WriteStateAsync();
            await UnwatchAsync();
        }
    }

    private StreamId Stream => StreamId.Create(StreamNamespaces.Carts, Id);

    private void EnsureExists()
    {
        if (!Exists)
        {
            throw DomainException.NotFound("cart-not-found", $"There is no cart '{Id}'.");
        }
    }

    private void EnsureOpen()
    {
        EnsureExists();
        switch (State.Status)
        {
            case CartStatus.Completed:
                throw DomainException.Conflict("cart-completed", $"Cart '{Id}' became order '{State.Final!.OrderId}' and changes no more.");
            case CartStatus.Completing:
                throw DomainException.Conflict("cart-completing",
                    $"Cart '{Id}' is placing order '{State.Checkout!.OrderId}'; complete it again to learn how that went before changing it.");
        }
    }

    // A line must be a SKU the catalog sells in the cart's currency; whether it is in stock is shown, not enforced
    // (another buyer may free or take the last unit before this cart completes).
    private async Task EnsureSellableAsync(string currency, IEnumerable<string> skus)
    {
        var catalog = await PricingLookups.ProductsAsync(GrainFactory, skus);
        if (catalog.Where(p => p.Value is null).Select(p => p.Key).ToArray() is { Length: > 0 } unknown)
        {
            throw DomainException.Invalid("unknown-sku", $"These SKUs are not in the catalog: {string.Join(", ", unknown)}.");
        }

        if (catalog.Where(p => p.Value!.PriceIn(currency) is null).Select(p => p.Key).ToArray() is { Length: > 0 } unpriced)
        {
            throw DomainException.Invalid("sku-not-priced", $"These SKUs are not on sale in {currency} (archived, or no price in it): {string.Join(", ", unpriced)}.");
        }
    }

    private async Task EnsureDiscountExistsAsync(string code)
    {
        if (await GrainFactory.GetGrain<IDiscountGrain>(code).GetAsync() is null)
        {
            throw DomainException.Invalid("discount-not-found", $"There is no discount code '{code}'.");
        }
    }

    private async Task<CartView> ChangedAsync(string type, DateTimeOffset now)
    {
        State.Version++;
        State.UpdatedAt = now;
        State.Abandoned = false;
        var view = await ViewAsync();
        if (State.Lines.Count > 0 && !State.Watched)
        {
            // Registered before the write: if the write fails, a tick finds the stored cart and lets the reminder go.
            var abandonedAfter = options.Value.AbandonedAfter;
            await this.RegisterOrUpdateReminder(AbandonmentReminder, abandonedAfter, TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMinute, abandonedAfter.Ticks / 4)));
            State.Watched = true;
        }

        cart.Append(Stream, type, Event(type, now, view.Subtotal, null));
        await cart.WriteStateAsync(); // a failed write deactivates the grain: the next call reads the stored cart
        return view;
    }

    private async Task UnwatchAsync()
    {
        if (await this.GetReminder(AbandonmentReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        if (State.Watched)
        {
            State.Watched = false;
            await cart.WriteStateAsync();
        }
    }

    private CartChanged Event(string type, DateTimeOffset at, decimal subtotal, string? orderId)
        => new(Id, type, at, State.Channel, State.Customer?.Id, State.Currency, State.Lines.Sum(l => l.Quantity), subtotal, orderId);

    private PlaceOrder OrderRequest(CompleteCart command)
    {
        var customer = command.Customer ?? State.Customer
            ?? throw DomainException.Invalid("customer-required", $"Cart '{Id}' has no customer; give one on the cart or with the completion.");
        if (State.Lines.Count == 0)
        {
            throw DomainException.Invalid("cart-empty", $"Cart '{Id}' has no lines.");
        }

        if (State.ShippingAddress is null)
        {
            throw DomainException.Invalid("shipping-address-required", $"Cart '{Id}' has no shipping address.");
        }

        return new PlaceOrder(customer, State.Channel, State.Priority, State.Currency,
            State.Lines.Select(l => new OrderLineRequest(l.Sku, l.Quantity)).ToArray(), State.ShippingAddress, command.Payment, command.Actor,
            ShippingMethod: State.ShippingMethod, DiscountCode: State.DiscountCode);
    }

    private sealed record PricedLine(CartLineRequest Line, ProductView? Product, decimal? Price, InventoryView? Stock);

    private async Task<PricedLine[]> PricesAsync()
    {
        var catalog = await PricingLookups.ProductsAsync(GrainFactory, State.Lines.Select(l => l.Sku));
        var stock = await Task.WhenAll(State.Lines.Select(l => GrainFactory.GetGrain<IInventoryGrain>(l.Sku).GetAsync()));
        return State.Lines.Select((l, i) => new PricedLine(l, catalog[l.Sku], catalog[l.Sku]?.PriceIn(State.Currency), stock[i])).ToArray();
    }

    // A backorderable (or preordered) SKU stocked somewhere is placed with what is short backordered: not a problem.
    private bool Backorderable(PricedLine line) => line.Stock is not null && line.Product?.AcceptsBackorderAt(timeProvider.GetUtcNow()) == true;

    private static decimal Subtotal(PricedLine[] lines) => lines.Sum(l => l.Line.Quantity * (l.Price ?? 0));

    // Prices the cart now, as its order would be priced; anything that would refuse the order is listed as a problem.
    private async Task<CartView> ViewAsync()
    {
        if (State.Final is { } final)
        {
            return final;
        }

        var lines = await PricesAsync();
        var problems = new List<CartProblem>();
        foreach (var line in lines)
        {
            if (line.Price is null)
            {
                problems.Add(new CartProblem("sku-not-priced", $"{line.Line.Sku} is not on sale in {State.Currency}.", line.Line.Sku));
            }
            else if ((line.Stock?.Available ?? 0) < line.Line.Quantity && !Backorderable(line))
            {
                var substitutes = await Task.WhenAll((line.Stock?.Substitutes ?? []).Select(s => GrainFactory.GetGrain<IInventoryGrain>(s).GetAsync()));
                problems.Add(new CartProblem("out-of-stock", $"{line.Line.Sku}: {line.Line.Quantity} asked, {line.Stock?.Available ?? 0} available.", line.Line.Sku,
                    substitutes.Where(s => s is { Available: > 0 }).Select(s => new Alternative(s!.Sku, s.Available)).ToArray()));
            }
        }

        var priced = lines.Where(l => l.Price is not null).ToArray();
        var subtotal = Subtotal(priced);
        var discount = await DiscountAsync(subtotal, problems);
        var shipping = ShippingEstimate(priced, problems);
        var region = await PricingLookups.TaxRegionAsync(GrainFactory, State.ShippingAddress);
        var totals = OrderTotals.Compute(
            priced.Select(l => new TotalsLine(l.Line.Quantity, l.Price!.Value, l.Product!.TaxClass)).ToArray(), discount, shipping, region, IsoCodes.MinorUnits(State.Currency));
        if (State.Lines.Count == 0)
        {
            problems.Add(new CartProblem("cart-empty", "The cart has no lines."));
        }

        if (State.ShippingAddress is null)
        {
            problems.Add(new CartProblem("shipping-address-required", "The cart has no shipping address."));
        }

        var lineViews = new List<CartLineView>(lines.Length);
        var next = 0;
        foreach (var line in lines)
        {
            var share = line.Price is null ? null : totals.Lines[next++];
            lineViews.Add(new CartLineView(line.Line.Sku, line.Product?.Title, line.Line.Quantity, line.Price, share?.Gross ?? 0, share?.Discount ?? 0, share?.Tax ?? 0, line.Stock?.Available ?? 0));
        }

        return View(lineViews, totals.Subtotal, totals.DiscountTotal, totals.ShippingTotal, totals.TaxTotal, totals.Total, totals.TaxIncluded, problems, null);
    }

    private async Task<decimal> DiscountAsync(decimal subtotal, List<CartProblem> problems)
    {
        if (State.DiscountCode is not { } code)
        {
            return 0;
        }

        if (await GrainFactory.GetGrain<IDiscountGrain>(code).GetAsync() is not { } terms)
        {
            problems.Add(new CartProblem("discount-not-found", $"There is no discount code '{code}'."));
            return 0;
        }

        var (amount, refusal) = PricingLookups.Apply(terms, subtotal, State.Currency, timeProvider.GetUtcNow());
        if (refusal is not null)
        {
            problems.Add(new CartProblem("discount-not-applicable", refusal));
            return 0;
        }

        if (terms.UsageLimit is { } limit && terms.Used >= limit)
        {
            problems.Add(new CartProblem("discount-limit-reached", $"Code '{code}' has been used its {limit} time(s)."));
            return 0;
        }

        return amount;
    }

    private decimal ShippingEstimate(PricedLine[] lines, List<CartProblem> problems)
    {
        var (price, problem) = PricingLookups.EstimateShipping(carriers, State.ShippingMethod, State.ShippingAddress, State.Currency,
            lines.Select(l => (l.Line.Quantity, l.Stock)).ToArray());
        if (problem is not null)
        {
            problems.Add(new CartProblem("shipping-method-not-available", problem));
        }

        return price;
    }

    // A completed cart shows what its order charged.
    private CartView Charged(OrderView order, Dictionary<string, ProductView?> catalog, DateTimeOffset now)
        => View(order.Lines.Select(l => new CartLineView(l.Sku, catalog.GetValueOrDefault(l.Sku)?.Title, l.Quantity, l.UnitPrice, l.Total, l.Discount, l.Tax, null)).ToArray(),
                order.Subtotal, order.DiscountTotal, order.ShippingTotal, order.TaxTotal, order.Total, order.TaxIncluded, [], order.Id) with { CompletedAt = now };

    private CartView View(
        IReadOnlyList<CartLineView> lines, decimal subtotal, decimal discount, decimal shipping, decimal tax, decimal total, bool taxIncluded,
        IReadOnlyList<CartProblem> problems, string? orderId)
        => new(Id, State.Status, State.Channel, State.Currency, State.Priority, State.Customer, lines, State.ShippingAddress, State.ShippingMethod,
            State.DiscountCode, subtotal, discount, shipping, tax, total, taxIncluded, problems, orderId, State.Abandoned, State.Version,
            State.CreatedAt, State.UpdatedAt, null);
}
