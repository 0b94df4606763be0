using Microsoft.Extensions.Time.Testing;
using OrderActors.Grains;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Quotes;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>Quotes expire at their expiry, whether or not the reminder has fired yet.</summary>
public sealed class QuoteTests
{
    private static readonly Actor Ops = new("api-key:ops", "test");
    private static readonly Actor Buyer = new("api-key:storefront", "test");

    private static async Task<IQuoteGrain> SentAsync(OrderActorsTestCluster cluster, FakeTimeProvider time, TimeSpan validFor)
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        await TestCatalog.StockAsync(cluster.Grains, sku, new SetStock([new LocationQuantity("main", 10)], []));
        var quote = cluster.Grains.GetGrain<IQuoteGrain>($"quo_{Guid.NewGuid():N}");
        await quote.CreateAsync(new CreateQuote(new Customer("cus-q", null, null), SalesChannel.Phone, "USD", [new QuoteLineRequest(sku, 2, 9m)],
            new Address(null, "1 Main St", null, "Springfield", null, "12345", "US"), null, null, Ops));
        await quote.SendAsync(new SendQuote(time.GetUtcNow() + validFor, Ops));
        return quote;
    }

    private static Task<AcceptQuoteResult> AcceptAsync(IQuoteGrain quote) => quote.AcceptAsync(new AcceptQuote(new PaymentDetails("invoice", null), Buyer));

    [Fact]
    public async Task A_sent_quote_expires_by_its_reminder_and_an_acceptance_after_the_expiry_is_refused_even_before_it_fires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
        await using var cluster = await OrderActorsTestCluster.StartAsync(time: time);
        var ticked = await SentAsync(cluster, time, TimeSpan.FromHours(1));
        var late = await SentAsync(cluster, time, TimeSpan.FromHours(1));

        time.Advance(TimeSpan.FromMinutes(59));
        await ticked.AsReference<IRemindable>().ReceiveReminder(QuoteGrain.ExpiryReminder, default);
        Assert.Equal(QuoteStatus.Sent, (await ticked.GetAsync())!.Status); // a tick before the expiry changes nothing

        time.Advance(TimeSpan.FromMinutes(1));
        await ticked.AsReference<IRemindable>().ReceiveReminder(QuoteGrain.ExpiryReminder, default);
        Assert.Equal(QuoteStatus.Expired, (await ticked.GetAsync())!.Status);
        Assert.Equal("quote-expired", (await Assert.ThrowsAsync<DomainException>(() => AcceptAsync(ticked))).Code);

        // No tick for this one: the expiry itself refuses the acceptance, and marks the quote.
        Assert.Equal("quote-expired", (await Assert.ThrowsAsync<DomainException>(() => AcceptAsync(late))).Code);
        Assert.Equal(QuoteStatus.Expired, (await late.GetAsync())!.Status);
    }

    [Fact]
    public async Task Concurrent_acceptances_of_one_quote_place_one_order()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
        await using var cluster = await OrderActorsTestCluster.StartAsync(time: time);
        var quote = await SentAsync(cluster, time, TimeSpan.FromDays(1));

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => AcceptAsync(quote)));

        Assert.All(results, r => Assert.Equal(PlacementOutcome.Placed, r.Result.Outcome));
        Assert.Single(results.Select(r => r.OrderId).Distinct());
        Assert.Equal(2, (await cluster.Grains.GetGrain<IInventoryGrain>((await quote.GetAsync())!.Lines[0].Sku).GetAsync())!.Reserved);
    }
}
