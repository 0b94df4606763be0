namespace OrderActors.Grains.Customers;

/// <summary>
/// A customer's orders, newest first, current the moment each placement is acknowledged (key: the customer id the
/// orders carry, <see cref="Orders.Customer.Id"/>). The orders report lists them too, but as a projection it trails the
/// writes; this grain is told by each order while it is placed.
/// </summary>
/// <remarks>
/// <para>The invariant: an order whose placement answered <see cref="Orders.PlacementOutcome.Placed"/> is in its
/// customer's list on the very next read, and an order whose placement was refused never is.</para>
/// <para>How it holds: a placement registers its order here as tentative once its stock is reserved and before the order
/// writes its state (the registration is durable before the order can be); once the order is written it confirms, and a
/// refused placement forgets. A registration that was neither confirmed nor forgotten (the process died in between, or a
/// confirmation was lost with this grain's activation) is resolved when it is listed: the grain asks the order
/// (<see cref="Orders.IOrderGrain.VouchForCustomerAsync"/>, read-only and interleaving, so it answers even while that
/// order's placement waits on this grain) and drops the entry if the order says it does not exist.</para>
/// </remarks>
[Alias("OrderActors.Grains.Customers.ICustomerGrain")]
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>Records an order being placed, as tentative; the same order again changes nothing.</summary>
    [Alias("RegisterAsync")]
    Task RegisterAsync(CustomerOrderRef order);

    /// <summary>
    /// Marks an order as written (its placement succeeded); puts it back if a listing dropped it meanwhile (a duplicate
    /// activation of the order, during a membership change, said there was no such order).
    /// </summary>
    [Alias("ConfirmAsync")]
    Task ConfirmAsync(CustomerOrderRef order);

    /// <summary>Drops an order whose placement was refused; a confirmed order is kept.</summary>
    [Alias("ForgetAsync")]
    Task ForgetAsync(string orderId);

    /// <summary>
    /// A page of the customer's orders, newest first (placed time, then id, both descending), each with its current
    /// status; null when <see cref="CustomerOrdersQuery.After"/> is not one of the customer's orders.
    /// </summary>
    [Alias("ListOrdersAsync")]
    Task<CustomerOrdersPage?> ListOrdersAsync(CustomerOrdersQuery query);
}
