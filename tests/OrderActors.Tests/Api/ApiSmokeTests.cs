using System.Net;
using OrderActors.Grains.Inventory;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

public sealed class ApiSmokeTests : IClassFixture<ApiSmokeTests.Factory>
{
    private readonly ApiFactory _factory;

    public ApiSmokeTests(Factory factory) => _factory = factory.Api;

    public sealed class Factory : IDisposable
    {
        public ApiFactory Api { get; } = new();

        public void Dispose() => Api.Dispose();
    }

    [Fact]
    public async Task Stock_set_through_the_api_reads_back()
    {
        var ops = _factory.ClientWithKey(ApiFactory.OpsKey);
        var put = await ops.PutJsonAsync("/v1/inventory/smoke-1", new { locations = new Dictionary<string, int> { ["main"] = 4 } });
        var view = await put.ReadAsync<InventoryView>(200, "put");
        Assert.Equal(4, view.Available);
        var get = await ops.GetAsync("/v1/inventory/smoke-1");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }
}
