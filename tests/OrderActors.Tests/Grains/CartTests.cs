using Microsoft.Extensions.Time.Testing;
using OrderActors.EventLog;
using OrderActors.Grains;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>Carts: a completion cut off half-way never becomes two orders; idle carts are abandoned, and the KPIs count them.</summary>
public sealed class CartTests
{
    private static readonly Actor Buyer = new("api-key:storefront", "test");
    private static readonly Address Address = new("Ana", "1 Main St", null, "Springfield", null, "12345", "US");
    private static readonly Dictionary<string, string?> Settings = new() { ["OrderActors:Carts:AbandonedAfter"] = "00:01:00" };

    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private static CreateCart Cart(string sku, int quantity = 1, SalesChannel channel = SalesChannel.Web)
        => new(channel, "USD", new Customer("cus-cart", null, null), quantity == 0 ? [] : [new CartLineRequest(sku, quantity)], Address, null, null, OrderPriority.Standard, Buyer);

    private static CompleteCart Complete(string token = "tok_visa") => new(new PaymentDetails("card", token), null, Buyer);

    private static async Task<string> StockedSkuAsync(IGrainFactory grains, int units = 10)
    {
        var sku = $"sku-{Guid.NewGuid():N}";
        await TestCatalog.StockAsync(grains, sku, new SetStock([new LocationQuantity("main", units)], []));
        return sku;
    }

    [Fact]
    public async Task A_completion_cut_off_after_its_write_ahead_places_that_same_order_once_and_refuses_changes_until_then()
    {
        await using var cluster = await OrderActorsTestCluster.StartAsync(time: Clock(), settings: Settings);
        var sku = await StockedSkuAsync(cluster.Grains);

        // Cut off before the order grain was asked: the cart holds the order id and the request it was about to send.
        var pending = OrderPlacementTests.Order((sku, 2)) with { Customer = new Customer("cus-cut", null, null) };
        await cluster.WriteEventedStateAsync("cart", "cart_cut", "cart", Written("cart_cut", pending, sku, attempt: 1));
        var cut = cluster.Grains.GetGrain<ICartGrain>("cart_cut");
        var refused = await Assert.ThrowsAsync<DomainException>(() => cut.SetLineAsync(new SetCartLine(sku, 5, Buyer)));
        Assert.Equal("cart-completing", refused.Code);

        var first = await cut.CompleteAsync(Complete("tok_decline")); // the retry's own payment is not used: the written request is
        Assert.Equal((PlacementOutcome.Placed, PendingPlacement.OrderIdFor("cart_cut", 1), "cus-cut"), (first.Result.Outcome, first.OrderId, first.Result.Order!.Customer.Id));
        var second = await cut.CompleteAsync(Complete());
        Assert.Equal(first.OrderId, second.OrderId);
        Assert.Equal(2, (await cluster.Grains.GetGrain<IInventoryGrain>(sku).GetAsync())!.Reserved);

        // Cut off after the order was placed, before the cart learned it: completing again finds the same order.
        var orderId = PendingPlacement.OrderIdFor("cart_late", 1);
        Assert.Equal(PlacementOutcome.Placed, (await cluster.Grains.GetGrain<IOrderGrain>(orderId).PlaceAsync(pending)).Outcome);
        await cluster.WriteEventedStateAsync("cart", "cart_late", "cart", Written("cart_late", pending, sku, attempt: 1));
        var late = await cluster.Grains.GetGrain<ICartGrain>("cart_late").CompleteAsync(Complete());
        Assert.Equal((PlacementOutcome.Placed, orderId), (late.Result.Outcome, late.OrderId));
        Assert.Equal(4, (await cluster.Grains.GetGrain<IInventoryGrain>(sku).GetAsync())!.Reserved); // two orders of 2, not three
        Assert.Equal(CartStatus.Completed, (await cluster.Grains.GetGrain<ICartGrain>("cart_late").GetAsync())!.Status);
    }

