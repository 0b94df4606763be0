using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary><c>/metrics</c>: OpenTelemetry's Prometheus exporter with Orleans' and ASP.NET Core's meters; the cluster admin endpoint.</summary>
public sealed class MetricsEndpointTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Metrics_are_served_in_the_prometheus_text_format_with_grain_calls_and_http_requests()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 3);
        (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).EnsureSuccessStatusCode();

        using var anonymous = fixture.Api.CreateClient();
        var text = "";
        await Eventually.TrueAsync(async () =>
        {
            using var response = await anonymous.GetAsync("/metrics");
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
            text = await response.Content.ReadAsStringAsync();
            return text.Contains("http_server_request_duration_seconds_bucket", StringComparison.Ordinal)
                && text.Contains("orleans_", StringComparison.Ordinal);
        }, "the scrape shows HTTP and Orleans metrics");

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Matches(@"http_server_request_duration_seconds_bucket\{[^}]*http_route=""/v1/inventory/\{sku\}""", text);
    }

    [Fact]
    public async Task The_cluster_admin_endpoint_says_an_embedded_api_is_standalone_and_is_for_admins_only()
    {
        var body = System.Text.Json.JsonDocument.Parse(await fixture.Api.ClientWithKey(ApiFactory.AdminKey).GetStringAsync("/v1/admin/cluster")).RootElement;
        Assert.Equal("standalone", body.GetProperty("mode").GetString());
        Assert.Equal(0, body.GetProperty("silos").GetArrayLength());
        await (await fixture.Ops.GetAsync("/v1/admin/cluster")).AssertProblemAsync(403, "forbidden", "ops asks for the cluster");
    }
}
