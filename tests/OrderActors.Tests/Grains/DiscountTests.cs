using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Pricing;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>Discount codes under concurrency: limits are never overrun, and uses of orders that never happened come back.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class DiscountTests(SharedClusterFixture cluster)
{
    private static readonly Actor Ops = new("api-key:ops", "test");

    private readonly IGrainFactory _grains = cluster.Grains;

    private async Task<(string Sku, string Code)> SetUpAsync(int stock, int? usageLimit, int? perCustomerLimit = null)
    {
        var (sku, code) = ($"sku-{Guid.NewGuid():N}", $"CODE-{Guid.NewGuid():N}"[..20].ToUpperInvariant());
        await TestCatalog.StockAsync(_grains, sku, new SetStock([new LocationQuantity("main", stock)], []));
        await _grains.GetGrain<IDiscountGrain>(code).PutAsync(new PutDiscount(DiscountKind.Percentage, 10m, null, null, usageLimit, perCustomerLimit, null, null, true, Ops));
        return (sku, code);
    }

    private Task<PlaceOrderResult> PlaceAsync(string sku, string code, string customer = "c-1", int quantity = 1)
        => _grains.GetGrain<IOrderGrain>($"o-{Guid.NewGuid():N}").PlaceAsync(OrderPlacementTests.Order((sku, quantity)) with
        {
            Customer = new Customer(customer, null, null),
            DiscountCode = code,
        });

    private async Task<int> UsedAsync(string code) => (await _grains.GetGrain<IDiscountGrain>(code).GetAsync())!.Used;

    [Fact]
    public async Task A_code_with_100_uses_is_never_redeemed_101_times_by_150_concurrent_orders()
    {
        var (sku, code) = await SetUpAsync(stock: 1_000, usageLimit: 100);

        var results = await Task.WhenAll(Enumerable.Range(0, 150).Select(i => PlaceAsync(sku, code, $"c-{i}")));

        var placed = results.Where(r => r.Outcome == PlacementOutcome.Placed).ToArray();
        Assert.Equal(100, placed.Length);
        Assert.All(placed, r => Assert.Equal((1m, 9m, code), (r.Order!.DiscountTotal, r.Order.Total, r.Order.DiscountCode)));
        Assert.All(results.Except(placed), r => Assert.Equal((PlacementOutcome.DiscountRefused, "discount-limit-reached"), (r.Outcome, r.DiscountRefusal)));
        Assert.Equal(100, await UsedAsync(code));
        Assert.Equal(100, (await _grains.GetGrain<IInventoryGrain>(sku).GetAsync())!.Reserved); // refused orders hold nothing
    }

    [Fact]
    public async Task At_its_limit_a_code_frees_the_use_of_an_order_that_died_being_placed_and_keeps_the_confirmed_ones()
    {
        var (sku, code) = await SetUpAsync(stock: 10, usageLimit: 1);
        var discount = _grains.GetGrain<IDiscountGrain>(code);

        // A placement that took the use and died before it wrote its order: the order grain has no record of it.
        var ghost = await discount.RedeemAsync(new RedeemDiscount($"o-ghost-{Guid.NewGuid():N}", "c-ghost", 10m, "USD"));
        Assert.Equal((1m, null), (ghost.Amount, ghost.Refusal));
        Assert.Equal(1, await UsedAsync(code));

        var real = await PlaceAsync(sku, code);
        Assert.Equal(PlacementOutcome.Placed, real.Outcome);
        Assert.Equal(1, await UsedAsync(code));

        var another = await PlaceAsync(sku, code, "c-2");
        Assert.Equal((PlacementOutcome.DiscountRefused, "discount-limit-reached"), (another.Outcome, another.DiscountRefusal));
    }

    [Fact]
    public async Task A_refused_placement_gives_its_use_back()
    {
        var (sku, code) = await SetUpAsync(stock: 1, usageLimit: 1);

        var tooMany = await PlaceAsync(sku, code, quantity: 2);
        Assert.Equal(PlacementOutcome.OutOfStock, tooMany.Outcome);
        Assert.Equal(0, await UsedAsync(code));

        Assert.Equal(PlacementOutcome.Placed, (await PlaceAsync(sku, code)).Outcome);
    }

    [Fact]
    public async Task A_per_customer_limit_counts_each_customer_apart_even_when_the_orders_race()
    {
        var (sku, code) = await SetUpAsync(stock: 100, usageLimit: null, perCustomerLimit: 1);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => PlaceAsync(sku, code, i < 5 ? "c-alice" : $"c-other-{i}")));

        Assert.Equal(1, results.Take(5).Count(r => r.Outcome == PlacementOutcome.Placed));
        Assert.All(results.Skip(5), r => Assert.Equal(PlacementOutcome.Placed, r.Outcome));
        Assert.Equal(6, await UsedAsync(code));
    }

    [Fact]
    public async Task A_code_outside_its_terms_is_refused_and_takes_nothing()
    {
        var (sku, code) = await SetUpAsync(stock: 10, usageLimit: null);
        var discount = _grains.GetGrain<IDiscountGrain>(code);

        await discount.PutAsync(new PutDiscount(DiscountKind.Fixed, 5m, "EUR", null, null, null, null, null, true, Ops));
        Assert.Equal("discount-not-applicable", (await PlaceAsync(sku, code)).DiscountRefusal); // a USD order
        await discount.PutAsync(new PutDiscount(DiscountKind.Percentage, 10m, null, 50m, null, null, null, null, true, Ops));
        Assert.Equal("discount-not-applicable", (await PlaceAsync(sku, code)).DiscountRefusal); // subtotal 10 < 50
        await discount.PutAsync(new PutDiscount(DiscountKind.Percentage, 10m, null, null, null, null, null, DateTimeOffset.UtcNow.AddDays(-1), true, Ops));
        Assert.Equal("discount-not-applicable", (await PlaceAsync(sku, code)).DiscountRefusal); // ended
        Assert.Equal("discount-not-found", (await PlaceAsync(sku, "NO-SUCH-CODE")).DiscountRefusal);
        Assert.Equal(0, await UsedAsync(code));
        Assert.Equal(0, (await _grains.GetGrain<IInventoryGrain>(sku).GetAsync())!.Reserved);
    }
}