    [Fact]
    public async Task Concurrent_completions_of_one_cart_place_one_order()
    {
        await using var cluster = await OrderActorsTestCluster.StartAsync(time: Clock(), settings: Settings);
        var sku = await StockedSkuAsync(cluster.Grains);
        var cart = cluster.Grains.GetGrain<ICartGrain>($"cart_{Guid.NewGuid():N}");
        await cart.CreateAsync(Cart(sku, 3));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => cart.CompleteAsync(Complete())));

        Assert.All(results, r => Assert.Equal(PlacementOutcome.Placed, r.Result.Outcome));
        Assert.Single(results.Select(r => r.OrderId).Distinct());
        Assert.Equal(3, (await cluster.Grains.GetGrain<IInventoryGrain>(sku).GetAsync())!.Reserved);
    }

    [Fact]
    public async Task Carts_left_with_items_are_abandoned_a_change_brings_them_back_and_the_kpis_count_them()
    {
        var time = Clock();
        await using var cluster = await OrderActorsTestCluster.StartAsync(time: time, settings: Settings);
        var sku = await StockedSkuAsync(cluster.Grains);
        var (bought, left, recovered, empty) = (Grain(cluster, "bought"), Grain(cluster, "left"), Grain(cluster, "recovered"), Grain(cluster, "empty"));
        await bought.CreateAsync(Cart(sku));
        await left.CreateAsync(Cart(sku, 2, SalesChannel.Mobile));
        await recovered.CreateAsync(Cart(sku));
        await empty.CreateAsync(Cart(sku, 0));
        Assert.Equal(PlacementOutcome.Placed, (await bought.CompleteAsync(Complete())).Result.Outcome);

        // Reminders tick on real time, and the shortest period Orleans allows is a minute: the test ticks them itself.
        Assert.Equal(new long[] { 0, 1, 1, 0 }, await Task.WhenAll(new[] { bought, left, recovered, empty }.Select(c => RemindersAsync(cluster, c))));
        time.Advance(TimeSpan.FromSeconds(50));
        await Task.WhenAll(new[] { bought, left, recovered, empty }.Select(TickAsync));
        Assert.False((await left.GetAsync())!.Abandoned, "not idle for a minute yet");
        time.Advance(TimeSpan.FromSeconds(10));
        await Task.WhenAll(new[] { bought, left, recovered, empty }.Select(TickAsync));
        Assert.True((await left.GetAsync())!.Abandoned && (await recovered.GetAsync())!.Abandoned, "both idle carts are abandoned");
        Assert.False((await empty.GetAsync())!.Abandoned, "an empty cart is not abandoned");
        Assert.Equal(new long[] { 0, 0, 0, 0 }, await Task.WhenAll(new[] { bought, left, recovered, empty }.Select(c => RemindersAsync(cluster, c)))); // nothing left to watch

        var back = await recovered.SetLineAsync(new SetCartLine(sku, 2, Buyer));
        Assert.False(back.Abandoned);
        Assert.Equal(PlacementOutcome.Placed, (await recovered.CompleteAsync(Complete())).Result.Outcome);

        var kpis = cluster.Grains.GetGrain<IKpiReportGrain>(EventLogStreamIdMappers.SingleGrainKey);
        await cluster.AdvanceUntilAsync(time, async () => (await kpis.GetAsync()).Carts.Completed == 2, "the report saw both completions");
        var carts = (await kpis.GetAsync()).Carts;
        Assert.Equal(new CartStats(4, 3, 2, 1, 1, new RateStat(1 / 3d, 1, 3)), carts);
    }

    private static Task TickAsync(ICartGrain cart) => cart.AsReference<IRemindable>().ReceiveReminder(CartGrain.AbandonmentReminder, default);

    private static async Task<long> RemindersAsync(OrderActorsTestCluster cluster, ICartGrain cart)
        => (long)(await cluster.Database.ScalarAsync(
            "SELECT count(*) FROM orleans_reminders WHERE service_id = @service AND grain_id = @grain AND reminder_name = @name",
            ("@service", OrderActorsTestCluster.ServiceId), ("@grain", $"cart/{cart.GetPrimaryKeyString()}"), ("@name", CartGrain.AbandonmentReminder)))!;

    private static ICartGrain Grain(OrderActorsTestCluster cluster, string name) => cluster.Grains.GetGrain<ICartGrain>($"cart_{name}_{Guid.NewGuid():N}");

    private static CartState Written(string cartId, PlaceOrder request, string sku, int attempt) => new()
    {
        Fingerprint = "written-by-the-test",
        Status = CartStatus.Completing,
        Currency = "USD",
        Customer = request.Customer,
        Lines = [new CartLineRequest(sku, 2)],
        ShippingAddress = request.ShippingAddress,
        Version = 3,
        Attempts = attempt,
        Checkout = new PendingPlacement(PendingPlacement.OrderIdFor(cartId, attempt), request),
    };
}
