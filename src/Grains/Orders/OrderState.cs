using OrderActors.Grains.Inventory;
using OrderActors.Grains.Pricing;
using OrderActors.Grains.Shipments;

namespace OrderActors.Grains.Orders;

/// <summary>The stored state of an order grain.</summary>
public sealed record OrderState
{
    /// <summary>The order status.</summary>
    public OrderStatus Status { get; set; }

    /// <summary>Hash of the placement command, to recognise a retry of the same placement.</summary>
    public string? Fingerprint { get; set; }

    /// <summary>The placement command.</summary>
    public PlaceOrder? Request { get; set; }

    /// <summary>Lines with their reservations.</summary>
    public List<OrderLine> Lines { get; set; } = [];

    /// <summary>When the order was placed.</summary>
    public DateTimeOffset PlacedAt { get; set; }

    /// <summary>The delivery date promised to the customer.</summary>
    public DateTimeOffset PromisedBy { get; set; }

    /// <summary>Why placement was refused, replayed to retries.</summary>
    public PlaceOrderResult? Rejection { get; set; }

    /// <summary>The money.</summary>
    public PaymentState Payment { get; set; } = new();

    /// <summary>Shipping, discount, tax and total, fixed at placement; null on orders placed before they existed.</summary>
    public OrderCharges? Charges { get; set; }

    /// <summary>The order's shipments, one per shipping location, as the order last saw them.</summary>
    public List<ShipmentRecord> Shipments { get; set; } = [];

    /// <summary>Whether every shipment grain is known to exist (repaired on activation otherwise).</summary>
    public bool ShipmentsCreated { get; set; }

    /// <summary>A cancellation that started and must be finished (resumed before the next request after a crash).</summary>
    public CancelPlan? PendingCancel { get; set; }

    /// <summary>An edit that started and must be finished or undone (resumed before the next request after a crash).</summary>
    public PendingEdit? PendingEdit { get; set; }

    /// <summary>The edits made, oldest first.</summary>
    public List<EditRecord> Edits { get; set; } = [];

    /// <summary>What happened to the order.</summary>
    public List<TimelineEntry> Timeline { get; set; } = [];

    /// <summary>How many timeline entries are on the order's stream (each is published with the write that records it).</summary>
    public int PublishedTimeline { get; set; }

    /// <summary>How many notifications are on the order's stream (as <c>customer.notification</c> events).</summary>
    public int PublishedNotifications { get; set; }

    /// <summary>The customer notifications, oldest first.</summary>
    public List<CustomerNotification> Notifications { get; set; } = [];

    /// <summary>Returns, oldest first.</summary>
    public List<ReturnRecord> Returns { get; set; } = [];

    /// <summary>Claims, oldest first.</summary>
    public List<ClaimRecord> Claims { get; set; } = [];

    /// <summary>Refunds after capture (returns, claims, refunds of their own; not cancellations), oldest first.</summary>
    public List<RefundView> Refunds { get; set; } = [];

    /// <summary>The customer's feedback, once given.</summary>
    public FeedbackView? Feedback { get; set; }

    /// <summary>Support tickets, oldest first.</summary>
    public List<TicketRecord> Tickets { get; set; } = [];

    /// <summary>Received returns and resolved claims whose restock, refund or replacement is not finished.</summary>
    public List<Settlement> PendingSettlements { get; set; } = [];

    /// <summary>Replacement orders placed for this order's returns and claims.</summary>
    public List<string> Replacements { get; set; } = [];

    /// <summary>Replacement order ids handed out so far (each is fixed before it is placed).</summary>
    public int ReplacementSequence { get; set; }

    /// <summary>After-sales requests made with an Idempotency-Key, by kind, client and key.</summary>
    public Dictionary<string, IdempotentRequest> Requests { get; set; } = [];

    /// <summary>
    /// What the buyer pays for the units still backordered (their share of the lines, and the shipping of parcels no
    /// shipment carries yet): the value the shipments of later allocations take over, or a cancellation takes off.
    /// </summary>
    public decimal BackorderValue { get; set; }

    /// <summary>Allocation rounds finished: round n's units ship under reservation and shipment ids derived from n.</summary>
    public int AllocationRounds { get; set; }

