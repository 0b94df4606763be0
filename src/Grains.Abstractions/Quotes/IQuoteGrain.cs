namespace OrderActors.Grains.Quotes;

/// <summary>
/// A quote (draft order; key: the quote id, <c>quo_…</c>): ops price lines for a customer, send it with an expiry, and
/// the customer accepts it (it becomes an order at the quoted prices, its stock reserved then) or it expires.
/// </summary>
/// <remarks>
/// Nothing is reserved while a quote is a draft or sent: acceptance places the order, which reserves all lines or none.
/// Acceptance is written ahead like a cart's completion: the order id and the exact request are stored before the order
/// grain is asked, so a retry places the same order and a quote never becomes two. A sent quote expires at its expiry:
/// an Orleans reminder marks it (event <c>quote.expired</c>), and an acceptance after the expiry is refused even if the
/// reminder has not fired yet.
/// </remarks>
[Alias("OrderActors.Grains.Quotes.IQuoteGrain")]
public interface IQuoteGrain : IGrainWithStringKey
{
    /// <summary>Creates the draft; the same request again answers the quote, a different one is refused (<c>quote-exists</c>).</summary>
    [Alias("CreateAsync")]
    Task<QuoteView> CreateAsync(CreateQuote command);

    /// <summary>The quote with its totals, or null if it was never created.</summary>
    [Alias("GetAsync"), ReadOnly]
    Task<QuoteView?> GetAsync();

    /// <summary>Sends a draft to the customer with an expiry (sending a sent quote again moves its expiry).</summary>
    [Alias("SendAsync")]
    Task<QuoteView> SendAsync(SendQuote command);

    /// <summary>Withdraws a draft or sent quote.</summary>
    [Alias("CancelAsync")]
    Task<QuoteView> CancelAsync(CancelQuote command);

    /// <summary>The customer accepts: places the order; the outcome of the placement, with the order id it used.</summary>
    [Alias("AcceptAsync")]
    Task<AcceptQuoteResult> AcceptAsync(AcceptQuote command);
}
