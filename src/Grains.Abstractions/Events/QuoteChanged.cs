using OrderActors.Grains.Quotes;

namespace OrderActors.Grains.Events;

/// <summary>
/// A quote changed (type <c>quote.created</c>, <c>quote.sent</c>, <c>quote.accepted</c>, <c>quote.expired</c>,
/// <c>quote.cancelled</c>), with the quote after the change.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Events.QuoteChanged")]
public sealed record QuoteChanged(QuoteView Quote, Orders.Actor Actor)
{
    /// <summary>The event type of a quote entering <paramref name="status"/>.</summary>
    public static string TypeOf(QuoteStatus status) => status switch
    {
        QuoteStatus.Draft => "quote.created",
        QuoteStatus.Sent => "quote.sent",
        QuoteStatus.Accepted => "quote.accepted",
        QuoteStatus.Expired => "quote.expired",
        _ => "quote.cancelled",
    };
}