    /// <summary>An allocation round that started claiming units and must be finished (before the next request after a crash).</summary>
    public int? PendingAllocation { get; set; }
}

/// <summary>An order line and where its units are reserved.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Quantity">Units ordered.</param>
/// <param name="UnitPrice">The price of each unit.</param>
/// <param name="Allocations">Where its units are reserved.</param>
/// <param name="Committed">Units of this line taken by returns (not rejected), claims and unit refunds; see <see cref="LineTake"/>.</param>
/// <param name="TaxClass">The catalog's tax class when the order was placed.</param>
/// <param name="Discount">The line's share of the order's discount.</param>
/// <param name="Tax">The line's tax (included in the price when the order's prices include tax).</param>
/// <param name="Paid">What the buyer pays for the line (after discount, with tax); null for orders placed before totals (units × price).</param>
/// <param name="Backordered">Units waiting for stock: in neither <paramref name="Allocations"/> nor <paramref name="Allocated"/> yet.</param>
/// <param name="BackorderCancelled">Backordered units the order's cancellation took off before they were allocated.</param>
/// <param name="Allocated">Units allocated after placement (backorders), each in the shipment of its allocation round.</param>
public sealed record OrderLine(
    string Sku, int Quantity, decimal UnitPrice, IReadOnlyList<LocationAllocation> Allocations, int Committed = 0,
    string TaxClass = "standard", decimal Discount = 0, decimal Tax = 0, decimal? Paid = null,
    int Backordered = 0, int BackorderCancelled = 0, IReadOnlyList<ShipmentAllocation>? Allocated = null)
{
    /// <summary>What one unit cost the buyer (unrounded: refunds round the units they return together).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public decimal PaidPerUnit => (Paid ?? Quantity * UnitPrice) / Quantity;
}

/// <summary>What an order charges beyond its lines, and how it was taxed; null on orders placed before totals.</summary>
/// <param name="ShippingMethod">The carrier the customer picked, or null.</param>
/// <param name="Shipping">The shipping charge.</param>
/// <param name="ShippingTax">The tax on it.</param>
/// <param name="Discount">The discount.</param>
/// <param name="Tax">All tax, lines and shipping.</param>
/// <param name="Total">What the buyer pays.</param>
/// <param name="TaxIncluded">Whether the prices included the tax.</param>
/// <param name="TaxRegion">The tax region that applied (<c>US-CA</c>, <c>DE</c>), or null when none did.</param>
/// <param name="DiscountCode">The discount code redeemed, or null.</param>
public sealed record OrderCharges(string? ShippingMethod, decimal Shipping, decimal ShippingTax, decimal Discount, decimal Tax, decimal Total, bool TaxIncluded, string? TaxRegion,
    string? DiscountCode = null);

/// <summary>The money side of an order.</summary>
public sealed record PaymentState
{
    public string Method { get; set; } = "";

    public PaymentStatus Status { get; set; }

    public decimal Authorized { get; set; }

    public decimal Captured { get; set; }

    public decimal Refunded { get; set; }

    /// <summary>The gateway's authorization reference.</summary>
    public string? Authorization { get; set; }

    /// <summary>The gateway's capture reference.</summary>
    public string? Capture { get; set; }

    /// <summary>
    /// Value taken off while the payment was still only authorized (shipments cancelled, edits that lowered the total):
    /// the capture takes that much less.
    /// </summary>
    public decimal CancelledValue { get; set; }

    /// <summary>A shipment left and the payment is still to be captured (retried before the next request if the gateway failed).</summary>
    public bool CaptureDue { get; set; }

    /// <summary>Declined captures so far; each new attempt after a decline uses a new gateway key.</summary>
    public int CaptureAttempts { get; set; }
}

/// <summary>A cancellation in progress: which shipments it cancels, fixed when it started.</summary>
public sealed record CancelPlan(CancelOrder Command, IReadOnlyList<string> ShipmentIds);

/// <summary>A shipment as its order knows it; <paramref name="Reservation"/> is its inventory reservation when not the order id (a backorder's allocation round).</summary>
public sealed record ShipmentRecord(
    string Id, string Location, ShipmentStatus Status, decimal Value, IReadOnlyList<ShipmentLine> Lines, string? Carrier, string? TrackingNumber, DateTimeOffset? DeliveredAt = null,
    string? Reservation = null);

