using System.Net.Http.Json;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Catalog;
using OrderActors.Grains.Customers;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>
/// What a storefront does, through the API only: browse prices, fill a cart with a discount code, see totals with
/// shipping and tax, place the order, list the customer's orders, edit the order before it ships, and get the right
/// refund after a return.
/// </summary>
public sealed class StorefrontJourneyTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly AftercareApi _api = new(fixture);

    private sealed record EditAnswer(OrderEditPreview Edit, OrderView? Order);

    [Fact]
    public async Task Browse_cart_with_a_code_totals_order_the_customers_list_an_edit_and_a_return_refunded_to_the_cent()
    {
        var (lamp, bulb) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        (await fixture.Ops.PutJsonAsync($"/v1/products/{lamp}", new { title = "Desk lamp", prices = new Dictionary<string, decimal> { ["USD"] = 40m } })).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/products/{bulb}", new { title = "Bulb", prices = new Dictionary<string, decimal> { ["USD"] = 5m }, taxClass = "reduced" })).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{lamp}", ApiBodies.Stock(10))).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{bulb}", ApiBodies.Stock(10))).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync("/v1/tax-regions/US-OR", new { rates = new Dictionary<string, decimal> { ["standard"] = 10m, ["reduced"] = 0m } })).EnsureSuccessStatusCode();
        (await fixture.Ops.PutJsonAsync("/v1/discounts/JOURNEY10", new { kind = "percentage", value = 10m })).EnsureSuccessStatusCode();
        var customer = $"cus-journey-{Guid.NewGuid():N}"[..24];
        var address = new { name = "Ana", line1 = "5 Elm St", city = "Portland", region = "OR", postalCode = "97201", country = "US" };

        // Browse: the catalog lists both at their prices (a projection: within a moment).
        await Eventually.TrueAsync(async () =>
        {
            var page = await (await fixture.Storefront.GetAsync("/v1/products?currency=USD&limit=500")).ReadAsync<CatalogPage>(200, "browse");
            return page.Products.Any(p => p.Sku == lamp && p.Prices["USD"] == 40m) && page.Products.Any(p => p.Sku == bulb);
        }, "the catalog shows the products");

        // A cart with a code: totals with shipping and tax before anything is placed.
        var cart = await (await fixture.Storefront.PostJsonAsync("/v1/carts", new
        {
            customer = new { id = customer, email = "ana@example.com" },
            lines = new[] { new { sku = lamp, quantity = 2 }, new { sku = bulb, quantity = 4 } },
            shippingAddress = address,
            shippingMethod = "ground-co",
            discountCode = "journey10",
        })).ReadAsync<CartView>(201, "fill the cart");
        // 10 % off 100.00 = 10.00: 8.00 on the lamps, 2.00 on the bulbs; tax 10 % of 72.00 = 7.20, bulbs untaxed.
        Assert.Equal((100m, 10m, 7.20m), (cart.Subtotal, cart.DiscountTotal, cart.TaxTotal));
        Assert.True(cart.ShippingTotal > 0);
        Assert.Empty(cart.Problems);

        var order = await (await fixture.Storefront.PostJsonAsync($"/v1/carts/{cart.Id}/complete", new { payment = new { method = "card", token = "tok_visa" } }))
            .ReadAsync<OrderView>(201, "place the order");
        Assert.Equal((cart.Total, cart.Total), (order.Total, order.Payment.Authorized));

        // The customer's orders: at once, newest first.
        var earlier = await (await fixture.Storefront.PostJsonAsync("/v1/orders", new
        {
            customer = new { id = customer },
            lines = new[] { new { sku = bulb, quantity = 1 } },
            shippingAddress = address,
            payment = new { method = "card", token = "tok_visa" },
        })).ReadAsync<OrderView>(201, "a second order");
        var mine = await (await fixture.Storefront.GetAsync($"/v1/customers/{customer}/orders")).ReadAsync<CustomerOrdersPage>(200, "the customer's orders");
        Assert.Equal([earlier.Id, order.Id], mine.Orders.Select(o => o.Id));
        Assert.Equal(order.Total, mine.Orders[1].Total);

        // Before it ships, the buyer adds a lamp: previewed (nothing changes), then confirmed against that version.
        var preview = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/edits", new
        {
            lines = new[] { new { sku = lamp, quantity = 3 }, new { sku = bulb, quantity = 4 } },
            preview = true,
        })).ReadAsync<EditAnswer>(200, "preview the edit");
        // 10 % off 140.00 = 14.00: 12.00 on the lamps; tax 10 % of 108.00 = 10.80 on the lines, and the shipping's.
        Assert.Equal((140m, 14m, order.Total), (preview.Edit.Subtotal, preview.Edit.DiscountTotal, preview.Edit.PreviousTotal));
        Assert.Equal(preview.Edit.Subtotal - preview.Edit.DiscountTotal + preview.Edit.ShippingTotal + preview.Edit.TaxTotal, preview.Edit.Total);
        Assert.Equal(("authorize", preview.Edit.Total - order.Total), (preview.Edit.Payment, preview.Edit.Difference));
        Assert.Equal(order.Total, (await _api.OrderAsync(order.Id)).Total);
        var edited = await (await fixture.Storefront.PostJsonAsync($"/v1/orders/{order.Id}/edits", new
        {
            lines = new[] { new { sku = lamp, quantity = 3 }, new { sku = bulb, quantity = 4 } },
            version = preview.Edit.Version,
            expectedTotal = preview.Edit.Total,
        })).ReadAsync<EditAnswer>(200, "confirm the edit");
        Assert.Equal((preview.Edit.Total, preview.Edit.Total), (edited.Order!.Total, edited.Order.Payment.Authorized));
        Assert.Equal(3, edited.Order.Lines.Single(l => l.Sku == lamp).Quantity);
        Assert.Contains(edited.Order.Timeline, t => t.Type == "order.edited");
        order = edited.Order;

        // Delivered, one lamp returned: the refund is what that lamp cost the buyer, its discount off and its tax in.
        var shipment = Assert.Single(order.Shipments);
        await _api.DeliverAsync(shipment.Id);
        var opened = await _api.OpenReturnAsync(order.Id, new { lines = new[] { new { sku = lamp, quantity = 1, reason = "defective" } } });
        var received = await _api.ReceiveAsync(opened.Id, (lamp, 1, "resellable"));
        Assert.Equal(39.60m, received.Refunded); // (120.00 − 12.00) × 1.10 ÷ 3
        var after = await _api.OrderAsync(order.Id);
        Assert.Equal((39.60m, order.Total), (after.Payment.Refunded, after.Payment.Captured));
    }
}
