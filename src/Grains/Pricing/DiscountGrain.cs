using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Pricing;

/// <summary>The stored state of a discount code.</summary>
public sealed record DiscountState
{
    /// <summary>The terms, once created (<see cref="DiscountView.Used"/> is computed when read).</summary>
    public DiscountView? Terms { get; set; }

    /// <summary>Uses whose orders are written.</summary>
    public int ConfirmedUses { get; set; }

    /// <summary>Confirmed uses per customer, counted while the code has a per-customer limit.</summary>
    public Dictionary<string, int> ConfirmedByCustomer { get; set; } = [];

    /// <summary>Uses taken by orders still being placed (or that died being placed), by order id.</summary>
    public Dictionary<string, PendingUse> Pending { get; set; } = [];
}

/// <summary>A use taken by an order that is not confirmed yet.</summary>
public sealed record PendingUse(string CustomerId, decimal Amount, DateTimeOffset At);

/// <summary>
/// A discount code; see <see cref="IDiscountGrain"/>. One request at a time (no interleaving), so every redemption
/// sees the uses of the previous one and the limits cannot be overrun.
/// </summary>
[GrainType("discount")]
public sealed class DiscountGrain(
    [EventedState("discount", OrderActorsStorage.EventLog)] IEventedState<DiscountState> discount,
    TimeProvider timeProvider)
    : Grain, IDiscountGrain
{
    private DiscountState State => discount.State;

    private string Code => this.GetPrimaryKeyString();

    public async Task<DiscountView> PutAsync(PutDiscount command)
    {
        var current = State.Terms;
        var next = new DiscountView(Code, command.Kind, command.Value, command.Currency, command.MinimumSubtotal, command.UsageLimit, command.PerCustomerLimit,
            command.StartsAt, command.EndsAt, command.Active, 0, (current?.Version ?? 0) + 1, timeProvider.GetUtcNow());
        if (current is not null && current with { Version = 0, UpdatedAt = default, Used = 0 } == next with { Version = 0, UpdatedAt = default })
        {
            return View()!;
        }

        if (command.PerCustomerLimit is null)
        {
            State.ConfirmedByCustomer.Clear(); // counted only while there is a limit to count against
        }

        State.Terms = next;
        await discount.WriteStateAsync(); // a failed write deactivates the grain: the next call reads the stored terms
        return View()!;
    }

    public Task<DiscountView?> GetAsync() => Task.FromResult(View());

    public async Task<DiscountRedemption> RedeemAsync(RedeemDiscount request)
    {
        if (State.Terms is not { } terms)
        {
            return DiscountRedemption.Refused("discount-not-found", $"There is no discount code '{Code}'.");
        }

        if (State.Pending.TryGetValue(request.OrderId, out var taken))
        {
            return new DiscountRedemption(taken.Amount, null, null); // the same order again (a retried placement)
        }

        var now = timeProvider.GetUtcNow();
        var (amount, refusal) = PricingLookups.Apply(terms, request.Subtotal, request.Currency, now);
        if (refusal is not null)
        {
            return DiscountRedemption.Refused("discount-not-applicable", refusal);
        }

        if (!await HasRoomAsync(terms, request))
        {
            return DiscountRedemption.Refused("discount-limit-reached",
                terms.UsageLimit is { } limit && Used >= limit ? $"Code '{Code}' has been used its {limit} time(s)." : $"Code '{Code}' may be used {terms.PerCustomerLimit} time(s) per customer.");
        }

        State.Pending[request.OrderId] = new PendingUse(request.CustomerId, amount, now);
        await discount.WriteStateAsync();
        return new DiscountRedemption(amount, null, null);
    }

    public async Task ReleaseAsync(string orderId)
    {
        if (State.Pending.Remove(orderId))
        {
            await discount.WriteStateAsync();
        }
    }

    public async Task ConfirmAsync(string orderId)
    {
        if (Confirm(orderId))
        {
            await discount.WriteStateAsync();
        }
    }

    private int Used => State.ConfirmedUses + State.Pending.Count;

    private int UsesOf(string customerId) => State.ConfirmedByCustomer.GetValueOrDefault(customerId) + State.Pending.Values.Count(p => p.CustomerId == customerId);

    private bool Full(DiscountView terms, string customerId)
        => terms.UsageLimit is { } limit && Used >= limit || terms.PerCustomerLimit is { } perCustomer && UsesOf(customerId) >= perCustomer;

    // At a limit, the uses of orders that died being placed are freed: each pending order is asked whether it exists
    // (an interleaving, read-only call; never the asking order itself, whose placement is this call).
    private async Task<bool> HasRoomAsync(DiscountView terms, RedeemDiscount request)
    {
        if (!Full(terms, request.CustomerId))
        {
            return true;
        }

        var changed = false;
        foreach (var orderId in State.Pending.Keys.Where(id => id != request.OrderId).ToArray())
        {
            ReservationVerdict verdict;
            try
            {
                verdict = await GrainFactory.GetGrain<IOrderGrain>(orderId).VouchForDiscountAsync(Code);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                continue; // unknown: the use stays taken
            }

            changed |= verdict switch
            {
                ReservationVerdict.Confirmed => Confirm(orderId),
                ReservationVerdict.Release => State.Pending.Remove(orderId),
                _ => false,
            };
        }

        if (changed)
        {
            await discount.WriteStateAsync();
        }

        return !Full(terms, request.CustomerId);
    }

    private bool Confirm(string orderId)
    {
        if (!State.Pending.Remove(orderId, out var use))
        {
            return false;
        }

        State.ConfirmedUses++;
        if (State.Terms?.PerCustomerLimit is not null)
        {
            State.ConfirmedByCustomer[use.CustomerId] = State.ConfirmedByCustomer.GetValueOrDefault(use.CustomerId) + 1;
        }

        return true;
    }

    private DiscountView? View() => State.Terms is { } terms ? terms with { Used = Used } : null;
}
