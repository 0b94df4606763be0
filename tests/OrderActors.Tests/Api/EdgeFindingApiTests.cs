using System.Net;
using System.Text;
using System.Text.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipments;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>Issue 11's findings through the HTTP API: each refused request is a 422 (or 401) that changes nothing.</summary>
public sealed class EdgeFindingApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly AftercareApi _api = new(fixture);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string OrderJson(string sku, string unitPrice = "10.00", string currency = "USD", string method = "card", string country = "US",
        string email = "ana@example.com", string line1 = "1 Main St")
        => $$$"""
           {"customer":{"id":"cus-edge","email":{{{JsonSerializer.Serialize(email)}}}},"currency":"{{{currency}}}",
            "lines":[{"sku":"{{{sku}}}","quantity":1,"unitPrice":{{{unitPrice}}}}],
            "shippingAddress":{"name":"Ana","line1":{{{JsonSerializer.Serialize(line1)}}},"city":"Springfield","postalCode":"12345","country":"{{{country}}}"},
            "payment":{"method":"{{{method}}}","token":"tok_visa"}}
           """;

    private async Task ShipAsync(string shipmentId)
    {
        foreach (var step in new[] { "pick", "pack", "ship" })
        {
            (await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipmentId}/{step}", new { })).EnsureSuccessStatusCode();
        }
    }

    // Finding 1
    [Fact]
    public async Task Stock_of_three_billion_units_is_a_422_naming_locations_and_the_sku_keeps_working()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var before = await fixture.Ops.GetStringAsync($"/v1/inventory/{sku}");

        var huge = await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}",
            new { locations = new Dictionary<string, int> { ["main"] = 1_000_000_000, ["east"] = 1_000_000_000, ["west"] = 1_000_000_000 } });
        var problem = await huge.AssertProblemAsync(422, "validation-failed", "three locations of a billion");
        Assert.True(problem.GetProperty("errors").TryGetProperty("locations", out _), $"the error names 'locations': {problem}");

        Assert.Equal(before, await fixture.Ops.GetStringAsync($"/v1/inventory/{sku}"));
        await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("cus-edge", (sku, 1)))).ReadAsync<OrderView>(201, "an order for the SKU after the refusal");
    }

    // Finding 2
    [Fact]
    public async Task A_tracking_time_in_the_far_future_or_before_the_order_is_a_422_and_changes_nothing()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("cus-edge", (sku, 1)))).ReadAsync<OrderView>(201, "place");
        var shipmentId = Assert.Single(order.Shipments).Id;
        await ShipAsync(shipmentId);

        var before = await _api.SnapshotAsync(order.Id, sku);
        foreach (var at in new[] { "9999-12-31T00:00:00Z", "1970-01-01T00:00:00Z", DateTimeOffset.UtcNow.AddHours(1).ToString("O") })
        {
            var refused = await fixture.Ops.PostAsync($"/v1/shipments/{shipmentId}/tracking", Json($$"""{"status":"delivered","at":"{{at}}"}"""));
            var problem = await refused.AssertProblemAsync(422, "validation-failed", $"delivered at {at}");
            Assert.True(problem.GetProperty("errors").TryGetProperty("at", out _), $"the error names 'at': {problem}");
            Assert.Equal(before, await _api.SnapshotAsync(order.Id, sku));
        }

        var delivered = await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipmentId}/tracking", new { status = "delivered" });
        await delivered.ReadAsync<ShipmentView>(200, "delivered now");
        (await fixture.Ops.PutJsonAsync("/v1/locations/main", new { address = TestLocations.Warehouse("main") })).EnsureSuccessStatusCode();
        await _api.OpenReturnAsync(order.Id, new { lines = new[] { new { sku, quantity = 1, reason = "defective" } } });
    }

    // Finding 2: one clock for the on-time KPI and the return window
    [Fact]
    public async Task Completion_is_dated_by_the_delivery_the_return_window_counts_from()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("cus-edge", (sku, 1)))).ReadAsync<OrderView>(201, "place");
        var shipmentId = Assert.Single(order.Shipments).Id;
        await ShipAsync(shipmentId);

        var shipped = await _api.OrderAsync(order.Id);
        var deliveredAt = shipped.Timeline[^1].At.AddMilliseconds(1);
        (await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipmentId}/tracking", new { status = "delivered", at = deliveredAt })).EnsureSuccessStatusCode();

        var completed = await _api.OrderAsync(order.Id);
        Assert.Equal(deliveredAt, completed.Timeline.Single(t => t.Type == "order.completed").At);
        Assert.Equal(deliveredAt, (await (await fixture.Ops.GetAsync($"/v1/shipments/{shipmentId}")).ReadAsync<ShipmentView>(200, "shipment")).DeliveredAt);
        Assert.True(completed.Timeline.Zip(completed.Timeline.Skip(1)).All(p => p.First.At <= p.Second.At), "the timeline is in order");
    }

    // Finding 3
    [Theory]
    [InlineData("standard", "ground-co")]
    [InlineData("express", "swift-express")]
    public async Task The_default_carrier_is_the_cheapest_that_meets_the_promise(string priority, string carrier)
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var body = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(ApiBodies.Order("cus-edge", (sku, 1)), ApiFactory.Json), ApiFactory.Json)!;
        body["priority"] = priority;
        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", body)).ReadAsync<OrderView>(201, "place");
        var shipmentId = Assert.Single(order.Shipments).Id;
        await ShipAsync(shipmentId);

        var shipment = await (await fixture.Ops.GetAsync($"/v1/shipments/{shipmentId}")).ReadAsync<ShipmentView>(200, "shipment");
        Assert.Equal(carrier, shipment.Carrier);
    }

    // Finding 4
    [Fact]
    public async Task Identifiers_with_a_trailing_newline_are_refused()
    {
        var sku = ApiFixture.NewSku();
        await (await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}%0A", ApiBodies.Stock(5))).AssertProblemAsync(422, "validation-failed", "SKU with a newline");
        await (await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}", new { locations = new Dictionary<string, int> { ["main\n"] = 5 } }))
            .AssertProblemAsync(422, "validation-failed", "location with a newline");
        await (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).AssertProblemAsync(404, "unknown-sku", "nothing was stocked");
    }

    // Finding 5
    [Theory]
    [InlineData("currency", "XYZ", "currency")]
    [InlineData("method", "crypto", "payment.method")]
    [InlineData("country", "ZZ", "shippingAddress.country")]
    [InlineData("email", "not-an-email", "customer.email")]
    [InlineData("line1", "long", "shippingAddress.line1")]
    [InlineData("unitPrice", "1e-30", "lines[0].unitPrice")]
    [InlineData("unitPrice", "0.001", "lines[0].unitPrice")]
    [InlineData("currencyJpy", "JPY", "lines[0].unitPrice")]
    public async Task Values_outside_the_lists_and_limits_are_a_422_naming_the_field(string what, string value, string field)
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        var json = what switch
        {
            "currency" => OrderJson(sku, currency: value),
            "method" => OrderJson(sku, method: value),
            "country" => OrderJson(sku, country: value),
            "email" => OrderJson(sku, email: value),
            "line1" => OrderJson(sku, line1: new string('x', 5_000)),
            "unitPrice" => OrderJson(sku, unitPrice: value),
            _ => OrderJson(sku, currency: value, unitPrice: "10.50"), // yen have no minor unit
        };
        var problem = await (await fixture.Storefront.PostAsync("/v1/orders", Json(json))).AssertProblemAsync(422, "validation-failed", $"{what} {value}");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the error names '{field}': {problem}");
        Assert.Equal(0, (await _api.StockAsync(sku)).Reserved);
    }

    // Finding 5
    [Fact]
    public async Task A_webhook_for_a_misspelt_event_type_is_a_422()
    {
        using var admin = fixture.Api.ClientWithKey(ApiFactory.AdminKey);
        var problem = await (await admin.PostJsonAsync("/v1/webhooks", new { url = "https://shop.example.com/hooks", eventTypes = new[] { "order.shiped" } }))
            .AssertProblemAsync(422, "validation-failed", "order.shiped");
        Assert.True(problem.GetProperty("errors").TryGetProperty("eventTypes[0]", out _), problem.ToString());
        await (await admin.PostJsonAsync("/v1/webhooks", new { url = "https://shop.example.com/hooks", eventTypes = new[] { "orders.*" } }))
            .AssertProblemAsync(422, "validation-failed", "a prefix that selects nothing");
    }

    // Finding 6
    [Fact]
    public async Task An_idempotent_retry_with_the_price_written_differently_is_the_same_order()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 5);
        await fixture.PriceAsync(sku, 19.90m);
        var key = Guid.NewGuid().ToString("N");
        OrderView? first = null;
        foreach (var price in new[] { "19.9", "19.90", "1.99e1" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = Json(OrderJson(sku, unitPrice: price)) };
            request.Headers.Add("Idempotency-Key", key);
            var order = await (await fixture.Storefront.SendAsync(request)).ReadAsync<OrderView>(201, $"unit price written {price}");
            Assert.Equal(first?.Id ?? order.Id, order.Id);
            first ??= order;
        }

        Assert.Equal(1, (await _api.StockAsync(sku)).Reserved);
    }

    // Finding 7
    [Fact]
    public async Task Without_a_key_the_answer_is_401_whatever_the_content_type()
    {
        using var anonymous = fixture.Api.ClientWithKey(null);
        var response = await anonymous.PostAsync("/v1/orders", new StringContent("hello", Encoding.UTF8, "text/plain"));
        await response.AssertProblemAsync(401, "unauthorized", "no key, text/plain");
    }

    // Finding 8
    [Fact]
    public async Task Locations_have_addresses_that_are_the_sender_of_labels_and_the_destination_of_returns()
    {
        var (sku, location) = (ApiFixture.NewSku(), $"dc-{Guid.NewGuid():N}"[..12]);
        await fixture.PriceAsync(sku);
        (await fixture.Ops.PutJsonAsync($"/v1/inventory/{sku}", new { locations = new Dictionary<string, int> { [location] = 5 } })).EnsureSuccessStatusCode();
        await (await fixture.Ops.GetAsync($"/v1/locations/{location}")).AssertProblemAsync(404, "location-not-found", "before its address");
        var address = new { name = "Reno DC", line1 = "77 Depot Way", city = "Reno", region = "NV", postalCode = "89502", country = "US" };
        await (await fixture.Ops.PutJsonAsync($"/v1/locations/{location}", new { address = address with { country = "ZZ" } })).AssertProblemAsync(422, "validation-failed", "bad country");
        (await fixture.Ops.PutJsonAsync($"/v1/locations/{location}", new { address })).EnsureSuccessStatusCode();
        Assert.Contains("77 Depot Way", await fixture.Ops.GetStringAsync($"/v1/locations/{location}"), StringComparison.Ordinal);

        var order = await (await fixture.Storefront.PostJsonAsync("/v1/orders", ApiBodies.Order("cus-edge", (sku, 1)))).ReadAsync<OrderView>(201, "place");
        var shipmentId = Assert.Single(order.Shipments).Id;
        await ShipAsync(shipmentId);

        var label = JsonDocument.Parse(await fixture.Ops.GetStringAsync($"/v1/shipments/{shipmentId}/label")).RootElement.GetProperty("document").GetString()!;
        Assert.True(label.Contains("FROM:", StringComparison.Ordinal) && label.Contains("77 Depot Way", StringComparison.Ordinal), $"the outbound label names its sender: {label}");
        (await fixture.Ops.PostJsonAsync($"/v1/shipments/{shipmentId}/tracking", new { status = "delivered" })).EnsureSuccessStatusCode();

        var opened = await _api.OpenReturnAsync(order.Id, new { lines = new[] { new { sku, quantity = 1, reason = "defective" } } });
        var document = opened.Label!.Document;
        var shipTo = document[document.IndexOf("SHIP TO:", StringComparison.Ordinal)..];
        Assert.True(shipTo.Contains("77 Depot Way", StringComparison.Ordinal) && shipTo.Contains("Reno NV 89502", StringComparison.Ordinal), $"the return label goes to the location: {document}");
        Assert.Contains("1 Main St", document[..document.IndexOf("SHIP TO:", StringComparison.Ordinal)], StringComparison.Ordinal);
    }
}
