namespace OrderActors.Grains.Pricing;

/// <summary>
/// A discount code (key: the code, upper case): an amount off an order's subtotal, with a minimum subtotal, a time
/// window and usage limits that hold under any concurrency — a code with 100 uses is never redeemed 101 times.
/// </summary>
/// <remarks>
/// An order redeems a use while it is placed, before it reserves stock, and confirms it once the order is written; a
/// refused placement releases it. A use whose order neither confirmed nor released it (the process died in between)
/// still counts until the code reaches a limit: then the grain asks each such order whether it exists
/// (<see cref="Orders.IOrderGrain.VouchForDiscountAsync"/>) and frees the uses of orders that do not.
/// </remarks>
[Alias("OrderActors.Grains.Pricing.IDiscountGrain")]
public interface IDiscountGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the code's terms; the uses so far are kept.</summary>
    [Alias("PutAsync")]
    Task<DiscountView> PutAsync(PutDiscount command);

    /// <summary>The code with its uses, or null if it was never created.</summary>
    [Alias("GetAsync"), ReadOnly]
    Task<DiscountView?> GetAsync();

    /// <summary>Takes a use for an order and answers the amount off; the same order again gets the same answer.</summary>
    [Alias("RedeemAsync")]
    [ResponseTimeout("00:00:30")] // a flash sale queues many placements on one code, one write each: legitimately longer than the default
    Task<DiscountRedemption> RedeemAsync(RedeemDiscount request);

    /// <summary>Gives back an order's use that was not confirmed (its placement was refused).</summary>
    [Alias("ReleaseAsync")]
    Task ReleaseAsync(string orderId);

    /// <summary>Marks an order's use as final (the order is written).</summary>
    [Alias("ConfirmAsync")]
    Task ConfirmAsync(string orderId);
}

/// <summary>How a discount takes its amount off.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Pricing.DiscountKind")]
public enum DiscountKind
{
    /// <summary>A percentage of the subtotal.</summary>
    Percentage,

    /// <summary>A fixed amount in one currency, at most the subtotal.</summary>
    Fixed,
}

/// <summary>Creates or replaces a discount code's terms.</summary>
/// <param name="Kind">Percentage or fixed amount.</param>
/// <param name="Value">The percentage (0 to 100) or the amount.</param>
/// <param name="Currency">For a fixed amount: its currency (orders in others cannot use it).</param>
/// <param name="MinimumSubtotal">The subtotal an order needs, in the order's currency.</param>
/// <param name="UsageLimit">Most orders that may use it, or null for no limit.</param>
/// <param name="PerCustomerLimit">Most orders per customer, or null for no limit.</param>
/// <param name="StartsAt">Usable from, or null.</param>
/// <param name="EndsAt">Usable until (exclusive), or null.</param>
/// <param name="Active">Whether it may be used at all.</param>
/// <param name="Actor">Who changes it.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Pricing.PutDiscount")]
public sealed record PutDiscount(
    DiscountKind Kind, decimal Value, string? Currency, decimal? MinimumSubtotal, int? UsageLimit, int? PerCustomerLimit,
    DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, bool Active, Orders.Actor Actor);

/// <summary>A discount code as ops see it.</summary>
/// <param name="Code">The code.</param>
/// <param name="Kind">Percentage or fixed.</param>
/// <param name="Value">The percentage or amount.</param>
/// <param name="Currency">A fixed amount's currency.</param>
/// <param name="MinimumSubtotal">The subtotal an order needs.</param>
/// <param name="UsageLimit">Most orders, or null.</param>
/// <param name="PerCustomerLimit">Most orders per customer, or null.</param>
/// <param name="StartsAt">Usable from.</param>
/// <param name="EndsAt">Usable until.</param>
/// <param name="Active">Whether it may be used.</param>
/// <param name="Used">Orders that used it, those still being placed included.</param>
/// <param name="Version">1 for the first terms, one more for each change.</param>
/// <param name="UpdatedAt">When the terms last changed.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Pricing.DiscountView")]
public sealed record DiscountView(
    string Code, DiscountKind Kind, decimal Value, string? Currency, decimal? MinimumSubtotal, int? UsageLimit, int? PerCustomerLimit,
    DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, bool Active, int Used, int Version, DateTimeOffset UpdatedAt);

/// <summary>An order asks for a use of a code.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Pricing.RedeemDiscount")]
public sealed record RedeemDiscount(string OrderId, string CustomerId, decimal Subtotal, string Currency);

/// <summary>The answer to <see cref="IDiscountGrain.RedeemAsync"/>.</summary>
/// <param name="Amount">The amount off the subtotal when applied.</param>
/// <param name="Refusal">Null when applied; otherwise <c>discount-not-found</c>, <c>discount-not-applicable</c> or <c>discount-limit-reached</c>.</param>
/// <param name="Message">Why, for people.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Pricing.DiscountRedemption")]
public sealed record DiscountRedemption(decimal Amount, string? Refusal, string? Message)
{
    /// <summary>A refusal.</summary>
    public static DiscountRedemption Refused(string code, string message) => new(0, code, message);
}
