using OrderActors.EventLog;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Customers;

/// <summary>The stored state of a customer: its orders.</summary>
/// <remarks>A state table: a write stores the entries that changed, so a customer with years of orders costs a new order
/// one row, not the whole list.</remarks>
public sealed record CustomerState
{
    /// <summary>The customer's orders by id, those still being placed (or that died being placed) included.</summary>
    public StateTable<CustomerOrderEntry> Orders { get; set; } = new();
}

/// <summary>One of a customer's orders.</summary>
/// <param name="PlacedAt">When its placement began: its place in the list.</param>
/// <param name="Confirmed">Whether the order said it was written; until then it is tentative.</param>
public sealed record CustomerOrderEntry(DateTimeOffset PlacedAt, bool Confirmed);

/// <summary>
/// A customer's orders; see <see cref="ICustomerGrain"/>. One request at a time (no interleaving): a listing sees every
/// registration that came before it.
/// </summary>
/// <remarks>
/// <para>Invariant: an order whose placement was acknowledged (<see cref="PlacementOutcome.Placed"/>) is listed on the
/// very next read, and a refused one never is. The order registers here, durably, as tentative before it writes its
/// own state, so no order can exist without its entry; it confirms once written and forgets when refused. An entry is
/// listed only when its order, asked at that read, vouches that it is written (<see cref="IOrderGrain.VouchForCustomerAsync"/>):
/// a tentative entry whose order says there is no such order (refused, or its placement died before the write) is
/// dropped, one whose placement is still running is left out until it ends.</para>
/// <para>Calls go down from the order to this grain during placement; the one call back up, the vouch, is read-only and
/// interleaving on the order, so a listing never waits on a placement that waits on this grain.</para>
/// <para>Each listed order's summary, its status with it, is read from the order at the time of the listing rather than
/// kept here: the list reads its page's orders anyway (to vouch for tentative entries), and a copy kept here would need
/// a second durable write with every status change and its own repair when that write is lost. So the entries hold only
/// what orders the list (the placed time), and a confirmation needs no write: it is written with the next change, and
/// one lost with the activation is learned again from the order at the next listing.</para>
/// </remarks>
[GrainType("customer")]
public sealed class CustomerGrain(
    [EventedState("customer", OrderActorsStorage.EventLog)] IEventedState<CustomerState> customer)
    : Grain, ICustomerGrain
{
    // The order ids newest first (placed time, then id, both descending, as the orders report sorts); null after a change.
    private List<string>? _newestFirst;

    private CustomerState State => customer.State;

    public async Task RegisterAsync(CustomerOrderRef order)
    {
        if (State.Orders.ContainsKey(order.OrderId))
        {
            return; // a retried placement
        }

        State.Orders[order.OrderId] = new CustomerOrderEntry(order.PlacedAt, Confirmed: false);
        _newestFirst = null;
        await customer.WriteStateAsync(); // a failed write deactivates the grain, and the placement is refused
    }

    public async Task ConfirmAsync(CustomerOrderRef order)
    {
        if (State.Orders.ContainsKey(order.OrderId))
        {
            Confirm(order.OrderId); // written with the next change (see the remarks)
            return;
        }

        State.Orders[order.OrderId] = new CustomerOrderEntry(order.PlacedAt, Confirmed: true);
        _newestFirst = null;
        await customer.WriteStateAsync();
    }

    public async Task ForgetAsync(string orderId)
    {
        if (State.Orders.Peek(orderId, out var entry) && !entry.Confirmed)
        {
            State.Orders.Remove(orderId);
            _newestFirst = null;
            await customer.WriteStateAsync();
        }
    }

    public async Task<CustomerOrdersPage?> ListOrdersAsync(CustomerOrdersQuery query)
    {
        var ids = NewestFirst();
        var next = 0;
        if (query.After is { } after && (next = ids.IndexOf(after) + 1) == 0)
        {
            return null;
        }

        var listed = new List<CustomerOrderSummary>(Math.Min(query.Limit, ids.Count));
        var dropped = false;
        while (listed.Count < query.Limit && next < ids.Count)
        {
            // As many as the page still needs, asked at once; entries that turn out not to be listed make another round.
            var batch = ids.GetRange(next, Math.Min(query.Limit - listed.Count, ids.Count - next));
            next += batch.Count;
            var answers = await Task.WhenAll(batch.Select(id => GrainFactory.GetGrain<IOrderGrain>(id).VouchForCustomerAsync()));
            for (var i = 0; i < batch.Count; i++)
            {
                switch (answers[i])
                {
                    case { Verdict: ReservationVerdict.Confirmed, Order: { } order }:
                        listed.Add(order);
                        Confirm(batch[i]);
                        break;
                    case { Verdict: ReservationVerdict.Release } when State.Orders.Peek(batch[i], out var entry) && !entry.Confirmed:
                        State.Orders.Remove(batch[i]); // refused, or died before its write: there is no such order
                        dropped = true;
                        break;
                }

                // Pending: a placement still running, not acknowledged yet; listed once it is written.
            }
        }

        if (dropped)
        {
            _newestFirst = null;
            await customer.WriteStateAsync();
        }

        return new CustomerOrdersPage(listed, listed.Count == query.Limit && next < ids.Count ? listed[^1].Id : null);
    }

    private void Confirm(string orderId)
    {
        if (State.Orders.Peek(orderId, out var entry) && !entry.Confirmed)
        {
            State.Orders[orderId] = entry with { Confirmed = true };
        }
    }

    private List<string> NewestFirst()
        => _newestFirst ??= State.Orders
            .OrderByDescending(o => o.Value.PlacedAt)
            .ThenByDescending(o => o.Key, StringComparer.Ordinal)
            .Select(o => o.Key)
            .ToList();
}
