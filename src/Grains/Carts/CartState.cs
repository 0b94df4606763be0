using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Carts;

/// <summary>The stored state of a cart grain.</summary>
public sealed record CartState
{
    /// <summary>The creation request's fingerprint (the same request again is a retry); empty until created.</summary>
    public string Fingerprint { get; set; } = "";

    /// <summary>Open, being completed, or completed.</summary>
    public CartStatus Status { get; set; }

    /// <summary>The sales channel.</summary>
    public SalesChannel Channel { get; set; }

    /// <summary>ISO 4217 currency.</summary>
    public string Currency { get; set; } = "";

    /// <summary>The priority its order gets.</summary>
    public OrderPriority Priority { get; set; }

    /// <summary>The buyer, once known.</summary>
    public Customer? Customer { get; set; }

    /// <summary>One line per SKU, in the order they were added.</summary>
    public List<CartLineRequest> Lines { get; set; } = [];

    /// <summary>Where to ship.</summary>
    public Address? ShippingAddress { get; set; }

    /// <summary>The carrier picked.</summary>
    public string? ShippingMethod { get; set; }

    /// <summary>The discount code given (upper case).</summary>
    public string? DiscountCode { get; set; }

    /// <summary>1 when created, one more per change.</summary>
    public int Version { get; set; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Whether it was marked abandoned since its last change.</summary>
    public bool Abandoned { get; set; }

    /// <summary>Whether the abandonment reminder is registered.</summary>
    public bool Watched { get; set; }

    /// <summary>Completions tried so far: each gets its own order id.</summary>
    public int Attempts { get; set; }

    /// <summary>The order being placed (written before the placement is asked for, so a retry places the same one).</summary>
    public PendingPlacement? Checkout { get; set; }

    /// <summary>Once completed: the cart as its order charged it.</summary>
    public CartView? Final { get; set; }
}
