using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Quotes;

/// <summary>A quoted line: units at a price ops set (the catalog price when none is given).</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Quotes.QuoteLineRequest")]
public sealed record QuoteLineRequest(string Sku, int Quantity, decimal? UnitPrice);

/// <summary>Creates a draft quote.</summary>
/// <param name="Customer">Who it is for.</param>
/// <param name="Channel">The channel its order is placed through.</param>
/// <param name="Currency">ISO 4217.</param>
/// <param name="Lines">The lines, one per SKU.</param>
/// <param name="ShippingAddress">Where its order ships.</param>
/// <param name="ShippingMethod">The carrier quoted, or null for free shipping by the cheapest carrier that keeps the promise.</param>
/// <param name="Note">For the customer.</param>
/// <param name="Actor">Who drafts it (ops).</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Quotes.CreateQuote")]
public sealed record CreateQuote(
    Customer Customer, SalesChannel Channel, string Currency, IReadOnlyList<QuoteLineRequest> Lines, Address ShippingAddress, string? ShippingMethod, string? Note, Actor Actor);

/// <summary>Sends a quote; it may be accepted until <paramref name="ExpiresAt"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Quotes.SendQuote")]
public sealed record SendQuote(DateTimeOffset ExpiresAt, Actor Actor);

/// <summary>Withdraws a quote.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Quotes.CancelQuote")]
public sealed record CancelQuote(string Reason, Actor Actor);

/// <summary>Accepts a quote, paying with <paramref name="Payment"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Quotes.AcceptQuote")]
public sealed record AcceptQuote(PaymentDetails Payment, Actor Actor);

/// <summary>The outcome of accepting a quote.</summary>
/// <param name="OrderId">The order placed, or tried.</param>
/// <param name="Result">The placement's result.</param>
/// <param name="Command">The order request the quote made.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Quotes.AcceptQuoteResult")]
public sealed record AcceptQuoteResult(string OrderId, PlaceOrderResult Result, PlaceOrder Command);

/// <summary>Where a quote is.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Quotes.QuoteStatus")]
public enum QuoteStatus
{
    /// <summary>Being prepared by ops; the customer cannot accept it yet.</summary>
    Draft,

    /// <summary>Sent: the customer may accept it until it expires.</summary>
    Sent,

    /// <summary>An acceptance is placing its order, or ended without an answer: accepting again finishes it.</summary>
    Accepting,

    /// <summary>Accepted: its order is placed.</summary>
    Accepted,

    /// <summary>Not accepted in time.</summary>
    Expired,

    /// <summary>Withdrawn by ops.</summary>
    Cancelled,
}

/// <summary>A quoted line with its price and tax.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Quotes.QuoteLineView")]
public sealed record QuoteLineView(string Sku, string? Title, int Quantity, decimal UnitPrice, decimal? CatalogPrice, decimal Total, decimal Tax);

/// <summary>A quote: its lines at the quoted prices, the totals its order would have (shipping estimated for one parcel), and where it is.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Quotes.QuoteView")]
public sealed record QuoteView(
    string Id,
    QuoteStatus Status,
    Customer Customer,
    SalesChannel Channel,
    string Currency,
    IReadOnlyList<QuoteLineView> Lines,
    Address ShippingAddress,
    string? ShippingMethod,
    string? Note,
    decimal Subtotal,
    decimal ShippingTotal,
    decimal TaxTotal,
    decimal Total,
    bool TaxIncluded,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SentAt,
    DateTimeOffset? ExpiresAt,
    string? OrderId,
    string? CancelReason,
    IReadOnlyList<string> AllowedActions,
    int Version);
