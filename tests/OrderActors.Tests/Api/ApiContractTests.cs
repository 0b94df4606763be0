using System.Net;
using System.Text;
using System.Text.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

public sealed class ApiContractTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Inventory_put_and_get_show_on_hand_reserved_and_available_per_location()
    {
        var sku = ApiFixture.NewSku();
        var put = await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}", new { locations = new Dictionary<string, int> { ["main"] = 5, ["east"] = 2 }, substitutes = new[] { "sku-x" } });
        await put.ReadAsync<InventoryView>(200, "put");

        var view = await (await fixture.Storefront.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, "get");
        Assert.Equal((7, 0, 7), (view.OnHand, view.Reserved, view.Available));
        Assert.Equal(["main", "east"], view.Locations.Select(l => l.Location));
        Assert.Equal(["sku-x"], view.Substitutes);
    }

    [Fact]
    public async Task An_order_is_created_read_back_and_reserves_its_stock()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var created = await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("c-1", (sku, 3)));
        var order = await created.ReadAsync<OrderView>(201, "create");
        Assert.Equal($"/v1/orders/{order.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal((OrderStatus.Confirmed, PaymentStatus.Authorized, FulfillmentStatus.Unfulfilled), (order.Status, order.PaymentStatus, order.FulfillmentStatus));

        var read = await (await fixture.Ops.GetAsync($"/v1/orders/{order.Id}")).ReadAsync<OrderView>(200, "read");
        Assert.Equal(order.Id, read.Id);
        Assert.Equal(30m, read.Subtotal);
        Assert.Equal("dev-storefront", read.Timeline[0].Actor.Id);
        var stock = await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, "stock");
        Assert.Equal((3, 7), (stock.Reserved, stock.Available));
    }

    [Fact]
    public async Task Out_of_stock_is_a_409_with_shortages_and_alternatives_and_reserves_nothing()
    {
        var (sku, alternative) = (ApiFixture.NewSku(), ApiFixture.NewSku());
        await fixture.StockAsync(alternative, 4);
        await fixture.StockAsync(sku, 1, alternative);
        var problem = await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("c-1", (sku, 2)))).AssertProblemAsync(409, "out-of-stock");
        var shortage = problem.GetProperty("shortages")[0];
        Assert.Equal(sku, shortage.GetProperty("sku").GetString());
        Assert.Equal(2, shortage.GetProperty("requested").GetInt32());
        Assert.Equal(1, shortage.GetProperty("available").GetInt32());
        Assert.Equal(alternative, shortage.GetProperty("alternatives")[0].GetProperty("sku").GetString());
        Assert.Equal(4, shortage.GetProperty("alternatives")[0].GetProperty("available").GetInt32());
        var stock = await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, "stock");
        Assert.Equal(0, stock.Reserved);
    }

    [Fact]
    public async Task Unknown_things_are_404_or_422()
    {
        await (await fixture.Ops.GetAsync("/v1/inventory/never-stocked")).AssertProblemAsync(404, "unknown-sku");
        await (await fixture.Ops.GetAsync("/v1/orders/ord_nothing")).AssertProblemAsync(404, "order-not-found");
        var problem = await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("c-1", ("never-stocked", 1)))).AssertProblemAsync(422, "unknown-sku");
        Assert.Equal("never-stocked", problem.GetProperty("skus")[0].GetString());
    }

    [Fact]
    public async Task Without_a_key_is_401_and_with_the_wrong_role_403()
    {
        var anonymous = fixture.Api.ClientWithKey(null);
        await (await anonymous.GetAsync("/v1/inventory/x")).AssertProblemAsync(401, "unauthorized");
        await (await fixture.Api.ClientWithKey("not-a-real-key").GetAsync("/v1/inventory/x")).AssertProblemAsync(401, "unauthorized");
        var sku = ApiFixture.NewSku();
        await (await fixture.Storefront.PutJsonAsync($"/v1/inventory/{sku}", new { locations = new Dictionary<string, int> { ["main"] = 1 } }))
            .AssertProblemAsync(403, "forbidden", "storefront stocking");
        await (await fixture.Analytics.PostJsonAsync("/v1/orders", ApiBodies.Order("c-1", (sku, 1)))).AssertProblemAsync(403, "forbidden", "analytics ordering");
        await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).AssertProblemAsync(404, "unknown-sku", "nothing was stocked by the refused call");
    }

    public static TheoryData<string, string, int, string> BadOrders() => new()
    {
        { "malformed JSON", "{\"customer\":", 400, "malformed-request" },
        { "wrong type", "{\"customer\":{\"id\":\"c\"},\"lines\":[{\"sku\":\"a\",\"quantity\":\"two\",\"unitPrice\":1}]}", 400, "malformed-request" },
        { "fractional quantity", "{\"customer\":{\"id\":\"c\"},\"lines\":[{\"sku\":\"a\",\"quantity\":1.5,\"unitPrice\":1}]}", 400, "malformed-request" },
        { "empty body", "", 422, "validation-failed" },
        { "JSON null", "null", 422, "validation-failed" },
        { "missing customer", "{\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPrice\":1}]}", 422, "validation-failed" },
        { "missing lines", "{\"customer\":{\"id\":\"c\"}}", 422, "validation-failed" },
        { "missing payment", "{\"customer\":{\"id\":\"c\"},\"shippingAddress\":{\"line1\":\"1 Main\",\"city\":\"X\",\"postalCode\":\"1\",\"country\":\"US\"},\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPrice\":1}]}", 422, "validation-failed" },
        { "missing address", "{\"customer\":{\"id\":\"c\"},\"payment\":{\"method\":\"card\",\"token\":\"tok_visa\"},\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPrice\":1}]}", 422, "validation-failed" },
        { "no lines", "{\"customer\":{\"id\":\"c\"},\"lines\":[]}", 422, "validation-failed" },
        { "null line", "{\"customer\":{\"id\":\"c\"},\"lines\":[null]}", 422, "validation-failed" },
        { "zero quantity", "{\"customer\":{\"id\":\"c\"},\"lines\":[{\"sku\":\"a\",\"quantity\":0,\"unitPrice\":1}]}", 422, "validation-failed" },
        { "negative quantity", "{\"customer\":{\"id\":\"c\"},\"lines\":[{\"sku\":\"a\",\"quantity\":-2,\"unitPrice\":1}]}", 422, "validation-failed" },
        { "missing quantity", "{\"customer\":{\"id\":\"c\"},\"lines\":[{\"sku\":\"a\",\"unitPrice\":1}]}", 422, "validation-failed" },
        { "fraction of a cent", "{\"customer\":{\"id\":\"c\"},\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPrice\":0.005}]}", 422, "validation-failed" },
        { "negative price", "{\"customer\":{\"id\":\"c\"},\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPrice\":-1}]}", 422, "validation-failed" },
        { "bad sku", "{\"customer\":{\"id\":\"c\"},\"lines\":[{\"sku\":\"a b/c\",\"quantity\":1,\"unitPrice\":1}]}", 422, "validation-failed" },
        { "bad channel", "{\"customer\":{\"id\":\"c\"},\"channel\":\"fax\",\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPrice\":1}]}", 422, "validation-failed" },
        { "bad currency", "{\"customer\":{\"id\":\"c\"},\"currency\":\"dollars\",\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPrice\":1}]}", 422, "validation-failed" },
        { "huge quantity", "{\"customer\":{\"id\":\"c\"},\"lines\":[{\"sku\":\"a\",\"quantity\":99999999999,\"unitPrice\":1}]}", 400, "malformed-request" },
    };

    [Theory]
    [MemberData(nameof(BadOrders))]
    public async Task Bad_order_input_is_a_clear_problem_and_changes_nothing(string what, string body, int status, string type)
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync("a", 1000);
        var before = await (await fixture.Ops.GetAsync("/v1/inventory/a")).ReadAsync<InventoryView>(200, "before");
        var response = await fixture.Storefront.PostAsync("/v1/orders", new StringContent(body.Replace("\"sku\":\"x\"", $"\"sku\":\"{sku}\""), Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(status, type, what);
        var after = await (await fixture.Ops.GetAsync("/v1/inventory/a")).ReadAsync<InventoryView>(200, "after");
        Assert.Equal(before.Reserved, after.Reserved);
    }

    [Fact]
    public async Task Validation_problems_name_each_invalid_field()
    {
        var response = await fixture.Storefront.PostAsync("/v1/orders", new StringContent(
            "{\"customer\":{},\"lines\":[{\"sku\":\"a\",\"quantity\":0,\"unitPrice\":-1}]}", Encoding.UTF8, "application/json"));
        var problem = await response.AssertProblemAsync(422, "validation-failed");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("customer.id", out _), errors.GetRawText());
        Assert.True(errors.TryGetProperty("lines[0].quantity", out _), errors.GetRawText());
        Assert.True(errors.TryGetProperty("lines[0].unitPrice", out _), errors.GetRawText());
    }

    public static TheoryData<string, string> BadStock() => new()
    {
        { "{\"locations\":{\"main\":-1}}", "validation-failed" },
        { "{\"locations\":{\"bad location\":1}}", "validation-failed" },
        { "{}", "validation-failed" },
        { "{\"locations\":{\"main\":\"ten\"}}", "malformed-request" },
        { "[1,2]", "malformed-request" },
        { "{\"locations\":{\"main\":1},\"substitutes\":[\"no spaces allowed\"]}", "validation-failed" },
    };

    [Theory]
    [MemberData(nameof(BadStock))]
    public async Task Bad_stock_input_is_a_clear_problem(string body, string type)
    {
        var response = await fixture.Ops.PutAsync($"/v1/inventory/{ApiFixture.NewSku()}", new StringContent(body, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(type == "malformed-request" ? 400 : 422, type, body);
    }

    [Fact]
    public async Task Setting_stock_below_what_is_reserved_is_a_conflict_and_changes_nothing()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("c-1", (sku, 4)))).ReadAsync<OrderView>(201, "order");
        var response = await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}", new { locations = new Dictionary<string, int> { ["main"] = 3 } });
        await response.AssertProblemAsync(409, "stock-below-reserved");
        var stock = await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, "stock");
        Assert.Equal((5, 4), (stock.OnHand, stock.Reserved));
    }

    [Fact]
    public async Task An_oversized_body_is_413()
    {
        var huge = "{\"customer\":{\"id\":\"" + new string('x', 200_000) + "\"}}";
        var response = await fixture.Storefront.PostAsync("/v1/orders", new StringContent(huge, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(413, "payload-too-large");

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        chunked.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await (await fixture.Storefront.SendAsync(request)).AssertProblemAsync(413, "payload-too-large", "chunked");
    }

    [Fact]
    public async Task A_retry_with_the_same_idempotency_key_returns_the_same_order_and_reserves_once()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var key = Guid.NewGuid().ToString();

        async Task<HttpResponseMessage> PostAsync(object body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = JsonContent(body) };
            request.Headers.Add("Idempotency-Key", key);
            return await fixture.Storefront.SendAsync(request);
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => PostAsync(ApiBodies.Order("c-1", (sku, 2)))));
        var orders = await Task.WhenAll(responses.Select(r => r.ReadAsync<OrderView>(201, "retry")));
        Assert.Single(orders.Select(o => o.Id).Distinct());
        var stock = await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, "stock");
        Assert.Equal(2, stock.Reserved);

        await (await PostAsync(ApiBodies.Order("c-1", (sku, 3)))).AssertProblemAsync(409, "idempotency-key-reused");
        stock = await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, "stock after reuse");
        Assert.Equal(2, stock.Reserved);
    }

    [Fact]
    public async Task The_same_idempotency_key_from_another_api_key_is_another_order()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var key = Guid.NewGuid().ToString();
        var ids = new List<string>();
        foreach (var client in new[] { fixture.Storefront, fixture.Ops })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = JsonContent(ApiBodies.Order("c-1", (sku, 1))) };
            request.Headers.Add("Idempotency-Key", key);
            ids.Add((await (await client.SendAsync(request)).ReadAsync<OrderView>(201)).Id);
        }

        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task OpenApi_and_health_need_no_key()
    {
        var anonymous = fixture.Api.ClientWithKey(null);
        var openApi = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        var document = JsonDocument.Parse(await openApi.Content.ReadAsStringAsync()).RootElement;
        Assert.True(document.GetProperty("paths").TryGetProperty("/v1/orders", out _));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body, ApiFactory.Json), Encoding.UTF8, "application/json");
}
