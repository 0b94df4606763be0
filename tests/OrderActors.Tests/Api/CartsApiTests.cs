using System.Net.Http.Json;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Carts through the API: live totals, one idempotent completion, the last unit raced for through two carts.</summary>
public sealed class CartsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly object Address = new { name = "Ana Buyer", line1 = "1 Pike St", city = "Seattle", region = "WA", postalCode = "98101", country = "US" };
    private static readonly object Payment = new { payment = new { method = "card", token = "tok_visa" } };

    private static Task<HttpResponseMessage> PatchJsonAsync(HttpClient client, string url, object body)
        => client.PatchAsync(url, JsonContent.Create(body, options: ApiFactory.Json));

    private async Task<CartView> CreateAsync(object body, string phase = "create the cart")
        => await (await fixture.Storefront.PostJsonAsync("/v1/carts", body)).ReadAsync<CartView>(201, phase);

    private async Task<CartView> SetLineAsync(string cartId, string sku, int quantity)
        => await (await fixture.Storefront.PutJsonAsync($"/v1/carts/{cartId}/lines/{sku}", new { quantity })).ReadAsync<CartView>(200, $"set {sku} to {quantity}");

    private async Task<CartView> GetAsync(string cartId) => await (await fixture.Storefront.GetAsync($"/v1/carts/{cartId}")).ReadAsync<CartView>(200, "read the cart");

    private async Task<string> CodeAsync(object terms)
    {
        var code = $"CART{Guid.NewGuid():N}"[..16].ToUpperInvariant();
        (await fixture.Ops.PutJsonAsync($"/v1/discounts/{code}", terms)).EnsureSuccessStatusCode();
        return code;
    }

    [Fact]
    public async Task A_cart_is_priced_live_and_becomes_the_order_it_showed_once_however_often_it_is_completed()
    {
        var (tee, mug) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        (await fixture.Ops.PutJsonAsync($"/v1/products/{tee}", new { title = "Tee", prices = new Dictionary<string, decimal> { ["USD"] = 19.99m }, taxClass = "standard" })).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/products/{mug}", new { title = "Mug", prices = new Dictionary<string, decimal> { ["USD"] = 8.50m }, taxClass = "reduced" })).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{tee}", ApiBodies.Stock(10))).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{mug}", ApiBodies.Stock(10))).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync("/v1/tax-regions/US-WA", new { rates = new { standard = 10m, reduced = 5m }, taxShipping = false })).EnsureSuccessStatusCode();
        var code = await CodeAsync(new { kind = "percentage", value = 10m, minimumSubtotal = 30m });

        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/carts") { Content = JsonContent.Create(new { currency = "USD", channel = "mobile" }, options: ApiFactory.Json) };
        create.Headers.Add("Idempotency-Key", $"cart-{Guid.NewGuid():N}");
        using var again = new HttpRequestMessage(HttpMethod.Post, "/v1/carts") { Content = JsonContent.Create(new { currency = "USD", channel = "mobile" }, options: ApiFactory.Json) };
        again.Headers.Add("Idempotency-Key", create.Headers.GetValues("Idempotency-Key").Single());
        var cart = await (await fixture.Storefront.SendAsync(create)).ReadAsync<CartView>(201, "create");
        Assert.Equal(cart.Id, (await (await fixture.Storefront.SendAsync(again)).ReadAsync<CartView>(201, "create again with the same key")).Id);
        Assert.StartsWith("cart_", cart.Id);
        Assert.Contains(cart.Problems, p => p.Type == "cart-empty");

        await SetLineAsync(cart.Id, tee, 1);
        var oneTee = await SetLineAsync(cart.Id, mug, 2);
        Assert.Equal((36.99m, 0m), (oneTee.Subtotal, oneTee.DiscountTotal));
        var patched = await (await PatchJsonAsync(fixture.Storefront, $"/v1/carts/{cart.Id}",
            new { customer = new { id = "cus-cart", email = "ana@example.com" }, shippingAddress = Address, shippingMethod = "ground-co", discountCode = code.ToLowerInvariant() }))
            .ReadAsync<CartView>(200, "address, method and code");
        Assert.Equal(code, patched.DiscountCode);
        Assert.Empty(patched.Problems);

        // 10 % off 36.99 = 3.70, spread 2.00 / 1.70 by gross; tax 10 % of 17.99 = 1.80 and 5 % of 15.30 = 0.77.
        Assert.Equal((36.99m, 3.70m, 2.57m), (patched.Subtotal, patched.DiscountTotal, patched.TaxTotal));
        Assert.True(patched.ShippingTotal > 0, "ground-co quotes a parcel to Seattle");
        Assert.Equal(patched.Subtotal - patched.DiscountTotal + patched.ShippingTotal + patched.TaxTotal, patched.Total);
        Assert.Equal(["Tee", "Mug"], patched.Lines.Select(l => l.Title));
        Assert.Equal([10, 10], patched.Lines.Select(l => l.Available));

        var order = await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", Payment)).ReadAsync<OrderView>(201, "complete");
        Assert.Equal((patched.Subtotal, patched.DiscountTotal, patched.ShippingTotal, patched.TaxTotal, patched.Total),
            (order.Subtotal, order.DiscountTotal, order.ShippingTotal, order.TaxTotal, order.Total));
        Assert.Equal((SalesChannel.Mobile, "cus-cart", code, order.Total), (order.Channel, order.Customer.Id, order.DiscountCode, order.Payment.Authorized));

        var retried = await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", Payment)).ReadAsync<OrderView>(201, "complete again");
        Assert.Equal(order.Id, retried.Id);
        var completed = await GetAsync(cart.Id);
        Assert.Equal((CartStatus.Completed, order.Id, order.Total), (completed.Status, completed.OrderId, completed.Total));
        Assert.NotNull(completed.CompletedAt);
        Assert.Equal(8, (await (await fixture.Storefront.GetAsync($"/v1/inventory/{mug}")).ReadAsync<InventoryView>(200, "mug stock")).Available);
        await (await fixture.Storefront.PutJsonAsync($"/v1/carts/{cart.Id}/lines/{tee}", new { quantity = 3 })).AssertProblemAsync(409, "cart-completed", "change a completed cart");
        await (await PatchJsonAsync(fixture.Storefront, $"/v1/carts/{cart.Id}", new { discountCode = "" })).AssertProblemAsync(409, "cart-completed", "patch a completed cart");
    }

    [Fact]
    public async Task Two_buyers_racing_for_the_last_unit_through_carts_get_one_order_and_one_refusal_that_keeps_the_cart()
    {
        var (sku, substitute) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        await fixture.StockAsync(substitute, 4);
        await fixture.StockAsync(sku, 1, substitute);
        var carts = new List<CartView>();
        for (var buyer = 0; buyer < 2; buyer++)
        {
            carts.Add(await CreateAsync(new { customer = new { id = $"cus-race-{buyer}" }, lines = new[] { new { sku, quantity = 1 } }, shippingAddress = Address }));
        }

        Assert.All(carts, c => Assert.Empty(c.Problems)); // both see the unit: a cart reserves nothing

        var answers = await Task.WhenAll(carts.Select(c => fixture.Storefront.PostJsonAsync($"/v1/carts/{c.Id}/complete", Payment)));

        Assert.Equal([201, 409], answers.Select(a => (int)a.StatusCode).Order());
        var (winner, loser) = ((int)answers[0].StatusCode == 201 ? (0, 1) : (1, 0));
        var problem = await answers[loser].AssertProblemAsync(409, "out-of-stock", "the second buyer");
        Assert.Contains(substitute, problem.GetRawText());
        var order = await answers[winner].ReadAsync<OrderView>(201, "the first buyer");
        Assert.Equal($"cus-race-{winner}", order.Customer.Id);

        var open = await GetAsync(carts[loser].Id);
        Assert.Equal((CartStatus.Open, null), (open.Status, open.OrderId));
        var shortage = Assert.Single(open.Problems);
        Assert.Equal(("out-of-stock", sku, substitute), (shortage.Type, shortage.Sku, Assert.Single(shortage.Alternatives!).Sku));
        Assert.Equal((1, 0), await StockAsync(sku));

        // The loser takes the substitute instead and completes under a new order id.
        await SetLineAsync(carts[loser].Id, sku, 0);
        await SetLineAsync(carts[loser].Id, substitute, 1);
        var second = await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{carts[loser].Id}/complete", Payment)).ReadAsync<OrderView>(201, "complete with the substitute");
        Assert.NotEqual(order.Id, second.Id);
        Assert.Equal([substitute], second.Lines.Select(l => l.Sku));
        Assert.Equal((1, 3), await StockAsync(substitute));
    }

    [Fact]
    public async Task Ten_carts_for_three_units_place_exactly_three_orders()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 3);
        var carts = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            CreateAsync(new { customer = new { id = $"cus-ten-{i}" }, lines = new[] { new { sku, quantity = 1 } }, shippingAddress = Address })));

        var answers = await Task.WhenAll(carts.Select(c => fixture.Storefront.PostJsonAsync($"/v1/carts/{c.Id}/complete", Payment)));

        Assert.Equal(3, answers.Count(a => (int)a.StatusCode == 201));
        Assert.Equal(7, answers.Count(a => (int)a.StatusCode == 409));
        Assert.Equal((3, 0), await StockAsync(sku));
        var states = await Task.WhenAll(carts.Select(c => GetAsync(c.Id)));
        Assert.Equal(3, states.Count(c => c.Status == CartStatus.Completed));
    }

    [Fact]
    public async Task What_would_refuse_the_order_is_shown_on_the_cart_and_refused_at_completion_changing_nothing()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var code = await CodeAsync(new { kind = "fixed", value = 5m, currency = "USD", minimumSubtotal = 50m });
        var cart = await CreateAsync(new { lines = new[] { new { sku, quantity = 2 } }, discountCode = code, shippingMethod = "no-such-carrier", shippingAddress = Address });

        Assert.Equal(["discount-not-applicable", "shipping-method-not-available"], cart.Problems.Select(p => p.Type).Order());
        Assert.Equal((20m, 0m, 0m), (cart.Subtotal, cart.DiscountTotal, cart.ShippingTotal));

        await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", Payment)).AssertProblemAsync(422, "customer-required", "no buyer");
        await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", new { payment = new { method = "card", token = "tok_visa" }, customer = new { id = "cus-refused" } }))
            .AssertProblemAsync(422, "discount-not-applicable", "below the code's minimum");
        await (await PatchJsonAsync(fixture.Storefront, $"/v1/carts/{cart.Id}", new { discountCode = "", shippingMethod = "" })).ReadAsync<CartView>(200, "drop code and method");
        await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", new { payment = new { method = "card", token = "tok_decline" }, customer = new { id = "cus-refused" } }))
            .AssertProblemAsync(402, "payment-declined", "declined card");
        Assert.Equal((0, 5), await StockAsync(sku));

        var open = await GetAsync(cart.Id);
        Assert.Equal((CartStatus.Open, null, null, null), (open.Status, open.DiscountCode, open.ShippingMethod, open.OrderId));
        var order = await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", new { payment = new { method = "card", token = "tok_visa" }, customer = new { id = "cus-refused" } }))
            .ReadAsync<OrderView>(201, "complete after fixing it");
        Assert.Equal(20m, order.Total);
    }

    [Fact]
    public async Task A_completion_with_the_total_the_buyer_saw_is_refused_when_a_price_changed_since()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var cart = await CreateAsync(new { customer = new { id = "cus-total" }, lines = new[] { new { sku, quantity = 2 } }, shippingAddress = Address });
        Assert.Equal(20m, cart.Total);
        await fixture.PriceAsync(sku, 12m);

        await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", new { payment = new { method = "card", token = "tok_visa" }, expectedTotal = 20m }))
            .AssertProblemAsync(409, "cart-total-changed", "the price rose after the buyer looked");
        Assert.Equal((0, 5), await StockAsync(sku));
        var shown = await GetAsync(cart.Id);
        Assert.Equal((CartStatus.Open, 24m), (shown.Status, shown.Total));
        var order = await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", new { payment = new { method = "card", token = "tok_visa" }, expectedTotal = 24m }))
            .ReadAsync<OrderView>(201, "complete at the total shown again");
        Assert.Equal(24m, order.Total);
    }

    [Fact]
    public async Task Bad_cart_requests_are_refused_with_a_problem_and_change_nothing()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var cart = await CreateAsync(new { lines = new[] { new { sku, quantity = 1 } } });

        await (await fixture.Storefront.PostJsonAsync("/v1/carts", new { currency = "XYZ" })).AssertProblemAsync(422, "validation-failed", "currency");
        await (await fixture.Storefront.PostJsonAsync("/v1/carts", new { lines = new[] { new { sku, quantity = 1 }, new { sku, quantity = 2 } } })).AssertProblemAsync(422, "validation-failed", "a SKU twice");
        await (await fixture.Storefront.PostJsonAsync("/v1/carts", new { lines = new[] { new { sku = ApiFixture.NewSku(), quantity = 1 } } })).AssertProblemAsync(422, "unknown-sku", "not in the catalog");
        await (await fixture.Storefront.PostJsonAsync("/v1/carts", new { currency = "EUR", lines = new[] { new { sku, quantity = 1 } } })).AssertProblemAsync(422, "sku-not-priced", "no EUR price");
        await (await fixture.Storefront.PutJsonAsync($"/v1/carts/{cart.Id}/lines/{sku}", new { quantity = -1 })).AssertProblemAsync(422, "validation-failed", "negative quantity");
        await (await fixture.Storefront.PutJsonAsync($"/v1/carts/{cart.Id}/lines/{ApiFixture.NewSku()}", new { quantity = 1 })).AssertProblemAsync(422, "unknown-sku", "add an unknown SKU");
        await (await PatchJsonAsync(fixture.Storefront, $"/v1/carts/{cart.Id}", new { discountCode = "NOPE-" + Guid.NewGuid().ToString("N")[..8] })).AssertProblemAsync(422, "discount-not-found", "unknown code");
        await (await PatchJsonAsync(fixture.Storefront, $"/v1/carts/{cart.Id}", new { priority = "urgent" })).AssertProblemAsync(422, "validation-failed", "priority");
        await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", new { })).AssertProblemAsync(422, "validation-failed", "no payment");
        await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", Payment)).AssertProblemAsync(422, "customer-required", "no buyer");
        await (await fixture.Storefront.GetAsync("/v1/carts/cart_nothing")).AssertProblemAsync(404, "cart-not-found", "unknown cart");
        await (await fixture.Storefront.PutJsonAsync("/v1/carts/cart_nothing/lines/" + sku, new { quantity = 1 })).AssertProblemAsync(404, "cart-not-found", "line of an unknown cart");
        await (await fixture.Analytics.GetAsync($"/v1/carts/{cart.Id}")).AssertProblemAsync(403, "forbidden", "analytics reads no carts");

        var unchanged = await GetAsync(cart.Id);
        Assert.Equal((1, 1, null), (unchanged.Version, Assert.Single(unchanged.Lines).Quantity, unchanged.DiscountCode));
        Assert.Equal(unchanged.Version, (await (await fixture.Storefront.DeleteAsync($"/v1/carts/{cart.Id}/lines/{ApiFixture.NewSku()}")).ReadAsync<CartView>(200, "remove a line it does not have")).Version);
    }

    private async Task<(int Reserved, int Available)> StockAsync(string sku)
    {
        var stock = await (await fixture.Storefront.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, $"stock of {sku}");
        return (stock.Reserved, stock.Available);
    }
}