/// <summary>Units of a line allocated after placement, and the shipment that carries them.</summary>
public sealed record ShipmentAllocation(string ShipmentId, string Location, int Quantity);

/// <summary>
/// An order edit written ahead of its effects, in stages. Written first with the lines and address it leads to: until
/// it is <see cref="Priced"/>, only reservations have grown, and a refusal (stock, shipping, a changed total) undoes
/// them. Then with its price, before the gateway is asked for more: from here it is never priced again. Then with the
/// new <see cref="Authorization"/> (or straight away when nothing more is due): the point of no return, after which
/// it only goes forward (reservations are resized to a size, shipments re-planned to their lines, the old authorization
/// voided under the edit's key), so a crash is finished by applying it again.
/// </summary>
/// <param name="Number">The edit's number on the order (1 for the first): its gateway key.</param>
/// <param name="FromVersion">The order's version it was made on.</param>
/// <param name="Fingerprint">The request's, to answer its retry.</param>
/// <param name="Lines">The order's lines after it, priced.</param>
/// <param name="TaxClasses">The tax class of each SKU.</param>
/// <param name="Before">Units per SKU before it.</param>
/// <param name="ShippingAddress">The address after it.</param>
/// <param name="Discount">The discount after it.</param>
/// <param name="ExpectedTotal">The total the buyer was shown, if any.</param>
/// <param name="Reason">Why.</param>
/// <param name="Actor">Who.</param>
/// <param name="Payment">How a higher total is paid, when not with the order's own payment.</param>
/// <param name="Priced">Its price, once its growth is reserved and its total accepted.</param>
/// <param name="Authorization">The gateway's reference of the new total's authorization, once approved.</param>
public sealed record PendingEdit(
    int Number, int FromVersion, string Fingerprint, IReadOnlyList<OrderLineRequest> Lines, IReadOnlyDictionary<string, string> TaxClasses,
    IReadOnlyDictionary<string, int> Before, Address? ShippingAddress, decimal Discount, decimal? ExpectedTotal, string Reason, Actor Actor,
    PaymentDetails? Payment = null, PricedEdit? Priced = null, string? Authorization = null)
{

    /// <summary>Units per SKU after the edit.</summary>
    public Dictionary<string, int> After()
        => Lines.GroupBy(l => l.Sku, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity), StringComparer.Ordinal);

    /// <summary>The SKUs whose units the edit changes, with their units before and after (0: not on the order).</summary>
    public IReadOnlyList<(string Sku, int From, int To)> Changes()
    {
        var after = After();
        return Before.Keys.Concat(after.Keys).Distinct(StringComparer.Ordinal)
            .Select(sku => (sku, Before.GetValueOrDefault(sku), after.GetValueOrDefault(sku)))
            .Where(c => c.Item2 != c.Item3)
            .ToArray();
    }
}

/// <summary>An edit's price, fixed before the gateway is asked for more.</summary>
/// <param name="Edit">What the buyer is shown.</param>
/// <param name="Totals">The totals, per line.</param>
/// <param name="Charges">The order's charges after it.</param>
/// <param name="ShippingByLocation">The shipping charge per location units ship from.</param>
/// <param name="Allocations">Where each SKU's units ship from, as priced: what the edit's reservations end at.</param>
/// <param name="Authorize">The amount to authorize when the new total is more than the order's authorization covers.</param>
public sealed record PricedEdit(
    OrderEditPreview Edit, Totals Totals, OrderCharges Charges, IReadOnlyDictionary<string, decimal> ShippingByLocation,
    IReadOnlyDictionary<string, IReadOnlyList<LocationAllocation>> Allocations, decimal? Authorize);

/// <summary>An edit made.</summary>
/// <param name="Number">1 for the first.</param>
/// <param name="FromVersion">The order's version it was made on.</param>
/// <param name="Fingerprint">The request's, to answer its retry.</param>
/// <param name="At">When.</param>
/// <param name="PreviousTotal">The total before.</param>
/// <param name="Total">The total after.</param>
public sealed record EditRecord(int Number, int FromVersion, string Fingerprint, DateTimeOffset At, decimal PreviousTotal, decimal Total);
