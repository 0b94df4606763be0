using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Carts;

/// <summary>Creates a cart.</summary>
/// <param name="Channel">The sales channel its order is placed through.</param>
/// <param name="Currency">ISO 4217: what its prices are in.</param>
/// <param name="Customer">The buyer, when known yet.</param>
/// <param name="Lines">Lines to start with (SKU and quantity; prices come from the catalog).</param>
/// <param name="ShippingAddress">Where to ship, when known yet.</param>
/// <param name="ShippingMethod">The carrier picked, when picked.</param>
/// <param name="DiscountCode">A discount code (upper case), when given.</param>
/// <param name="Priority">The priority its order gets.</param>
/// <param name="Actor">Who creates it.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Carts.CreateCart")]
public sealed record CreateCart(
    SalesChannel Channel, string Currency, Customer? Customer, IReadOnlyList<CartLineRequest> Lines, Address? ShippingAddress,
    string? ShippingMethod, string? DiscountCode, OrderPriority Priority, Actor Actor);

/// <summary>A line asked for: SKU and units.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Carts.CartLineRequest")]
public sealed record CartLineRequest(string Sku, int Quantity);

/// <summary>Sets a line's units: 0 removes the line.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Carts.SetCartLine")]
public sealed record SetCartLine(string Sku, int Quantity, Actor Actor);

/// <summary>
/// Changes what is given (null leaves a part as it is): the buyer, the address, the shipping method and the discount code
/// (an empty string removes either), the priority.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Carts.UpdateCart")]
public sealed record UpdateCart(Customer? Customer, Address? ShippingAddress, string? ShippingMethod, string? DiscountCode, OrderPriority? Priority, Actor Actor);

/// <summary>
/// Places the cart's order with this payment (and the buyer, when the cart has none yet). With
/// <paramref name="ExpectedTotal"/> (the total the buyer was shown) a cart whose total is not that any more (a price or
/// a code changed) is refused, <c>cart-total-changed</c>, and nothing is placed.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Carts.CompleteCart")]
public sealed record CompleteCart(PaymentDetails Payment, Customer? Customer, Actor Actor, decimal? ExpectedTotal = null);

/// <summary>The outcome of completing a cart.</summary>
/// <param name="OrderId">The order it placed, or tried to.</param>
/// <param name="Result">The placement's result (its order once placed, or why not).</param>
/// <param name="Command">The order request the cart made.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Carts.CompleteCartResult")]
public sealed record CompleteCartResult(string OrderId, PlaceOrderResult Result, PlaceOrder Command);

/// <summary>Whether a cart is still being filled.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Carts.CartStatus")]
public enum CartStatus
{
    /// <summary>Being filled.</summary>
    Open,

    /// <summary>
    /// Its order is being placed, or a completion ended without an answer (a timeout, a lost silo): it takes no changes
    /// until completed again, which places the same order and answers how it went.
    /// </summary>
    Completing,

    /// <summary>Its order is placed; it changes no more.</summary>
    Completed,
}

/// <summary>A cart line with its live price.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Title">The catalog title, or null when the SKU left the catalog.</param>
/// <param name="Quantity">Units.</param>
/// <param name="UnitPrice">The catalog price in the cart's currency, or null when it has none (see the cart's problems).</param>
/// <param name="Total">Units × unit price.</param>
/// <param name="Discount">Its share of the discount.</param>
/// <param name="Tax">Its tax.</param>
/// <param name="Available">Units available to sell now over every location; null once the cart is completed.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Carts.CartLineView")]
public sealed record CartLineView(string Sku, string? Title, int Quantity, decimal? UnitPrice, decimal Total, decimal Discount, decimal Tax, int? Available);

/// <summary>Something that would stop the cart from becoming an order now, or the code that would not apply.</summary>
/// <param name="Type">Stable, as the placement would answer it: <c>sku-not-priced</c>, <c>out-of-stock</c>,
/// <c>discount-not-found</c>, <c>discount-not-applicable</c>, <c>discount-limit-reached</c>, <c>shipping-method-not-available</c>,
/// <c>customer-required</c>, <c>shipping-address-required</c>, <c>cart-empty</c>.</param>
/// <param name="Detail">For people.</param>
/// <param name="Sku">The line it concerns, if one.</param>
/// <param name="Alternatives">For <c>out-of-stock</c>: in-stock substitutes.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Carts.CartProblem")]
public sealed record CartProblem(string Type, string Detail, string? Sku = null, IReadOnlyList<Alternative>? Alternatives = null);

/// <summary>
/// A cart as the storefront sees it, priced now: the totals are what its order would charge, except that the shipping
/// charge is an estimate for one parcel (an order split over locations pays a parcel per location). A completed cart
/// shows what its order charged.
/// </summary>
[GenerateSerializer, Alias("OrderActors.Grains.Carts.CartView")]
public sealed record CartView(
    string Id,
    CartStatus Status,
    SalesChannel Channel,
    string Currency,
    OrderPriority Priority,
    Customer? Customer,
    IReadOnlyList<CartLineView> Lines,
    Address? ShippingAddress,
    string? ShippingMethod,
    string? DiscountCode,
    decimal Subtotal,
    decimal DiscountTotal,
    decimal ShippingTotal,
    decimal TaxTotal,
    decimal Total,
    bool TaxIncluded,
    IReadOnlyList<CartProblem> Problems,
    string? OrderId,
    bool Abandoned,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt);
