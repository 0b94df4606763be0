using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Pricing;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Shipping charges, tax and totals on orders: what is authorized, captured and refunded.</summary>
public sealed class OrderTotalsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly AftercareApi _api = new(fixture);

    private static object Order(string currency, string? region, string? shippingMethod, params (string Sku, int Quantity)[] lines)
        => Order(currency, region, shippingMethod, null, lines);

    private static object Order(string currency, string? region, string? shippingMethod, string? discountCode, params (string Sku, int Quantity)[] lines) => new
    {
        customer = new { id = "cus-totals", email = "cus-totals@example.com" },
        currency,
        lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity }).ToArray(),
        shippingAddress = new { name = "Ana Buyer", line1 = "1 Main St", city = "Springfield", region, postalCode = "12345", country = currency == "EUR" ? "DE" : "US" },
        payment = new { method = "card", token = "tok_visa" },
        shippingMethod,
        discountCode,
    };

    private async Task ProductAsync(string sku, string taxClass, params (string Currency, decimal Price)[] prices)
    {
        (await fixture.Ops.PutJsonAsync($"/v1/products/{sku}", new { title = sku, prices = prices.ToDictionary(p => p.Currency, p => p.Price), taxClass })).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}", ApiBodies.Stock(20))).EnsureSuccessStatusCode();
    }

    private async Task TaxAsync(string code, object rules)
        => await (await fixture.Ops.PutJsonAsync($"/v1/tax-regions/{code}", rules)).ReadAsync<TaxRegionView>(200, $"tax rules of {code}");

    [Fact]
    public async Task Sales_tax_by_class_and_the_carrier_picked_make_the_total_that_is_authorized_captured_and_refunded_in_shares()
    {
        var (tee, book) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        await ProductAsync(tee, "standard", ("USD", 19.99m));
        await ProductAsync(book, "reduced", ("USD", 5m));
        await TaxAsync("US-CA", new { rates = new { standard = 7.25m, reduced = 0m }, taxShipping = true });

        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("USD", "CA", "swift-express", (tee, 2), (book, 1))))
            .ReadAsync<OrderView>(201, "place to California with express shipping");

        // 39.98 × 7.25 % = 2.89855 → 2.90; the book's class is untaxed; express 11.49 + 3 × 1.60 = 16.29, taxed 1.18.
        Assert.Equal((44.98m, 16.29m, 4.08m, 0m), (order.Subtotal, order.ShippingTotal, order.TaxTotal, order.DiscountTotal));
        Assert.Equal(44.98m + 16.29m + 4.08m, order.Total);
        Assert.Equal(([2.90m, 0m]), order.Lines.Select(l => l.Tax));
        Assert.Equal(("swift-express", false), (order.ShippingMethod, order.TaxIncluded));
        Assert.Equal(order.Total, order.Payment.Authorized);
        Assert.Contains("total 65.35", order.Timeline[0].Details);

        var shipment = Assert.Single(order.Shipments);
        await _api.DeliverAsync(shipment.Id);
        var shipped = await (await fixture.Ops.GetAsync($"/v1/shipments/{shipment.Id}")).ReadAsync<ShipmentView>(200, "the shipment");
        Assert.Equal("swift-express", shipped.Carrier); // the carrier the customer paid for
        var delivered = await _api.OrderAsync(order.Id);
        Assert.Equal(65.35m, delivered.Payment.Captured);

        // One tee back: what it cost the buyer, its tax included: (39.98 + 2.90) / 2.
        var refund = await (await fixture.Ops.PostJsonAsync($"/v1/orders/{order.Id}/refunds", new { lines = new[] { new { sku = tee, quantity = 1 } }, reason = "damaged" }))
            .ReadAsync<RefundView>(201, "refund one tee");
        Assert.Equal(21.44m, refund.Amount);
    }

    [Fact]
    public async Task Vat_included_in_euro_prices_is_shown_apart_and_a_region_without_rules_falls_back_to_its_country()
    {
        var sku = ApiFixture.NewSku();
        await ProductAsync(sku, "standard", ("EUR", 11.90m), ("USD", 10m));
        await TaxAsync("DE", new { rates = new { standard = 19m, reduced = 7m }, pricesIncludeTax = true });
        await TaxAsync("US", new { rates = new { standard = 5m } });

        var euro = await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("EUR", "BY", null, (sku, 2)))).ReadAsync<OrderView>(201, "a German order");
        Assert.Equal((23.80m, 3.80m, 23.80m, true), (euro.Subtotal, euro.TaxTotal, euro.Total, euro.TaxIncluded)); // 23.80 − 23.80 / 1.19
        Assert.Equal(23.80m, euro.Payment.Authorized);

        var dollars = await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("USD", "NY", null, (sku, 1)))).ReadAsync<OrderView>(201, "New York: the US rules");
        Assert.Equal((0.50m, 10.50m), (dollars.TaxTotal, dollars.Total));
    }

    [Fact]
    public async Task A_shipping_method_that_cannot_ship_the_order_is_a_422_and_reserves_nothing()
    {
        var sku = ApiFixture.NewSku();
        await ProductAsync(sku, "standard", ("EUR", 10m), ("USD", 10m));

        await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("USD", null, "pigeon-post", (sku, 1)))).AssertProblemAsync(422, "shipping-method-not-available", "no such carrier");
        await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("EUR", null, "ground-co", (sku, 1)))).AssertProblemAsync(422, "shipping-method-not-available", "quoted in USD");
        await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("USD", null, "bad method!", (sku, 1)))).AssertProblemAsync(422, "validation-failed");
        Assert.Equal(0, (await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, "stock")).Reserved);
    }

    [Fact]
    public async Task Cancelling_before_shipping_voids_the_whole_total()
    {
        var sku = ApiFixture.NewSku();
        await ProductAsync(sku, "standard", ("USD", 30m));
        await TaxAsync("US-WA", new { rates = new { standard = 10m }, taxShipping = true });
        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("USD", "WA", "ground-co", (sku, 1)))).ReadAsync<OrderView>(201, "place");
        Assert.Equal(30m + 6.84m + 3.68m, order.Total); // ground 5.99 + 0.85; tax 3.00 + 0.68

        var cancelled = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/cancel", new { reason = "changed my mind" })).ReadAsync<OrderView>(200, "cancel");
        Assert.Equal((PaymentStatus.Voided, 40.52m), (cancelled.Payment.Status, cancelled.Payment.Authorized));
        Assert.Contains("40.52", Assert.Single(cancelled.Timeline, t => t.Type == "order.cancelled").Details);
    }

    [Theory]
    [InlineData("DEU", "{\"rates\":{\"standard\":19}}", "code")]
    [InlineData("US-CALI", "{\"rates\":{\"standard\":19}}", "code")]
    [InlineData("DE", "{}", "rates")]
    [InlineData("DE", "{\"rates\":{\"luxury\":19}}", "rates")]
    [InlineData("DE", "{\"rates\":{\"standard\":150}}", "rates.standard")]
    [InlineData("DE", "{\"rates\":{\"standard\":-1}}", "rates.standard")]
    public async Task Bad_tax_rules_are_a_422_naming_the_field(string code, string json, string field)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var problem = await (await fixture.Ops.PutAsync($"/v1/tax-regions/{code}", content)).AssertProblemAsync(422, "validation-failed", json);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task Tax_rules_are_set_by_ops_and_read_by_anyone()
    {
        await (await fixture.Storefront.PutJsonAsync("/v1/tax-regions/FR", new { rates = new { standard = 20m } })).AssertProblemAsync(403, "forbidden");
        await (await fixture.Storefront.GetAsync("/v1/tax-regions/FR")).AssertProblemAsync(404, "tax-region-not-found");
        await TaxAsync("FR", new { rates = new { standard = 20m, reduced = 5.5m }, pricesIncludeTax = true, taxShipping = true });
        var read = await (await fixture.Storefront.GetAsync("/v1/tax-regions/FR")).ReadAsync<TaxRegionView>(200, "read");
        Assert.Equal((20m, 5.5m, true, true, 1), (read.RateOf("standard"), read.RateOf("reduced"), read.PricesIncludeTax, read.TaxShipping, read.Version));
    }

    [Fact]
    public async Task A_discount_code_comes_off_before_tax_its_limit_holds_and_a_refund_returns_the_discounted_share()
    {
        var sku = ApiFixture.NewSku();
        await ProductAsync(sku, "standard", ("USD", 20m));
        await TaxAsync("US-TX", new { rates = new { standard = 6.25m } });
        var code = $"save-{Guid.NewGuid():N}"[..16];
        var created = await (await fixture.Ops.PutJsonAsync($"/v1/discounts/{code}", new { kind = "percentage", value = 10m, minimumSubtotal = 30m, usageLimit = 1 }))
            .ReadAsync<DiscountView>(200, "create the code");
        Assert.Equal((code.ToUpperInvariant(), 0), (created.Code, created.Used));

        await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("USD", "TX", null, code, (sku, 1)))).AssertProblemAsync(422, "discount-not-applicable", "below the minimum");
        await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("USD", "TX", null, "no-such-code", (sku, 2)))).AssertProblemAsync(422, "discount-not-found");
        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("USD", "TX", null, code, (sku, 2)))).ReadAsync<OrderView>(201, "with the code");

        // 10 % of 40.00 off, then 6.25 % tax on 36.00.
        Assert.Equal((4m, 2.25m, 38.25m, code.ToUpperInvariant()), (order.DiscountTotal, order.TaxTotal, order.Total, order.DiscountCode));
        Assert.Equal(38.25m, order.Payment.Authorized);
        await (await fixture.Storefront.PostJsonAsync("/v1/orders", Order("USD", "TX", null, code, (sku, 2)))).AssertProblemAsync(409, "discount-limit-reached");
        Assert.Equal(1, (await (await fixture.Ops.GetAsync($"/v1/discounts/{code}")).ReadAsync<DiscountView>(200, "uses")).Used);

        await _api.DeliverAsync(Assert.Single(order.Shipments).Id);
        var refund = await (await fixture.Ops.PostJsonAsync($"/v1/orders/{order.Id}/refunds", new { lines = new[] { new { sku, quantity = 1 } }, reason = "damaged" }))
            .ReadAsync<RefundView>(201, "refund one unit");
        Assert.Equal(19.13m, refund.Amount); // (36.00 + 2.25) / 2, rounded half away from zero
    }

    [Theory]
    [InlineData("{\"kind\":\"percentage\",\"value\":150}", "value")]
    [InlineData("{\"kind\":\"percentage\",\"value\":10,\"currency\":\"USD\"}", "currency")]
    [InlineData("{\"kind\":\"fixed\",\"value\":5}", "currency")]
    [InlineData("{\"kind\":\"fixed\",\"value\":5.001,\"currency\":\"USD\"}", "value")]
    [InlineData("{\"kind\":\"bogo\",\"value\":5}", "kind")]
    [InlineData("{\"kind\":\"percentage\",\"value\":10,\"usageLimit\":0}", "usageLimit")]
    [InlineData("{\"kind\":\"percentage\",\"value\":10,\"startsAt\":\"2026-02-01T00:00:00Z\",\"endsAt\":\"2026-01-01T00:00:00Z\"}", "endsAt")]
    public async Task Bad_discount_terms_are_a_422_naming_the_field(string json, string field)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var problem = await (await fixture.Ops.PutAsync($"/v1/discounts/bad-{Guid.NewGuid():N}"[..20], content)).AssertProblemAsync(422, "validation-failed", json);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }
}
