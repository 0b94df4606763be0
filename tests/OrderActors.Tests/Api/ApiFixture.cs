using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Api;

/// <summary>
/// One API (embedded silo, SQLite file) shared by the tests of a class. When the class is done, every status the API
/// answered to its tests must be declared for that route in the OpenAPI document.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public ApiFactory Api { get; } = new();

    public HttpClient Storefront => Api.ClientWithKey(ApiFactory.StorefrontKey);

    public HttpClient Ops => Api.ClientWithKey(ApiFactory.OpsKey);

    public HttpClient Analytics => Api.ClientWithKey(ApiFactory.AnalyticsKey);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try
        {
            await OpenApiContract.AssertAnsweredStatusesDeclaredAsync(Api, "after the tests of the class");
        }
        finally
        {
            await Api.DisposeAsync();
        }
    }

    public static string NewSku() => $"sku-{Guid.NewGuid():N}"[..20];

    /// <summary>Puts <paramref name="sku"/> in the catalog at 10.00 USD (the order bodies' price) and stocks it at "main".</summary>
    public async Task StockAsync(string sku, int onHand, params string[] substitutes)
    {
        await PriceAsync(sku);
        var response = await Ops.PutJsonAsync($"/v1/inventory/{sku}", ApiBodies.Stock(onHand, substitutes));
        Assert.True(response.IsSuccessStatusCode, $"stocking {sku}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Puts <paramref name="sku"/> in the catalog at <paramref name="price"/> USD.</summary>
    public async Task PriceAsync(string sku, decimal price = 10m)
    {
        var response = await Ops.PutJsonAsync($"/v1/products/{sku}", ApiBodies.Product(sku, price));
        Assert.True(response.IsSuccessStatusCode, $"pricing {sku}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
