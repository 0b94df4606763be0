using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>
/// The OpenAPI document is one a client can be generated from: valid, complete, with an operation id, summary, tag and
/// security per operation, enums as the strings the API writes, and a browsable reference at /docs that needs nothing
/// from outside. That every answered status is declared is checked after every class that uses <see cref="ApiFixture"/>.
/// </summary>
public sealed partial class OpenApiDocumentTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    // Endpoints the document leaves out on purpose: itself, its reference, the metrics scrape and the Orleans dashboard.
    private static readonly string[] Undescribed = ["/openapi/", "/docs", "/metrics", "/dashboard"];

    [Fact]
    public async Task The_document_is_valid_and_describes_every_route_of_the_app()
    {
        using var anonymous = fixture.Api.CreateClient();
        var document = await OpenApiContract.ReadAsync(anonymous);

        var routes = fixture.Api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => (Method: method, Route: "/" + e.RoutePattern.RawText!.Trim('/'))))
            .Distinct().ToList();
        var missing = routes.Where(r => OpenApiContract.IsDescribed(r.Route) && OpenApiContract.Operation(document, r.Method, r.Route) is null).ToList();
        Assert.True(missing.Count == 0, $"routes missing from the document: {string.Join(", ", missing)}");
        var unexpected = routes.Where(r => !OpenApiContract.IsDescribed(r.Route) && !Undescribed.Any(p => r.Route.StartsWith(p, StringComparison.Ordinal))).ToList();
        Assert.True(unexpected.Count == 0, $"routes outside /v1 and /health that the document neither describes nor is meant to leave out: {string.Join(", ", unexpected)}");
        var described = routes.Count(r => OpenApiContract.IsDescribed(r.Route));
        Assert.True(described >= 50, $"expected the 50-odd routes of the README, found {described}");
    }

    [Fact]
    public async Task Every_operation_has_a_unique_id_a_summary_a_tag_and_its_problem_responses()
    {
        using var anonymous = fixture.Api.CreateClient();
        var document = await OpenApiContract.ReadAsync(anonymous);
        var operations = document.Paths.SelectMany(p => p.Value.Operations!.Select(o => (Name: $"{o.Key.Method} {p.Key}", Operation: o.Value))).ToList();

        var ids = operations.Select(o => o.Operation.OperationId).ToList();
        Assert.True(ids.All(id => !string.IsNullOrEmpty(id)), $"operations without an operationId: {string.Join(", ", operations.Where(o => string.IsNullOrEmpty(o.Operation.OperationId)).Select(o => o.Name))}");
        Assert.True(ids.Distinct().Count() == ids.Count, $"duplicate operationIds: {string.Join(", ", ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key))}");
        foreach (var (name, operation) in operations)
        {
            Assert.False(string.IsNullOrEmpty(operation.Summary), $"{name} has no summary");
            Assert.True(operation.Tags?.Count > 0, $"{name} has no tag");
            Assert.True(operation.Responses!.Keys.Any(k => k.StartsWith('2')), $"{name} declares no success status");
            Assert.False(operation.Responses.ContainsKey("500"), $"{name} declares a 500: nothing a client sends may yield one");
            foreach (var (status, response) in operation.Responses.Where(r => r.Key[0] is '4' or '5' && !name.Contains("/health/", StringComparison.Ordinal)))
            {
                Assert.True(response.Content?.ContainsKey("application/problem+json") == true, $"{name} {status} is not declared as application/problem+json");
            }

            var needsKey = name.Contains(" /v1/", StringComparison.Ordinal);
            Assert.True(needsKey == (operation.Security?.Count > 0), $"{name}: needs a key = {needsKey}, but its security requirement says otherwise");
            if (needsKey)
            {
                Assert.True(operation.Responses.ContainsKey("401") && operation.Responses.ContainsKey("429") && operation.Responses.ContainsKey("503"),
                    $"{name} should declare 401, 429 and 503; it declares {string.Join(", ", operation.Responses.Keys)}");
                Assert.Matches(RolesLine(), operation.Description ?? "");
            }
        }

        var scheme = Assert.IsType<OpenApiSecurityScheme>(document.Components!.SecuritySchemes!["ApiKey"]);
        Assert.Equal((SecuritySchemeType.ApiKey, ParameterLocation.Header, "X-Api-Key"), (scheme.Type!.Value, scheme.In!.Value, scheme.Name));
    }

    [Fact]
    public async Task Schemas_are_the_real_response_types_with_enums_as_the_strings_the_api_writes()
    {
        using var anonymous = fixture.Api.CreateClient();
        var document = await OpenApiContract.ReadAsync(anonymous);
        var placed = OpenApiContract.Operation(document, "POST", "/v1/orders")!.Responses!["201"].Content!["application/json"].Schema;
        var order = Assert.IsType<OpenApiSchemaReference>(placed).Target!;
        Assert.Superset(new HashSet<string?> { "confirmed", "completed", "cancelled" }, Enum(order.Properties!["status"]).ToHashSet());
        Assert.Contains("partially_refunded", Enum(order.Properties["paymentStatus"]));
        Assert.Contains("backordered", Enum(order.Properties["fulfillmentStatus"]));
        Assert.Contains("id", order.Required ?? new HashSet<string>());

        var invalid = OpenApiContract.Operation(document, "POST", "/v1/orders")!.Responses!["422"].Content!["application/problem+json"].Schema!;
        Assert.Contains("errors", invalid.Properties!.Keys);
    }

    [Fact]
    public async Task The_reference_at_docs_is_served_without_a_key_and_loads_its_script_from_this_server()
    {
        using var anonymous = fixture.Api.CreateClient();
        using var page = await anonymous.GetAsync("/docs");
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.IsSuccessStatusCode, $"GET /docs: {(int)page.StatusCode} {html}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        var scripts = ScriptSource().Matches(html).Select(m => m.Groups["src"].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.False(script.StartsWith("http", StringComparison.OrdinalIgnoreCase) || script.StartsWith("//", StringComparison.Ordinal), $"/docs loads {script} from elsewhere");
            using var asset = await anonymous.GetAsync(new Uri(page.RequestMessage!.RequestUri!, script));
            Assert.True(asset.IsSuccessStatusCode, $"/docs script {script}: {(int)asset.StatusCode}");
        }
    }

    [Fact]
    public async Task Every_status_the_flows_of_the_readme_answer_is_declared_for_its_route()
    {
        var aftercare = new AftercareApi(fixture);
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 10);
        var order = await aftercare.DeliveredOrderAsync(null, (sku, 3));
        var returned = await aftercare.OpenReturnAsync(order.Id, new { lines = new[] { new { sku, quantity = 1, reason = "damaged" } } });
        await aftercare.ReceiveAsync(returned.Id, (sku, 1, "resellable"));

        using var storefront = fixture.Storefront;
        using var ops = fixture.Ops;
        using var analytics = fixture.Analytics;
        using var admin = fixture.Api.ClientWithKey(ApiFactory.AdminKey);
        using var anonymous = fixture.Api.CreateClient();
        var webhook = JsonDocument.Parse(await (await admin.PostJsonAsync("/v1/webhooks", new { url = "https://hooks.example.com/o", eventTypes = new[] { "order.*" } }))
            .Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        var ticket = JsonDocument.Parse(await (await storefront.PostJsonAsync($"/v1/orders/{order.Id}/tickets", new { subject = "Where", message = "Is it here?" }))
            .Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        (HttpClient Client, string Method, string Url, object? Body)[] calls =
        [
            (storefront, "GET", $"/v1/orders/{order.Id}", null), (storefront, "GET", $"/v1/orders/{order.Id}/notifications", null),
            (storefront, "GET", $"/v1/shipments/{order.Shipments[0].Id}", null), (ops, "GET", $"/v1/shipments/{order.Shipments[0].Id}/label", null),
            (storefront, "GET", $"/v1/returns/{returned.Id}", null), (ops, "POST", $"/v1/orders/{order.Id}/refunds", new { shipping = 1.00m, reason = "goodwill" }),
            (storefront, "POST", $"/v1/orders/{order.Id}/feedback", new { rating = 5 }), (storefront, "POST", $"/v1/orders/{order.Id}/feedback", new { rating = 4 }),
            (storefront, "POST", $"/v1/orders/{order.Id}/claims", new { type = "item_missing", lines = new[] { new { sku, quantity = 1 } }, description = "one short" }),
            (storefront, "GET", $"/v1/tickets/{ticket}", null), (ops, "POST", $"/v1/tickets/{ticket}/replies", new { message = "On its way" }),
            (ops, "POST", $"/v1/tickets/{ticket}/assign", new { assignee = "ana" }), (ops, "POST", $"/v1/tickets/{ticket}/resolve", new { resolution = "answered" }),
            (storefront, "POST", $"/v1/orders/{order.Id}/cancel", new { reason = "too late" }), (ops, "GET", $"/v1/locations/{order.Shipments[0].Location}", null),
            (ops, "GET", $"/v1/locations/{order.Shipments[0].Location}/pick-queue", null), (analytics, "GET", "/v1/events?limit=5", null),
            (storefront, "GET", $"/v1/orders/{order.Id}/events", null), (analytics, "GET", "/v1/reports/orders-by-status", null),
            (analytics, "GET", "/v1/reports/sales?groupBy=sku", null), (analytics, "GET", "/v1/reports/sales.csv", null), (analytics, "GET", "/v1/reports/inventory", null),
            (analytics, "GET", "/v1/reports/low-stock", null), (ops, "PUT", $"/v1/reports/low-stock/{sku}", new { threshold = 2 }), (analytics, "GET", "/v1/reports/kpis", null),
            (analytics, "GET", "/v1/reports/orders", null), (analytics, "GET", "/v1/reports/orders.csv", null), (analytics, "GET", "/v1/reports/open-tickets", null),
            (admin, "GET", "/v1/webhooks", null), (admin, "GET", $"/v1/webhooks/{webhook}", null), (admin, "GET", $"/v1/webhooks/{webhook}/deliveries", null),
            (admin, "DELETE", $"/v1/webhooks/{webhook}", null), (admin, "GET", "/v1/admin/subscriptions", null), (admin, "GET", "/v1/admin/cluster", null),
            (admin, "POST", "/v1/admin/subscriptions/no-such/retry", null), (anonymous, "GET", "/health/live", null),
            // refusals: unknown, no key, wrong role, invalid, out of stock, malformed, wrong media type
            (storefront, "GET", "/v1/orders/no-such-order", null), (anonymous, "GET", $"/v1/orders/{order.Id}", null), (analytics, "POST", "/v1/orders", ApiBodies.Order("c", (sku, 1))),
            (storefront, "POST", "/v1/orders", new { lines = Array.Empty<object>() }), (storefront, "POST", "/v1/orders", ApiBodies.Order("c", (sku, 1_000))),
            (storefront, "POST", "/v1/orders", "{"), (storefront, "POST", "/v1/orders", 415),
        ];
        foreach (var (client, method, url, body) in calls)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url)
            {
                Content = body switch
                {
                    null => null,
                    string text => new StringContent(text, System.Text.Encoding.UTF8, "application/json"),
                    415 => new StringContent("hello", System.Text.Encoding.UTF8, "text/plain"),
                    _ => JsonContent.Create(body, options: ApiFactory.Json),
                },
            };
            (await client.SendAsync(request)).Dispose();
        }

        await OpenApiContract.AssertAnsweredStatusesDeclaredAsync(fixture.Api, "the README's flows");
    }

    [Fact]
    public async Task The_status_check_reports_a_status_the_document_does_not_list()
    {
        using var storefront = fixture.Storefront;
        (await storefront.GetAsync("/v1/orders/no-such-order")).StatusCode.ToString();
        using var anonymous = fixture.Api.CreateClient();
        var document = await OpenApiContract.ReadAsync(anonymous);
        var answered = fixture.Api.Answered.All.Where(a => a is { Method: "GET", Route: "/v1/orders/{id}", Status: 404 }).ToList();
        Assert.Single(answered);
        Assert.Empty(OpenApiContract.Undeclared(document, answered));

        OpenApiContract.Operation(document, "GET", "/v1/orders/{id}")!.Responses!.Remove("404");
        var finding = Assert.Single(OpenApiContract.Undeclared(document, answered));
        Assert.Contains("GET /v1/orders/{id} answered 404", finding);
    }

    private static IEnumerable<string?> Enum(IOpenApiSchema property)
    {
        var schema = property is OpenApiSchemaReference reference ? reference.Target! : property;
        return (schema.Enum ?? []).Select(v => v?.GetValue<string>());
    }

    [GeneratedRegex(@"Roles: `[a-z]+`(, `[a-z]+`)*\.")]
    private static partial Regex RolesLine();

    [GeneratedRegex("<script[^>]*\\ssrc=\"(?<src>[^\"]+)\"")]
    private static partial Regex ScriptSource();
}
