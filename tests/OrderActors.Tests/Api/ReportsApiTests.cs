using System.Text.Json;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

public sealed class ReportsApiTests : IAsyncLifetime
{
    private readonly ApiFixture _fixture = new();

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task Orders_by_status_follows_the_orders_streams_live()
    {
        var sku = ApiFixture.NewSku();
        await _fixture.StockAsync(sku, 20);
        var ids = new List<string>();
        foreach (var channel in new[] { "web", "web", "mobile" })
        {
            var body = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(ApiBodies.Order("c-report", (sku, 1))))!;
            body["channel"] = channel;
            ids.Add((await (await _fixture.Storefront.PostJsonAsync("/v1/orders", body)).ReadAsync<OrderView>(201, "place")).Id);
        }

        (await _fixture.Storefront.PostJsonAsync($"/v1/orders/{ids[0]}/cancel", new { reason = "changed mind" })).EnsureSuccessStatusCode();

        JsonElement report = default;
        await Eventually.TrueAsync(async () =>
        {
            report = JsonDocument.Parse(await _fixture.Analytics.GetStringAsync("/v1/reports/orders-by-status")).RootElement;
            return report.GetProperty("total").GetInt32() == 3
                && report.GetProperty("byStatus").TryGetProperty("cancelled", out var cancelled) && cancelled.GetInt32() == 1;
        }, "the report counts the three orders and the cancellation");
        Assert.Equal(2, report.GetProperty("byStatus").GetProperty("confirmed").GetInt32());
        Assert.Equal(1, report.GetProperty("byChannel").GetProperty("mobile").GetProperty("confirmed").GetInt32());
        Assert.Equal(1, report.GetProperty("byChannel").GetProperty("web").GetProperty("cancelled").GetInt32());
    }

    [Fact]
    public async Task Subscriptions_are_visible_to_admins_only()
    {
        await (await _fixture.Analytics.GetAsync("/v1/admin/subscriptions")).AssertProblemAsync(403, "forbidden");
        var admin = _fixture.Api.ClientWithKey(ApiFactory.AdminKey);
        var list = JsonDocument.Parse(await admin.GetStringAsync("/v1/admin/subscriptions")).RootElement.GetProperty("subscriptions");
        var orders = list.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "ordersbystatus");
        Assert.Equal("running", orders.GetProperty("state").GetString());
        await (await admin.PostJsonAsync("/v1/admin/subscriptions/ordersbystatus/skip", new { reason = "x" })).AssertProblemAsync(409, "subscription-not-parked");
        await (await admin.PostJsonAsync("/v1/admin/subscriptions/nothing/retry", new { })).AssertProblemAsync(404, "subscription-not-found");
    }
}
