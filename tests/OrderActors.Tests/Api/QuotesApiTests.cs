using System.Net.Http.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Quotes;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Quotes through the API: ops draft and send, the customer accepts and gets an order at the quoted prices.</summary>
public sealed class QuotesApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly object Address = new { name = "Buyer Co", line1 = "9 Dock Rd", city = "Springfield", postalCode = "12345", country = "US" };
    private static readonly object Payment = new { payment = new { method = "invoice" } };

    private async Task<QuoteView> DraftAsync(params (string Sku, int Quantity, decimal? UnitPrice)[] lines)
        => await (await fixture.Ops.PostJsonAsync("/v1/quotes", new
        {
            customer = new { id = "cus-b2b", email = "buyer@example.com" },
            lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity, unitPrice = l.UnitPrice }).ToArray(),
            shippingAddress = Address,
            note = "Volume price, valid a week.",
        })).ReadAsync<QuoteView>(201, "draft a quote");

    private async Task<QuoteView> SendAsync(string id, TimeSpan validFor)
        => await (await fixture.Ops.PostJsonAsync($"/v1/quotes/{id}/send", new { expiresAt = DateTimeOffset.UtcNow + validFor })).ReadAsync<QuoteView>(200, "send it");

    private async Task<(int Reserved, int Available)> StockAsync(string sku)
    {
        var stock = await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, $"stock of {sku}");
        return (stock.Reserved, stock.Available);
    }

    [Fact]
    public async Task A_sent_quote_becomes_an_order_at_the_quoted_prices_when_accepted_once_however_often()
    {
        var (bolts, nuts) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        await fixture.StockAsync(bolts, 500);
        await fixture.StockAsync(nuts, 500);
        var draft = await DraftAsync((bolts, 200, 7.25m), (nuts, 100, null));

        Assert.Equal((QuoteStatus.Draft, "phone"), (draft.Status, ReportName(draft.Channel)));
        Assert.Equal([(7.25m, 10m), (10m, 10m)], draft.Lines.Select(l => (l.UnitPrice, l.CatalogPrice!.Value)));
        Assert.Equal(200 * 7.25m + 100 * 10m, draft.Subtotal);
        await (await fixture.Storefront.PostJsonAsync($"/v1/quotes/{draft.Id}/accept", Payment)).AssertProblemAsync(409, "invalid-transition", "a draft is not acceptable");
        Assert.Equal((0, 500), await StockAsync(bolts)); // a quote reserves nothing

        var sent = await SendAsync(draft.Id, TimeSpan.FromDays(7));
        Assert.Equal(QuoteStatus.Sent, sent.Status);
        Assert.Equal(["send", "accept", "cancel"], sent.AllowedActions);
        Assert.Equal(sent.Total, (await (await fixture.Storefront.GetAsync($"/v1/quotes/{draft.Id}")).ReadAsync<QuoteView>(200, "the customer reads it")).Total);

        var order = await (await fixture.Storefront.PostJsonAsync($"/v1/quotes/{draft.Id}/accept", Payment)).ReadAsync<OrderView>(201, "accept");
        Assert.Equal([7.25m, 10m], order.Lines.Select(l => l.UnitPrice));
        Assert.Equal((sent.Subtotal, sent.Total, "cus-b2b"), (order.Subtotal, order.Total, order.Customer.Id));
        Assert.Contains(order.Timeline, t => t.Type == "order.price_overridden" && t.Details.Contains(bolts) && t.Details.Contains("catalog price 10.00"));
        Assert.Equal((200, 300), await StockAsync(bolts));

        var again = await (await fixture.Storefront.PostJsonAsync($"/v1/quotes/{draft.Id}/accept", Payment)).ReadAsync<OrderView>(201, "accept again");
        Assert.Equal(order.Id, again.Id);
        Assert.Equal((200, 300), await StockAsync(bolts));
        var accepted = await (await fixture.Ops.GetAsync($"/v1/quotes/{draft.Id}")).ReadAsync<QuoteView>(200, "accepted");
        Assert.Equal((QuoteStatus.Accepted, order.Id), (accepted.Status, accepted.OrderId));
        await (await fixture.Ops.PostJsonAsync($"/v1/quotes/{draft.Id}/cancel", new { reason = "too late" })).AssertProblemAsync(409, "invalid-transition", "cancel an accepted quote");
    }

    [Fact]
    public async Task An_acceptance_refused_for_stock_leaves_the_quote_open_and_a_withdrawn_one_cannot_be_accepted()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var quote = await DraftAsync((sku, 10, 8m));
        await SendAsync(quote.Id, TimeSpan.FromDays(1));

        await (await fixture.Storefront.PostJsonAsync($"/v1/quotes/{quote.Id}/accept", Payment)).AssertProblemAsync(409, "out-of-stock", "only 5 in stock");
        Assert.Equal(QuoteStatus.Sent, (await (await fixture.Ops.GetAsync($"/v1/quotes/{quote.Id}")).ReadAsync<QuoteView>(200, "still open")).Status);
        Assert.Equal((0, 5), await StockAsync(sku));

        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}", ApiBodies.Stock(50))).EnsureSuccessStatusCode();
        var cancelled = await (await fixture.Ops.PostJsonAsync($"/v1/quotes/{quote.Id}/cancel", new { reason = "price list changed" })).ReadAsync<QuoteView>(200, "withdraw");
        Assert.Equal((QuoteStatus.Cancelled, "price list changed"), (cancelled.Status, cancelled.CancelReason));
        await (await fixture.Storefront.PostJsonAsync($"/v1/quotes/{quote.Id}/accept", Payment)).AssertProblemAsync(409, "invalid-transition", "accept a withdrawn quote");
        Assert.Equal((0, 50), await StockAsync(sku));
    }

    [Fact]
    public async Task Bad_quote_requests_are_refused_with_a_problem()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var body = new { customer = new { id = "cus-q" }, lines = new[] { new { sku, quantity = 1, unitPrice = (decimal?)1m } }, shippingAddress = Address };
        await (await fixture.Storefront.PostJsonAsync("/v1/quotes", body)).AssertProblemAsync(403, "forbidden", "storefronts do not quote");
        await (await fixture.Ops.PostJsonAsync("/v1/quotes", body with { lines = new[] { new { sku, quantity = 1, unitPrice = (decimal?)-1m } } })).AssertProblemAsync(422, "validation-failed", "negative price");
        await (await fixture.Ops.PostJsonAsync("/v1/quotes", body with { lines = new[] { new { sku = ApiFixture.NewSku(), quantity = 1, unitPrice = (decimal?)null } } })).AssertProblemAsync(422, "unknown-sku", "unknown SKU");
        await (await fixture.Ops.PostJsonAsync("/v1/quotes", new { customer = new { id = "cus-q" }, lines = new[] { new { sku, quantity = 1 } } })).AssertProblemAsync(422, "validation-failed", "no address");
        var quote = await DraftAsync((sku, 1, null));
        await (await fixture.Ops.PostJsonAsync($"/v1/quotes/{quote.Id}/send", new { expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) })).AssertProblemAsync(422, "validation-failed", "expiry in the past");
        await (await fixture.Ops.PostJsonAsync($"/v1/quotes/{quote.Id}/send", new { })).AssertProblemAsync(422, "validation-failed", "no expiry");
        await (await fixture.Storefront.PostJsonAsync($"/v1/quotes/{quote.Id}/accept", new { })).AssertProblemAsync(422, "validation-failed", "no payment");
        await (await fixture.Storefront.GetAsync("/v1/quotes/quo_nothing")).AssertProblemAsync(404, "quote-not-found", "unknown quote");
        Assert.Equal((QuoteStatus.Draft, 1), ((await (await fixture.Ops.GetAsync($"/v1/quotes/{quote.Id}")).ReadAsync<QuoteView>(200, "unchanged")).Status, quote.Version));
    }

    private static string ReportName(SalesChannel channel) => channel.ToString().ToLowerInvariant();
}
