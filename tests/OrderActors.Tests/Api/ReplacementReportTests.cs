using System.Text.Json;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Replacement orders and returned units in the reports, with their own database so the reports count only them.</summary>
public sealed class ReplacementReportTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly AftercareApi _api = new(fixture);

    [Fact]
    public async Task Sales_are_net_of_returned_units_and_a_free_replacement_is_neither_an_order_nor_revenue()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var order = await _api.DeliveredOrderAsync(null, (sku, 3));
        var opened = await _api.OpenReturnAsync(order.Id, new { lines = new[] { new { sku, quantity = 1, reason = "defective" } } });
        await _api.ReceiveAsync(opened.Id, (sku, 1, "damaged"));
        var claim = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/claims", new { type = "item_missing", lines = new[] { new { sku, quantity = 1 } }, description = "one short" }))
            .ReadAsync<ClaimView>(201, "claim");
        var resolved = await (await fixture.Ops.PostJsonAsync($"/v1/claims/{claim.Id}/resolve", new { resolution = "replacement" })).ReadAsync<ClaimView>(200, "resolve");
        var last = JsonDocument.Parse(await fixture.Ops.GetStringAsync($"/v1/orders/{resolved.ReplacementOrderId}/events")).RootElement.GetProperty("events")
            .EnumerateArray().Max(e => e.GetProperty("position").GetInt64());

        await Eventually.TrueAsync(async () => (await _api.KpisAsync()).GetProperty("checkpoint").GetInt64() >= last, "the KPIs include the replacement's events");
        var kpis = await _api.KpisAsync();
        Assert.True(kpis.GetProperty("orders").GetProperty("confirmed").GetInt32() == 1, $"the replacement is not an order of its own: {kpis.GetProperty("orders")}");
        Assert.Equal(1.0, kpis.GetProperty("returns").GetProperty("rate").GetDouble());

        await Eventually.TrueAsync(async () => (await (await fixture.Analytics.GetAsync("/v1/reports/sales")).ReadAsync<SalesReport>(200, "sales")).Checkpoint >= last,
            "the sales include the replacement's events");
        var sales = await (await fixture.Analytics.GetAsync("/v1/reports/sales")).ReadAsync<SalesReport>(200, "sales");
        var total = Assert.Single(sales.Totals);
        Assert.True((total.Units, total.Revenue, total.Orders) == (2, 20m, 1),
            $"sales: {total.Units} units, {total.Revenue} revenue, {total.Orders} orders; expected 2 units kept, 20.00 net of the refund, 1 order");
    }
}
