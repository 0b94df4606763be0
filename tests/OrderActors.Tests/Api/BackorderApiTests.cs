using System.Text.Json;
using OrderActors.Grains.Catalog;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Backorders and preorders over HTTP: the catalog flags, the order's backordered lines, the stock's queue.</summary>
public sealed class BackorderApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task<InventoryView> StockOfAsync(string sku) => await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, $"stock of {sku}");

    [Fact]
    public async Task A_backorderable_product_takes_an_order_beyond_stock_and_ships_it_when_stock_arrives()
    {
        var sku = ApiFixture.NewSku();
        var releaseAt = new DateTimeOffset(2020, 6, 1, 0, 0, 0, TimeSpan.Zero); // released long ago: an ordinary backorderable SKU
        var product = await (await fixture.Ops.PutJsonAsync($"/v1/products/{sku}",
            new { title = sku, prices = new Dictionary<string, decimal> { ["USD"] = 10m }, backorder = true, releaseAt })).ReadAsync<ProductView>(200, "put");
        Assert.Equal((true, releaseAt), (product.Backorder, product.ReleaseAt));
        using (var json = JsonDocument.Parse(await (await fixture.Storefront.GetAsync($"/v1/products/{sku}")).Content.ReadAsStringAsync()))
        {
            Assert.True(json.RootElement.GetProperty("backorder").GetBoolean(), json.RootElement.GetRawText());
            Assert.Equal(releaseAt, json.RootElement.GetProperty("releaseAt").GetDateTimeOffset());
        }

        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}", ApiBodies.Stock(2))).EnsureSuccessStatusCode();
        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("cus-backorder", (sku, 5)))).ReadAsync<OrderView>(201, "beyond stock");
        Assert.Equal((3, FulfillmentStatus.Backordered), (order.Lines[0].Backordered, order.FulfillmentStatus));
        using (var json = JsonDocument.Parse(await (await fixture.Storefront.GetAsync($"/v1/orders/{order.Id}")).Content.ReadAsStringAsync()))
        {
            Assert.Equal(3, json.RootElement.GetProperty("lines")[0].GetProperty("backordered").GetInt32());
            Assert.Equal("backordered", json.RootElement.GetProperty("fulfillmentStatus").GetString());
        }

        var queued = await StockOfAsync(sku);
        Assert.Equal((2, 3, 1), (queued.Reserved, queued.Backordered, queued.BackorderQueue));

        (await fixture.Ops.PostJsonAsync($"/v1/inventory/{sku}/adjustments", new { location = "main", delta = 10, reason = "receipt" })).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(async () => (await (await fixture.Storefront.GetAsync($"/v1/orders/{order.Id}")).ReadAsync<OrderView>(200, "read")).Lines[0].Backordered == 0,
            "the order learned its allocation", TimeSpan.FromSeconds(20));
        var allocated = await (await fixture.Storefront.GetAsync($"/v1/orders/{order.Id}")).ReadAsync<OrderView>(200, "allocated");
        Assert.Equal(5, allocated.Lines[0].Allocations.Sum(a => a.Quantity));
        Assert.Equal(2, allocated.Shipments.Count);
        var after = await StockOfAsync(sku);
        Assert.Equal((12, 5, 0, 0), (after.OnHand, after.Reserved, after.Backordered, after.BackorderQueue));
    }

    [Fact]
    public async Task A_product_without_the_flags_reads_them_as_false_and_null()
    {
        var sku = ApiFixture.NewSku();
        await fixture.PriceAsync(sku);
        var product = await (await fixture.Storefront.GetAsync($"/v1/products/{sku}")).ReadAsync<ProductView>(200, "read");
        Assert.Equal((false, null), (product.Backorder, product.ReleaseAt));
    }

    [Theory]
    [InlineData("{\"title\":\"t\",\"prices\":{\"USD\":1},\"releaseAt\":\"soon\"}")]
    [InlineData("{\"title\":\"t\",\"prices\":{\"USD\":1},\"backorder\":\"yes\"}")]
    public async Task A_flag_of_the_wrong_type_is_a_400_and_changes_nothing(string json)
    {
        var sku = ApiFixture.NewSku();
        await fixture.PriceAsync(sku, 7m);
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        await (await fixture.Ops.PutAsync($"/v1/products/{sku}", content)).AssertProblemAsync(400, "malformed-request", json);
        var kept = await (await fixture.Ops.GetAsync($"/v1/products/{sku}")).ReadAsync<ProductView>(200, "unchanged");
        Assert.Equal((1, false), (kept.Version, kept.Backorder));
    }
}
