namespace OrderActors.Grains.Orders;

/// <summary>
/// An edit of an order that has not started to ship (every shipment still waiting to be picked): its lines, its
/// address, or both, as one change set. With <paramref name="Preview"/> nothing changes: the answer shows the new lines
/// and totals, the payment difference and the <see cref="OrderEditPreview.Version"/> to confirm against.
/// </summary>
/// <param name="Lines">
/// The order's lines after the edit, one per SKU, or null to keep them. A SKU the order has keeps the unit price it was
/// bought at; a new SKU is priced from the catalog now. A SKU left out is removed.
/// </param>
/// <param name="ShippingAddress">The new address, or null to keep it.</param>
/// <param name="Preview">True to see the edit without making it.</param>
/// <param name="Version">The order's version the edit was previewed on (<see cref="OrderView.Version"/>); refused if the order changed since. Null: the order as it is.</param>
/// <param name="ExpectedTotal">The new total the buyer was shown; refused if confirming would charge another.</param>
/// <param name="Reason">Why, for the timeline.</param>
/// <param name="Actor">Who edits.</param>
/// <param name="Payment">How to pay a higher total (it becomes the order's payment), or null for the order's own.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.EditOrder")]
public sealed record EditOrder(
    IReadOnlyList<SkuQuantity>? Lines,
    Address? ShippingAddress,
    bool Preview,
    int? Version,
    decimal? ExpectedTotal,
    string? Reason,
    Actor Actor,
    PaymentDetails? Payment = null);

/// <summary>How an edit ended.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.EditOutcome")]
public enum EditOutcome
{
    /// <summary>A preview: nothing changed.</summary>
    Previewed,

    /// <summary>The order is edited.</summary>
    Edited,

    /// <summary>Added units are not in stock; nothing changed (see the shortages).</summary>
    OutOfStock,

    /// <summary>The payment for a higher total was declined; nothing changed.</summary>
    PaymentDeclined,

    /// <summary>The payment gateway did not answer; nothing changed, try again.</summary>
    PaymentUnavailable,

    /// <summary>The order's shipping method cannot ship the edited order (to the new address); nothing changed.</summary>
    ShippingUnavailable,

    /// <summary>A new SKU is not on sale in the order's currency; nothing changed.</summary>
    Unpriced,

    /// <summary>Confirming would charge another total than <see cref="EditOrder.ExpectedTotal"/>; nothing changed.</summary>
    TotalChanged,

    /// <summary>A new SKU is not in the catalog at all; nothing changed.</summary>
    UnknownSku,
}

/// <summary>An edit's effect: the order's lines and totals after it, and the payment difference.</summary>
/// <param name="Version">The order's version the edit applies to; confirm with it.</param>
/// <param name="Lines">The lines after the edit, with where their units would ship from.</param>
/// <param name="ShippingAddress">The address after the edit.</param>
/// <param name="Subtotal">Units × prices.</param>
/// <param name="DiscountTotal">The order's discount code applied to the new subtotal (its terms as they are; nothing when below its minimum).</param>
/// <param name="ShippingTotal">The order's shipping method, priced for the new parcels.</param>
/// <param name="TaxTotal">Tax of lines and shipping.</param>
/// <param name="Total">What the buyer pays after the edit.</param>
/// <param name="PreviousTotal">What the buyer paid before.</param>
/// <param name="Difference">Total − previous total: more to authorize when positive, less to charge when negative.</param>
/// <param name="Payment">What confirming does to the payment: <c>authorize</c> (the new total, then the old authorization is voided), <c>reduce</c> (the capture takes less), or <c>none</c>.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.OrderEditPreview")]
public sealed record OrderEditPreview(
    int Version,
    IReadOnlyList<OrderLineView> Lines,
    Address? ShippingAddress,
    decimal Subtotal,
    decimal DiscountTotal,
    decimal ShippingTotal,
    decimal TaxTotal,
    decimal Total,
    decimal PreviousTotal,
    decimal Difference,
    string Payment);

/// <summary>The answer to an edit.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Edit">What the edit does (or did); null when it could not be priced.</param>
/// <param name="Order">The order after a confirmed edit.</param>
/// <param name="Shortages">What was short, with in-stock alternatives, when <see cref="EditOutcome.OutOfStock"/>.</param>
/// <param name="PaymentProblem">The gateway's answer when the payment was refused or unavailable.</param>
/// <param name="Detail">Why, in words, for the other refusals.</param>
/// <param name="Skus">The SKUs a refusal is about (not in the catalog, or not priced in the currency).</param>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.OrderEditResult")]
public sealed record OrderEditResult(
    EditOutcome Outcome,
    OrderEditPreview? Edit,
    OrderView? Order,
    IReadOnlyList<Shortage> Shortages,
    PaymentProblem? PaymentProblem = null,
    string? Detail = null,
    IReadOnlyList<string>? Skus = null);
