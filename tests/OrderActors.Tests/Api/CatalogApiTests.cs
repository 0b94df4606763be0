using System.Text.Json;
using OrderActors.Api.Endpoints;
using OrderActors.Grains.Catalog;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>The catalog, and orders priced by the server from it.</summary>
public sealed class CatalogApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static object Order(string customer, params object[] lines) => new
    {
        customer = new { id = customer, email = $"{customer}@example.com" },
        lines,
        shippingAddress = new { name = "Ana Buyer", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
        payment = new { method = "card", token = "tok_visa" },
    };

    private async Task<int> ReservedAsync(string sku) => (await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, "stock")).Reserved;

    [Fact]
    public async Task A_product_is_versioned_and_putting_it_again_unchanged_keeps_its_version()
    {
        var sku = ApiFixture.NewSku();
        var body = new { title = "Tee, black, M", prices = new Dictionary<string, decimal> { ["USD"] = 19.90m, ["EUR"] = 18.50m, ["JPY"] = 2900m }, taxClass = "reduced", weightGrams = 180 };
        var first = await (await fixture.Ops.PutJsonAsync($"/v1/products/{sku}", body)).ReadAsync<ProductView>(200, "create");
        var again = await (await fixture.Ops.PutJsonAsync($"/v1/products/{sku}", body)).ReadAsync<ProductView>(200, "the same again");
        var changed = await (await fixture.Ops.PutJsonAsync($"/v1/products/{sku}", body with { prices = new Dictionary<string, decimal> { ["USD"] = 21m } })).ReadAsync<ProductView>(200, "a new price");

        Assert.Equal((1, 1, 2), (first.Version, again.Version, changed.Version));
        Assert.Equal(("Tee, black, M", "reduced", 180, ProductStatus.Active), (first.Title, first.TaxClass, first.WeightGrams, first.Status));
        Assert.Equal(new Dictionary<string, decimal> { ["USD"] = 21m }, changed.Prices);
        var read = await (await fixture.Storefront.GetAsync($"/v1/products/{sku}")).ReadAsync<ProductView>(200, "a storefront reads it");
        Assert.Equal(changed, read with { Prices = changed.Prices });
        Assert.Equal(changed.Prices, read.Prices);
        await (await fixture.Storefront.GetAsync($"/v1/products/{ApiFixture.NewSku()}")).AssertProblemAsync(404, "product-not-found");
    }

    [Theory]
    [InlineData("{\"prices\":{\"USD\":1}}", "title")]
    [InlineData("{\"title\":\"t\"}", "prices")]
    [InlineData("{\"title\":\"t\",\"prices\":{}}", "prices")]
    [InlineData("{\"title\":\"t\",\"prices\":{\"dollars\":1}}", "prices.dollars")]
    [InlineData("{\"title\":\"t\",\"prices\":{\"USD\":-1}}", "prices.USD")]
    [InlineData("{\"title\":\"t\",\"prices\":{\"USD\":0.001}}", "prices.USD")]
    [InlineData("{\"title\":\"t\",\"prices\":{\"JPY\":10.5}}", "prices.JPY")]
    [InlineData("{\"title\":\"t\",\"prices\":{\"USD\":1},\"taxClass\":\"luxury\"}", "taxClass")]
    [InlineData("{\"title\":\"t\",\"prices\":{\"USD\":1},\"weightGrams\":-5}", "weightGrams")]
    [InlineData("{\"title\":\"t\",\"prices\":{\"USD\":1},\"status\":\"gone\"}", "status")]
    [InlineData("{\"title\":\"t\",\"prices\":{\"USD\":1},\"releaseAt\":\"1900-01-01T00:00:00Z\"}", "releaseAt")]
    public async Task A_bad_product_is_a_422_naming_the_field_and_changes_nothing(string json, string field)
    {
        var sku = ApiFixture.NewSku();
        await fixture.PriceAsync(sku, 7m);
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var problem = await (await fixture.Ops.PutAsync($"/v1/products/{sku}", content)).AssertProblemAsync(422, "validation-failed", json);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        var kept = await (await fixture.Ops.GetAsync($"/v1/products/{sku}")).ReadAsync<ProductView>(200, "unchanged");
        Assert.Equal((1, 7m), (kept.Version, kept.Prices["USD"]));
    }

    [Fact]
    public async Task Only_ops_and_admin_keys_change_the_catalog()
        => await (await fixture.Storefront.PutJsonAsync($"/v1/products/{ApiFixture.NewSku()}", ApiBodies.Product("t"))).AssertProblemAsync(403, "forbidden");

    [Fact]
    public async Task The_server_prices_an_order_and_keeps_that_price_when_the_catalog_changes()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        await fixture.PriceAsync(sku, 12.50m);

        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("cus-priced", new { sku, quantity = 3 }))).ReadAsync<OrderView>(201, "no unitPrice");
        Assert.Equal((12.50m, 37.50m), (Assert.Single(order.Lines).UnitPrice, order.Subtotal));
        Assert.Equal(37.50m, order.Payment.Authorized);

        await fixture.PriceAsync(sku, 99m);
        var later = await (await fixture.Storefront.GetAsync($"/v1/orders/{order.Id}")).ReadAsync<OrderView>(200, "read after the price rose");
        Assert.Equal((12.50m, 37.50m), (Assert.Single(later.Lines).UnitPrice, later.Subtotal));
    }

    [Fact]
    public async Task A_shown_price_the_catalog_no_longer_has_is_a_409_with_the_current_price_and_reserves_nothing()
    {
        var (sku, other) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        await fixture.StockAsync(sku, 10);
        await fixture.StockAsync(other, 10);
        await fixture.PriceAsync(sku, 11m);

        var response = await fixture.Storefront.PostJsonAsync("/v1/orders", Order("cus-stale",
            new { sku = other, quantity = 1, unitPrice = 10m }, new { sku, quantity = 2, unitPrice = 10m }));
        var problem = await response.AssertProblemAsync(409, "price-changed");
        var change = Assert.Single(problem.GetProperty("prices").EnumerateArray());
        Assert.Equal((sku, 10m, 11m), (change.GetProperty("sku").GetString(), change.GetProperty("shown").GetDecimal(), change.GetProperty("current").GetDecimal()));
        Assert.Equal((0, 0), (await ReservedAsync(sku), await ReservedAsync(other)));

        await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("cus-stale", new { sku, quantity = 2, unitPrice = 11m }))).ReadAsync<OrderView>(201, "again with the current price");
    }

    [Fact]
    public async Task A_sku_archived_or_not_priced_in_the_currency_is_a_422_and_one_not_in_the_catalog_is_unknown()
    {
        var (archived, dollarsOnly, stockedOnly) = (ApiFixture.NewSku(), ApiFixture.NewSku(), ApiFixture.NewSku());
        await fixture.StockAsync(archived, 5);
        await fixture.StockAsync(dollarsOnly, 5);
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{stockedOnly}", ApiBodies.Stock(5))).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/products/{archived}", new { title = "old", prices = new Dictionary<string, decimal> { ["USD"] = 10m }, status = "archived" })).EnsureSuccessStatusCode();

        var problem = await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("cus-archived", new { sku = archived, quantity = 1 })))
            .AssertProblemAsync(422, "sku-not-priced", "archived");
        Assert.Equal([archived], problem.GetProperty("skus").EnumerateArray().Select(s => s.GetString()));

        var euros = new Dictionary<string, object?>(JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(Order("cus-euro", new { sku = dollarsOnly, quantity = 1 })))!)
        {
            ["currency"] = "EUR",
        };
        await (await fixture.Storefront.PostJsonAsync("/v1/orders", euros)).AssertProblemAsync(422, "sku-not-priced", "no EUR price");
        await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("cus-unlisted", new { sku = stockedOnly, quantity = 1, unitPrice = 10m })))
            .AssertProblemAsync(422, "unknown-sku", "stocked but never in the catalog");
        Assert.Equal((0, 0, 0), (await ReservedAsync(archived), await ReservedAsync(dollarsOnly), await ReservedAsync(stockedOnly)));
    }

    [Fact]
    public async Task Only_ops_and_admin_keys_may_override_a_price_and_the_override_is_on_the_timeline()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);

        var line = new { sku, quantity = 2, unitPrice = 7.25m, priceOverride = true };
        await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("cus-override", line))).AssertProblemAsync(403, "price-override-forbidden");
        Assert.Equal(0, await ReservedAsync(sku));

        var order = await (await fixture.Ops.PostJsonAsync("/v1/orders", Order("cus-override", line))).ReadAsync<OrderView>(201, "a phone order at a set price");
        Assert.Equal((7.25m, 14.50m), (Assert.Single(order.Lines).UnitPrice, order.Subtotal));
        var entry = Assert.Single(order.Timeline, t => t.Type == "order.price_overridden");
        Assert.Contains("catalog price 10.00", entry.Details);
        Assert.Equal("api-key:ops", entry.Actor.Kind);

        await (await fixture.Ops.PostJsonAsync("/v1/orders", Order("cus-override", new { sku, quantity = 1, priceOverride = true })))
            .AssertProblemAsync(422, "validation-failed", "an override needs its price");
    }

    [Fact]
    public async Task A_storefront_may_not_set_the_price_of_an_exchange_the_catalog_prices_it()
    {
        var (sku, other) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        await fixture.StockAsync(sku, 10);
        await fixture.StockAsync(other, 10);
        await fixture.PriceAsync(other, 30m);
        var api = new AftercareApi(fixture);
        var order = await api.DeliveredOrderAsync(null, (sku, 1));
        var request = (decimal? price) => new
        {
            lines = new[] { new { sku, quantity = 1, reason = "size_or_fit" } },
            resolution = "exchange",
            exchange = new[] { new { sku = other, quantity = 1, unitPrice = price } },
        };

        await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/returns", request(0.01m))).AssertProblemAsync(403, "price-override-forbidden");
        var opened = await api.OpenReturnAsync(order.Id, request(null));
        Assert.Equal(30m, Assert.Single(opened.Exchange).UnitPrice);
    }

    [Fact]
    public async Task The_catalog_lists_by_sku_pages_and_filters_by_currency_and_status()
    {
        var prefix = $"cat-{Guid.NewGuid():N}"[..12];
        var skus = Enumerable.Range(0, 5).Select(i => $"{prefix}-{i}").ToArray();
        foreach (var (sku, i) in skus.Select((s, i) => (s, i)))
        {
            var prices = new Dictionary<string, decimal> { ["USD"] = 10m + i };
            if (i % 2 == 0)
            {
                prices["EUR"] = 9m + i;
            }

            (await fixture.Ops.PutJsonAsync($"/v1/products/{sku}", new { title = sku, prices, status = i == 4 ? "archived" : "active" })).EnsureSuccessStatusCode();
        }

        async Task<CatalogEndpoints.ProductsPage> ListAsync(string query)
            => await (await fixture.Storefront.GetAsync($"/v1/products?{query}")).ReadAsync<CatalogEndpoints.ProductsPage>(200, query);

        await Eventually.TrueAsync(async () => (await ListAsync($"includeArchived=true&after={prefix}&limit=500")).Products.Count(p => p.Sku.StartsWith(prefix)) == 5,
            "the catalog shows the five products", TimeSpan.FromSeconds(20));

        var euro = (await ListAsync($"currency=EUR&after={prefix}&limit=500")).Products.Where(p => p.Sku.StartsWith(prefix)).Select(p => p.Sku);
        Assert.Equal([skus[0], skus[2]], euro); // skus[4] is archived

        var first = await ListAsync($"after={prefix}&limit=2");
        Assert.Equal([skus[0], skus[1]], first.Products.Select(p => p.Sku));
        var second = await ListAsync($"after={first.Next}&limit=2");
        Assert.Equal([skus[2], skus[3]], second.Products.Select(p => p.Sku));

        await (await fixture.Storefront.GetAsync("/v1/products?currency=dollars")).AssertProblemAsync(422, "validation-failed");
        await (await fixture.Storefront.GetAsync("/v1/products?limit=0")).AssertProblemAsync(422, "validation-failed");
        await (await fixture.Storefront.GetAsync("/v1/products?includeArchived=maybe")).AssertProblemAsync(422, "validation-failed");
    }
}
