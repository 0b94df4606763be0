using System.Text.RegularExpressions;
using OrderActors.Runtime.Diagnostics;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

public sealed partial class MetricsEndpointTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Metrics_are_served_in_the_prometheus_text_format_with_calls_activations_and_latency_buckets()
    {
        var sku = ApiFixture.NewSku();
        await fixture.StockAsync(sku, 3);
        (await fixture.Ops.GetAsync($"/v1/inventory/{sku}")).EnsureSuccessStatusCode();

        using var anonymous = fixture.Api.CreateClient();
        using var response = await anonymous.GetAsync("/metrics");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("# TYPE orderactors_calls_total counter", text, StringComparison.Ordinal);
        Assert.True(double.Parse(CallsTotal().Match(text).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 2, text);
        Assert.Contains("# TYPE orderactors_activations_active gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE orderactors_call_duration histogram", text, StringComparison.Ordinal);
        Assert.Matches(@"orderactors_call_duration_bucket\{failed=""false"",method=""IInventoryGrain.[A-Za-z]+"",le=""\+Inf""\} \d+", text);
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_end_with_the_count_and_other_meters_are_left_out()
    {
        var name = $"OrderActors.Test.{Guid.NewGuid():N}";
        using var metrics = new PrometheusMetrics(name);
        using var meter = new System.Diagnostics.Metrics.Meter(name);
        using var other = new System.Diagnostics.Metrics.Meter(name + ".Other");
        var histogram = meter.CreateHistogram<double>("test.latency", "ms", "Test latency.");
        var counter = meter.CreateCounter<long>("test.things", "{thing}", "Test things.");
        other.CreateCounter<long>("test.elsewhere").Add(5);
        foreach (var value in new[] { 0.07, 3, 3, 20_000 })
        {
            histogram.Record(value, new KeyValuePair<string, object?>("kind", "a"));
        }

        counter.Add(2);
        counter.Add(3);
        var text = metrics.ToString();

        Assert.Contains("# TYPE test_latency histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("test_latency_bucket{kind=\"a\",le=\"0.05\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("test_latency_bucket{kind=\"a\",le=\"0.1\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("test_latency_bucket{kind=\"a\",le=\"2.5\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("test_latency_bucket{kind=\"a\",le=\"5\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("test_latency_bucket{kind=\"a\",le=\"10000\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("test_latency_bucket{kind=\"a\",le=\"+Inf\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("test_latency_sum{kind=\"a\"} 20006.07\n", text, StringComparison.Ordinal);
        Assert.Contains("test_latency_count{kind=\"a\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE test_things_total counter\ntest_things_total 5\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("elsewhere", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cluster_admin_endpoint_says_an_embedded_api_is_standalone_and_is_for_admins_only()
    {
        var body = System.Text.Json.JsonDocument.Parse(await fixture.Api.ClientWithKey(ApiFactory.AdminKey).GetStringAsync("/v1/admin/cluster")).RootElement;
        Assert.Equal("standalone", body.GetProperty("mode").GetString());
        Assert.Equal(0, body.GetProperty("silos").GetArrayLength());
        await (await fixture.Ops.GetAsync("/v1/admin/cluster")).AssertProblemAsync(403, "forbidden", "ops asks for the cluster");
    }

    [GeneratedRegex(@"^orderactors_calls_total ([0-9.]+)$", RegexOptions.Multiline)]
    private static partial Regex CallsTotal();
}
