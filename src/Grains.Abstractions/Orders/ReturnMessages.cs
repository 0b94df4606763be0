namespace OrderActors.Grains.Orders;

/// <summary>Why a customer sends units back (a fixed list, so reports can count them).</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ReturnReason")]
public enum ReturnReason
{
    /// <summary>Damaged in the customer's hands or on arrival.</summary>
    Damaged,

    /// <summary>Does not work.</summary>
    Defective,

    /// <summary>Not what was ordered.</summary>
    WrongItem,

    /// <summary>Not what the listing said.</summary>
    NotAsDescribed,

    /// <summary>The customer changed their mind.</summary>
    NoLongerNeeded,

    /// <summary>Wrong size or fit.</summary>
    SizeOrFit,

    /// <summary>Anything else (see the comment).</summary>
    Other,
}

/// <summary>What the customer gets for a return.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ReturnResolution")]
public enum ReturnResolution
{
    /// <summary>The money for the received units, through the payment gateway.</summary>
    Refund,

    /// <summary>The received units refunded, and a replacement order, linked to this one, charged in full.</summary>
    Exchange,
}

/// <summary>Where a return (RMA) is.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ReturnStatus")]
public enum ReturnStatus
{
    /// <summary>Opened, waiting for ops to authorize it (outside the auto-authorization policy).</summary>
    Requested,

    /// <summary>Authorized: the customer has instructions and a return label.</summary>
    Authorized,

    /// <summary>Received and inspected; restock, refund or replacement are being settled.</summary>
    Received,

    /// <summary>Received, restocked, and refunded or replaced.</summary>
    Completed,

    /// <summary>Refused by ops; its units count as returnable again.</summary>
    Rejected,
}

/// <summary>A returned unit's condition at inspection.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ItemCondition")]
public enum ItemCondition
{
    /// <summary>Goes back to available stock at the receiving location.</summary>
    Resellable,

    /// <summary>Recorded and written off.</summary>
    Damaged,
}

/// <summary>Units of a SKU.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.SkuQuantity")]
public sealed record SkuQuantity(string Sku, int Quantity);

/// <summary>A line of a return request.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.ReturnLineRequest")]
public sealed record ReturnLineRequest(string Sku, int Quantity, ReturnReason Reason, string? Comment);

/// <summary>A line of the replacement an exchange asks for (same or another SKU), at <paramref name="UnitPrice"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.ExchangeLine")]
public sealed record ExchangeLine(string Sku, int Quantity, decimal UnitPrice);

/// <summary>Opens a return of delivered units.</summary>
/// <param name="Lines">What comes back, and why.</param>
/// <param name="Resolution">Refund or exchange.</param>
/// <param name="Exchange">For an exchange: the replacement lines.</param>
/// <param name="Comment">The customer's words.</param>
/// <param name="IdempotencyKey">The client's key (scoped by the caller): a retry gets the same return.</param>
/// <param name="Actor">Who asks.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.RequestReturn")]
public sealed record RequestReturn(
    IReadOnlyList<ReturnLineRequest> Lines,
    ReturnResolution Resolution,
    IReadOnlyList<ExchangeLine> Exchange,
    string? Comment,
    string? IdempotencyKey,
    Actor Actor);

/// <summary>Ops authorize (<paramref name="Authorize"/> true) or reject a requested return; a retry with the same <paramref name="IdempotencyKey"/> gets the return.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.DecideReturn")]
public sealed record DecideReturn(string ReturnId, bool Authorize, string? Reason, Actor Actor, string? IdempotencyKey = null);

/// <summary>Units of a SKU found in a return parcel, in one condition.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.InspectedUnits")]
public sealed record InspectedUnits(string Sku, int Quantity, ItemCondition Condition);

/// <summary>
/// A return parcel arrived at <paramref name="Location"/> (null: where the return was sent; otherwise a stock location
/// of every SKU received) and was inspected; a retry with the same <paramref name="IdempotencyKey"/> gets the return.
/// </summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ReceiveReturn")]
public sealed record ReceiveReturn(string ReturnId, string? Location, IReadOnlyList<InspectedUnits> Lines, Actor Actor, string? IdempotencyKey = null);

/// <summary>A return line as readers see it.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.ReturnLineView")]
public sealed record ReturnLineView(string Sku, int Quantity, decimal UnitPrice, ReturnReason Reason, string? Comment);

/// <summary>What inspection found of one SKU.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.InspectionResult")]
public sealed record InspectionResult(string Sku, int Resellable, int Damaged);

/// <summary>The return label the customer prints.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.ReturnLabel")]
public sealed record ReturnLabel(string Carrier, string TrackingNumber, string Format, string Document);

/// <summary>A return (RMA) as readers see it. Its id is <c>{orderId}-r{n}</c>.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ReturnView")]
public sealed record ReturnView(
    string Id,
    string OrderId,
    ReturnStatus Status,
    ReturnResolution Resolution,
    IReadOnlyList<ReturnLineView> Lines,
    IReadOnlyList<ExchangeLine> Exchange,
    string? Comment,
    decimal Value,
    string Location,
    string? Instructions,
    ReturnLabel? Label,
    IReadOnlyList<InspectionResult> Inspection,
    decimal Refunded,
    string? ReplacementOrderId,
    string? Note,
    DateTimeOffset RequestedAt,
    DateTimeOffset? AuthorizedAt,
    DateTimeOffset? ReceivedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<string> AllowedActions);

