namespace OrderActors.Grains.Carts;

/// <summary>
/// A shopping cart (key: the cart id, <c>cart_…</c>): lines, the buyer, an address, a shipping method and a discount
/// code, priced live from the catalog, and turned into an order by one idempotent call.
/// </summary>
/// <remarks>
/// A cart reserves nothing: stock is reserved when it is completed, so two carts may hold the last unit and the
/// second to complete is refused with the shortage (its cart stays open). Completion writes the order id it is about
/// to place before placing it: a retry after a lost answer or a crash places the same order with the same request,
/// which the order grain recognises, so a cart never becomes two orders. A refused completion leaves the cart open and
/// the next one uses a new order id (an order id that was refused stays refused). A cart left with items and not
/// changed for <c>OrderActors:Carts:AbandonedAfter</c> is marked abandoned by a reminder (event <c>cart.abandoned</c>);
/// a change after that brings it back.
/// </remarks>
[Alias("OrderActors.Grains.Carts.ICartGrain")]
public interface ICartGrain : IGrainWithStringKey
{
    /// <summary>Creates the cart; the same request again answers the cart, a different one is refused (<c>cart-exists</c>).</summary>
    [Alias("CreateAsync")]
    Task<CartView> CreateAsync(CreateCart command);

    /// <summary>The cart with live prices and totals, or null if it was never created.</summary>
    [Alias("GetAsync"), ReadOnly]
    Task<CartView?> GetAsync();

    /// <summary>Sets a line's quantity (adds the line if new; 0 removes it).</summary>
    [Alias("SetLineAsync")]
    Task<CartView> SetLineAsync(SetCartLine command);

    /// <summary>Changes the buyer, address, shipping method, discount code or priority.</summary>
    [Alias("UpdateAsync")]
    Task<CartView> UpdateAsync(UpdateCart command);

    /// <summary>Places the cart's order: the outcome of the placement, with the order id it used.</summary>
    [Alias("CompleteAsync")]
    Task<CompleteCartResult> CompleteAsync(CompleteCart command);
}
