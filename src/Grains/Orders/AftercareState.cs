namespace OrderActors.Grains.Orders;

/// <summary>A return as its order stores it.</summary>
public sealed record ReturnRecord
{
    public string Id { get; set; } = "";

    public ReturnStatus Status { get; set; }

    public ReturnResolution Resolution { get; set; }

    public List<ReturnLineView> Lines { get; set; } = [];

    public List<ExchangeLine> Exchange { get; set; } = [];

    /// <summary>The order lines whose units this return takes (cheapest first), released if it is rejected.</summary>
    public List<LineTake> Takes { get; set; } = [];

    public string? Comment { get; set; }

    /// <summary>Unit price × units of the lines.</summary>
    public decimal Value { get; set; }

    /// <summary>Where the parcel goes: the location the units shipped from.</summary>
    public string Location { get; set; } = "";

    public string? Instructions { get; set; }

    public ReturnLabel? Label { get; set; }

    public List<InspectionResult> Inspection { get; set; } = [];

    public decimal Refunded { get; set; }

    public string? ReplacementOrderId { get; set; }

    public string? Note { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? AuthorizedAt { get; set; }

    public DateTimeOffset? ReceivedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>A claim as its order stores it.</summary>
public sealed record ClaimRecord
{
    public string Id { get; set; } = "";

    public ClaimType Type { get; set; }

    public ClaimStatus Status { get; set; }

    public string? ShipmentId { get; set; }

    public List<SkuQuantity> Lines { get; set; } = [];

    /// <summary>The order lines whose units this claim takes (cheapest first).</summary>
    public List<LineTake> Takes { get; set; } = [];

    public string Description { get; set; } = "";

    public decimal Value { get; set; }

    public ClaimResolution? Resolution { get; set; }

    public decimal Refunded { get; set; }

    public string? ReplacementOrderId { get; set; }

    public string? Note { get; set; }

    public DateTimeOffset OpenedAt { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }
}

/// <summary>A support ticket as its order stores it.</summary>
public sealed record TicketRecord
{
    public string Id { get; set; } = "";

    public string Subject { get; set; } = "";

    public TicketStatus Status { get; set; }

    public TicketPriority Priority { get; set; }

    public string? AssignedTo { get; set; }

    public DateTimeOffset OpenedAt { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    public string? Resolution { get; set; }

    public List<TicketMessage> Messages { get; set; } = [];
}

/// <summary>
/// What a received return or a resolved claim still has to do, written ahead so that a crash or a gateway outage
/// is finished before the order's next request: every step is idempotent (restock keyed by <paramref name="Cause"/>,
/// the replacement order's id fixed here, the refund's gateway key derived from <paramref name="Cause"/>).
/// </summary>
/// <param name="Cause">The return or claim id.</param>
/// <param name="Location">Where returned units are restocked (null: nothing comes back).</param>
/// <param name="Restock">Returned units by SKU and condition.</param>
/// <param name="Refund">Money to give back (before any replacement).</param>
/// <param name="RefundLines">The units the refund pays for.</param>
/// <param name="Replacement">A replacement order to place, or null.</param>
/// <param name="Actor">Who started it.</param>
public sealed record Settlement(
    string Cause,
    string? Location,
    IReadOnlyList<InspectionResult> Restock,
    decimal Refund,
    IReadOnlyList<SkuQuantity> RefundLines,
    ReplacementPlan? Replacement,
    Actor Actor);

/// <summary>A replacement order to place: its id, lines, and the value already paid that it is credited.</summary>
public sealed record ReplacementPlan(string OrderId, IReadOnlyList<OrderLineRequest> Lines, decimal Credit);

/// <summary>
/// Units of one order line taken by a return, a claim or a unit refund, valued at that line's price. A SKU sold on
/// several lines at different prices (buy one, get one free) gives its cheapest units first, so a customer never
/// gets back more than was paid for the units they keep.
/// </summary>
/// <param name="Line">Index of the line in <see cref="OrderState.Lines"/>.</param>
/// <param name="Sku">The line's SKU.</param>
/// <param name="Quantity">Units taken.</param>
/// <param name="UnitPrice">The line's unit price.</param>
/// <param name="PaidPerUnit">What one unit of the line cost the buyer (after discount, with tax; unrounded): what taking it back is worth.
/// Takes recorded before it existed read 0 and are valued at <paramref name="UnitPrice"/>.</param>
public sealed record LineTake(int Line, string Sku, int Quantity, decimal UnitPrice, decimal PaidPerUnit = 0)
{
    /// <summary>What the taken units are worth, unrounded.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public decimal Worth => Quantity * (PaidPerUnit > 0 ? PaidPerUnit : UnitPrice);
}

/// <summary>A request made with an Idempotency-Key: its fingerprint, and the id of what it created.</summary>
public sealed record IdempotentRequest(string Fingerprint, string ResultId);
