using OrderActors.Grains.Customers;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary><c>GET /v1/customers/{id}/orders</c> and <c>GET /v1/orders?customer=</c>: a customer's orders, at once and newest first.</summary>
public sealed class CustomerOrdersApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static string NewCustomer() => $"cus-{Guid.NewGuid():N}";

    private static async Task<CustomerOrdersPage> ByPathAsync(HttpClient client, string customer, string query = "", string phase = "")
        => await (await client.GetAsync($"/v1/customers/{Uri.EscapeDataString(customer)}/orders{(query.Length > 0 ? "?" + query : "")}"))
            .ReadAsync<CustomerOrdersPage>(200, $"{phase} (by path)");

    private static async Task<CustomerOrdersPage> ByQueryAsync(HttpClient client, string customer, string query = "", string phase = "")
        => await (await client.GetAsync($"/v1/orders?customer={Uri.EscapeDataString(customer)}{(query.Length > 0 ? "&" + query : "")}"))
            .ReadAsync<CustomerOrdersPage>(200, $"{phase} (by query)");

    // Both routes, which must give the same page while nothing is being placed.
    private static async Task<CustomerOrdersPage> ListAsync(HttpClient client, string customer, string query = "", string phase = "")
    {
        var (byPath, byQuery) = (await ByPathAsync(client, customer, query, phase), await ByQueryAsync(client, customer, query, phase));
        Assert.True(byPath.Orders.SequenceEqual(byQuery.Orders) && byPath.Next == byQuery.Next, $"{phase}: both routes give the same page");
        return byPath;
    }

    [Fact]
    public async Task Every_order_is_listed_right_after_its_201_newest_first()
    {
        var (customer, sku) = (NewCustomer(), ApiFixture.NewSku());
        await fixture.StockAsync(sku, 100);
        using var storefront = fixture.Storefront;
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            var order = await (await storefront.PostJsonAsync("/v1/orders", ApiBodies.Order(customer, (sku, 1)))).ReadAsync<OrderView>(201, $"placement {i}");
            acknowledged.Add(order.Id);
            var seen = acknowledged.ToArray();
            var phase = $"read after the 201 of {order.Id}";
            foreach (var page in new[] { await ByPathAsync(storefront, customer, phase: phase), await ByQueryAsync(storefront, customer, phase: phase) })
            {
                Assert.True(seen.All(page.Orders.Select(o => o.Id).Contains), $"{phase}: acknowledged {string.Join(", ", seen)}, listed {string.Join(", ", page.Orders.Select(o => o.Id))}");
                Assert.Equal(page.Orders.OrderByDescending(o => o.PlacedAt).ThenByDescending(o => o.Id, StringComparer.Ordinal), page.Orders);
            }
        }));

        using var ops = fixture.Ops;
        var all = await ListAsync(ops, customer, phase: "ops reads them all");
        Assert.Equal(acknowledged.Order(StringComparer.Ordinal), all.Orders.Select(o => o.Id).Order(StringComparer.Ordinal));
        Assert.Null(all.Next);
    }

    [Fact]
    public async Task A_refused_order_is_not_listed_and_a_customer_without_orders_has_an_empty_list()
    {
        var (customer, sku) = (NewCustomer(), ApiFixture.NewSku());
        await fixture.StockAsync(sku, 1);
        using var storefront = fixture.Storefront;

        await (await storefront.PostJsonAsync("/v1/orders", ApiBodies.Order(customer, (sku, 2)))).AssertProblemAsync(409, "out-of-stock");
        await (await storefront.PostJsonAsync("/v1/orders", ApiBodies.Order(customer, (ApiFixture.NewSku(), 1)))).AssertProblemAsync(422, "unknown-sku");

        var page = await ListAsync(storefront, customer, phase: "after two refusals");
        Assert.Equal((0, null), (page.Orders.Count, page.Next));
    }

    [Fact]
    public async Task Pages_of_limit_orders_follow_each_other_by_next()
    {
        var (customer, sku) = (NewCustomer(), ApiFixture.NewSku());
        await fixture.StockAsync(sku, 10);
        using var storefront = fixture.Storefront;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await (await storefront.PostJsonAsync("/v1/orders", ApiBodies.Order(customer, (sku, 1)))).ReadAsync<OrderView>(201, $"placement {i}")).Id);
        }

        var first = await ListAsync(storefront, customer, "limit=2", "first page");
        var second = await ListAsync(storefront, customer, $"limit=2&after={first.Next}", "second page");

        Assert.Equal([ids[2], ids[1]], first.Orders.Select(o => o.Id));
        Assert.Equal([ids[0]], second.Orders.Select(o => o.Id));
        Assert.Equal((ids[1], null), (first.Next, second.Next));
        var summary = second.Orders[0];
        Assert.Equal((OrderStatus.Confirmed, FulfillmentStatus.Unfulfilled, SalesChannel.Web, "USD", 10m, 1), (summary.Status, summary.FulfillmentStatus, summary.Channel, summary.Currency, summary.Total, summary.ItemCount));
    }

    [Theory]
    [InlineData("/v1/customers/c-1/orders?limit=0", "limit")]
    [InlineData("/v1/customers/c-1/orders?limit=abc", "limit")]
    [InlineData("/v1/customers/c-1/orders?limit=101", "limit")]
    [InlineData("/v1/customers/c-1/orders?after=a%20b", "after")]
    [InlineData("/v1/customers/c-1/orders?after=ord_not_one_of_hers", "after")]
    [InlineData("/v1/customers/%20/orders", "id")]
    [InlineData("/v1/customers/a%01b/orders", "id")]
    [InlineData("/v1/orders", "customer")]
    [InlineData("/v1/orders?customer=", "customer")]
    [InlineData("/v1/orders?customer=c-1&limit=-1", "limit")]
    public async Task A_bad_customer_limit_or_cursor_is_a_422_naming_it(string url, string field)
    {
        using var storefront = fixture.Storefront;
        var problem = await (await storefront.GetAsync(url)).AssertProblemAsync(422, "validation-failed", url);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{url}: {problem.GetRawText()}");
    }

    [Fact]
    public async Task A_customer_id_longer_than_orders_allow_is_a_422_and_analytics_keys_may_not_list()
    {
        using var storefront = fixture.Storefront;
        await (await storefront.GetAsync($"/v1/customers/{new string('c', 201)}/orders")).AssertProblemAsync(422, "validation-failed", "201 characters");
        using var analytics = fixture.Analytics;
        await (await analytics.GetAsync("/v1/customers/c-1/orders")).AssertProblemAsync(403, "forbidden", "analytics key");
        await (await analytics.GetAsync("/v1/orders?customer=c-1")).AssertProblemAsync(403, "forbidden", "analytics key, by query");
    }
}
