using System.Net;
using System.Text.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>
/// The flash-sale acceptance check, on each storage provider: 200 shoppers race for 50 units through the HTTP
/// API; exactly 50 get an order, the others a 409 that offers the in-stock substitute, and nothing is oversold.
/// </summary>
public abstract class FlashSaleTests : IAsyncLifetime
{
    private const int Units = 50;
    private const int Shoppers = 200;
    private const int SubstituteUnits = 7;

    private ApiFactory _api = null!;

    /// <summary>The API on the provider under test, on an empty database.</summary>
    protected abstract Task<ApiFactory> CreateApiAsync();

    public async Task InitializeAsync() => _api = await CreateApiAsync();

    public Task DisposeAsync()
    {
        _api.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Of_200_concurrent_orders_for_50_units_exactly_50_are_placed_and_the_rest_offered_the_substitute()
    {
        var ops = _api.ClientWithKey(ApiFactory.OpsKey);
        var storefront = _api.ClientWithKey(ApiFactory.StorefrontKey);
        (await ops.PutJsonAsync("/v1/products/flash-sku", ApiBodies.Product("flash-sku"))).EnsureSuccessStatusCode();
        (await ops.PutJsonAsync("/v1/inventory/flash-alt", ApiBodies.Stock(SubstituteUnits))).EnsureSuccessStatusCode();
        var stocked = await (await ops.PutJsonAsync("/v1/inventory/flash-sku", ApiBodies.Stock(Units, "flash-alt"))).ReadAsync<InventoryView>(200, "stock the SKU");
        Assert.Equal(Units, stocked.Available);

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, Shoppers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var response = await storefront.PostJsonAsync("/v1/orders", ApiBodies.Order($"shopper-{i}", ("flash-sku", 1)));
            return (Response: response, Body: await response.Content.ReadAsStringAsync());
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(requests);

        var byStatus = results.GroupBy(r => (int)r.Response.StatusCode).ToDictionary(g => g.Key, g => g.Count());
        var summary = string.Join(", ", byStatus.OrderBy(s => s.Key).Select(s => $"{s.Value} x HTTP {s.Key}"));
        var unexpected = results.FirstOrDefault(r => r.Response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict));
        Assert.True(unexpected.Response is null, $"Only 201 and 409 are expected ({summary}); one was: {unexpected.Body}");
        Assert.True(byStatus.GetValueOrDefault(201) == Units && byStatus.GetValueOrDefault(409) == Shoppers - Units,
            $"Expected {Units} x 201 and {Shoppers - Units} x 409, got {summary}.");

        var placed = new List<OrderView>();
        foreach (var (response, body) in results)
        {
            if (response.StatusCode == HttpStatusCode.Created)
            {
                var order = JsonSerializer.Deserialize<OrderView>(body, ApiFactory.Json)!;
                Assert.Equal(OrderStatus.Confirmed, order.Status);
                Assert.Equal($"/v1/orders/{order.Id}", response.Headers.Location?.OriginalString);
                var line = Assert.Single(order.Lines);
                Assert.Equal(("flash-sku", 1), (line.Sku, line.Quantity));
                Assert.Equal(1, line.Allocations.Sum(a => a.Quantity));
                placed.Add(order);
                continue;
            }

            var problem = await response.AssertProblemAsync(409, "out-of-stock", "losing shopper");
            var shortage = problem.GetProperty("shortages")[0];
            Assert.Equal("flash-sku", shortage.GetProperty("sku").GetString());
            Assert.Equal(1, shortage.GetProperty("requested").GetInt32());
            Assert.Equal(0, shortage.GetProperty("available").GetInt32());
            var alternatives = shortage.GetProperty("alternatives");
            Assert.True(alternatives.GetArrayLength() > 0, $"A losing shopper must be offered the in-stock substitute: {body}");
            Assert.Equal("flash-alt", alternatives[0].GetProperty("sku").GetString());
            Assert.Equal(SubstituteUnits, alternatives[0].GetProperty("available").GetInt32());
        }

        Assert.Equal(Units, placed.Select(o => o.Id).Distinct().Count());

        var inventory = await (await ops.GetAsync("/v1/inventory/flash-sku")).ReadAsync<InventoryView>(200, "inventory after the sale");
        Assert.Equal((Units, Units, 0), (inventory.OnHand, inventory.Reserved, inventory.Available));
        var substitute = await (await ops.GetAsync("/v1/inventory/flash-alt")).ReadAsync<InventoryView>(200, "substitute after the sale");
        Assert.Equal((0, SubstituteUnits), (substitute.Reserved, substitute.Available));

        foreach (var order in placed)
        {
            var read = await (await storefront.GetAsync($"/v1/orders/{order.Id}")).ReadAsync<OrderView>(200, $"read order {order.Id}");
            Assert.Equal(order.Lines.Single().Sku, read.Lines.Single().Sku);
        }
    }
}

public sealed class SqliteFlashSaleTests : FlashSaleTests
{
    protected override Task<ApiFactory> CreateApiAsync() => Task.FromResult(new ApiFactory());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlFlashSaleTests(PostgresServer server) : FlashSaleTests
{
    protected override async Task<ApiFactory> CreateApiAsync() => new ApiFactory("PostgreSql", await server.CreateDatabaseAsync());
}