/// <summary>Refunds captured money outside a return: units (unit price × quantity) plus an optional amount for shipping.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.RefundPayment")]
public sealed record RefundPayment(IReadOnlyList<SkuQuantity> Lines, decimal Shipping, string Reason, string? IdempotencyKey, Actor Actor);

/// <summary>Where a refund is.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.RefundStatus")]
public enum RefundStatus
{
    /// <summary>Written ahead, not yet answered by the gateway (finished before the order's next request).</summary>
    Pending,

    /// <summary>The gateway gave the money back.</summary>
    Refunded,

    /// <summary>The gateway declined it (see the failure); it is not retried until ops retry it.</summary>
    Failed,
}

/// <summary>Ops try a failed refund again, under a new gateway key.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.RetryRefund")]
public sealed record RetryRefund(string RefundId, Actor Actor);

/// <summary>Money given back. Its id is <c>{orderId}-f{n}</c>.</summary>
/// <param name="Id">The refund.</param>
/// <param name="Cause">The return or claim it settles, or null for a refund of its own.</param>
/// <param name="Amount">The amount refunded.</param>
/// <param name="Lines">The units it pays back.</param>
/// <param name="Shipping">The part of <paramref name="Amount"/> that is not for units.</param>
/// <param name="Reason">Why.</param>
/// <param name="Reference">The gateway's refund reference.</param>
/// <param name="At">When.</param>
/// <param name="Status">Pending, refunded or failed; only refunded ones count in the payment's <c>refunded</c>.</param>
/// <param name="Failure">Why the gateway declined it, for a failed refund.</param>
/// <param name="Attempt">Retries after a decline so far; each uses a new gateway key.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.RefundView")]
public sealed record RefundView(
    string Id,
    string? Cause,
    decimal Amount,
    IReadOnlyList<SkuQuantity> Lines,
    decimal Shipping,
    string Reason,
    string? Reference,
    DateTimeOffset At,
    RefundStatus Status = RefundStatus.Refunded,
    string? Failure = null,
    int Attempt = 0);

/// <summary>A problem with a delivery that needs no return parcel.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ClaimType")]
public enum ClaimType
{
    /// <summary>Units missing from the parcel.</summary>
    ItemMissing,

    /// <summary>Another item than the one ordered arrived.</summary>
    WrongItem,

    /// <summary>Units arrived damaged.</summary>
    ArrivedDamaged,

    /// <summary>The parcel never arrived (returned to sender, or no delivery long after the promised date).</summary>
    ParcelLost,
}

/// <summary>Where a claim is.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ClaimStatus")]
public enum ClaimStatus
{
    /// <summary>Waiting for ops.</summary>
    Open,

    /// <summary>Being refunded or replaced.</summary>
    Resolving,

    /// <summary>Refunded or replaced.</summary>
    Resolved,
}

/// <summary>How a claim is made good.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ClaimResolution")]
public enum ClaimResolution
{
    /// <summary>The claimed units' money back.</summary>
    Refund,

    /// <summary>A replacement order at no charge.</summary>
    Replacement,
}

/// <summary>Opens a claim; for a lost parcel <paramref name="ShipmentId"/> names it and the lines may be left out (the whole shipment).</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.OpenClaim")]
public sealed record OpenClaim(ClaimType Type, string? ShipmentId, IReadOnlyList<SkuQuantity> Lines, string Description, string? IdempotencyKey, Actor Actor);

/// <summary>Ops resolve a claim; a retry with the same <paramref name="IdempotencyKey"/> gets the claim.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.ResolveClaim")]
public sealed record ResolveClaim(string ClaimId, ClaimResolution Resolution, string? Note, Actor Actor, string? IdempotencyKey = null);

/// <summary>A claim as readers see it. Its id is <c>{orderId}-c{n}</c>.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Orders.ClaimView")]
public sealed record ClaimView(
    string Id,
    string OrderId,
    ClaimType Type,
    ClaimStatus Status,
    string? ShipmentId,
    IReadOnlyList<SkuQuantity> Lines,
    string Description,
    decimal Value,
    ClaimResolution? Resolution,
    decimal Refunded,
    string? ReplacementOrderId,
    string? Note,
    DateTimeOffset OpenedAt,
    DateTimeOffset? ResolvedAt,
    IReadOnlyList<string> AllowedActions);

/// <summary>What a replacement order owes: it replaces units of <paramref name="OriginalOrderId"/> for <paramref name="Cause"/>.</summary>
/// <param name="OriginalOrderId">The order whose units it replaces.</param>
/// <param name="Cause">The return (exchange) or claim.</param>
/// <param name="Credit">Value already paid on the original order: only the subtotal above it is charged.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Orders.ReplacementTerms")]
public sealed record ReplacementTerms(string OriginalOrderId, string Cause, decimal Credit);
