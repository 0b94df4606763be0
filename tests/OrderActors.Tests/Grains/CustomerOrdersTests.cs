using OrderActors.Grains.Customers;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>
/// A customer's orders are listed the moment their placement answers, newest first, and a refused or half-placed order
/// never is: the customer grain is told before each order is written, and asks the order when it lists it.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class CustomerOrdersTests(SharedClusterFixture cluster)
{
    private static readonly Actor Ops = new("api-key:ops", "test-ops");

    private readonly IGrainFactory _grains = cluster.Grains;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<string> StockAsync(int onHand)
    {
        var sku = NewId("sku");
        await TestCatalog.StockAsync(_grains, sku, new SetStock([new LocationQuantity("main", onHand)], []));
        return sku;
    }

    private static PlaceOrder Order(string customer, string sku, int quantity = 1, string token = "tok_visa")
        => OrderPlacementTests.Order((sku, quantity)) with { Customer = new Customer(customer, null, null), Payment = new PaymentDetails("card", token) };

    private Task<CustomerOrdersPage?> ListAsync(string customer, int limit = 100, string? after = null)
        => _grains.GetGrain<ICustomerGrain>(customer).ListOrdersAsync(new CustomerOrdersQuery(limit, after));

    private async Task<string[]> ListedAsync(string customer) => (await ListAsync(customer))!.Orders.Select(o => o.Id).ToArray();

    private static string[] NewestFirst(IEnumerable<CustomerOrderSummary> orders)
        => orders.OrderByDescending(o => o.PlacedAt).ThenByDescending(o => o.Id, StringComparer.Ordinal).Select(o => o.Id).ToArray();

    [Fact]
    public async Task Orders_placed_concurrently_are_each_listed_as_soon_as_their_placement_answers_newest_first()
    {
        var (customer, sku) = (NewId("c"), await StockAsync(100));
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            var id = $"{NewId("o")}-{i}";
            var placed = await _grains.GetGrain<IOrderGrain>(id).PlaceAsync(Order(customer, sku));
            Assert.Equal(PlacementOutcome.Placed, placed.Outcome);
            acknowledged.Add(id);
            var seen = acknowledged.ToArray();
            var page = (await ListAsync(customer))!;
            var missing = seen.Except(page.Orders.Select(o => o.Id)).ToArray();
            Assert.True(missing.Length == 0, $"read right after the placement of {id} answered: acknowledged orders {string.Join(", ", missing)} are not listed");
            Assert.Equal(NewestFirst(page.Orders), page.Orders.Select(o => o.Id));
        }));

        var all = (await ListAsync(customer))!;
        Assert.Equal(acknowledged.Order(StringComparer.Ordinal), all.Orders.Select(o => o.Id).Order(StringComparer.Ordinal));
        Assert.Null(all.Next);
        Assert.All(all.Orders, o => Assert.Equal((OrderStatus.Confirmed, FulfillmentStatus.Unfulfilled, SalesChannel.Web, "USD", 10m, 1), (o.Status, o.FulfillmentStatus, o.Channel, o.Currency, o.Total, o.ItemCount)));
    }

    [Fact]
    public async Task A_refused_placement_is_never_listed()
    {
        var (customer, sku, scarce) = (NewId("c"), await StockAsync(10), await StockAsync(1));

        var outOfStock = await _grains.GetGrain<IOrderGrain>(NewId("o")).PlaceAsync(Order(customer, scarce, quantity: 2));
        var unknownSku = await _grains.GetGrain<IOrderGrain>(NewId("o")).PlaceAsync(Order(customer, NewId("no-such-sku")));
        var declined = await _grains.GetGrain<IOrderGrain>(NewId("o")).PlaceAsync(Order(customer, sku, token: "tok_decline"));
        var unavailable = await _grains.GetGrain<IOrderGrain>(NewId("o")).PlaceAsync(Order(customer, sku, token: "tok_unavailable"));
        Assert.Equal(
            [PlacementOutcome.OutOfStock, PlacementOutcome.UnknownSku, PlacementOutcome.PaymentDeclined, PlacementOutcome.PaymentUnavailable],
            new[] { outOfStock, unknownSku, declined, unavailable }.Select(r => r.Outcome));
        Assert.Empty(await ListedAsync(customer));

        var placedId = NewId("o");
        Assert.Equal(PlacementOutcome.Placed, (await _grains.GetGrain<IOrderGrain>(placedId).PlaceAsync(Order(customer, sku))).Outcome);
        Assert.Equal([placedId], await ListedAsync(customer));
    }

    [Fact]
    public async Task A_registration_whose_order_was_never_written_is_not_listed_and_is_dropped()
    {
        var (customer, sku) = (NewId("c"), await StockAsync(10));
        var placedId = NewId("o");
        Assert.Equal(PlacementOutcome.Placed, (await _grains.GetGrain<IOrderGrain>(placedId).PlaceAsync(Order(customer, sku))).Outcome);

        // What a placement that registered and then died before its order's write leaves: a tentative entry, newest of all.
        var ghost = NewId("o-ghost");
        await _grains.GetGrain<ICustomerGrain>(customer).RegisterAsync(new CustomerOrderRef(ghost, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.NotNull(await ListAsync(customer, after: ghost)); // it is there, not listed yet

        var page = (await ListAsync(customer, limit: 1))!;
        Assert.Equal([placedId], page.Orders.Select(o => o.Id));
        Assert.Null(page.Next);
        Assert.Null(await ListAsync(customer, after: ghost)); // the order said there is no such order: dropped
        Assert.Null(await _grains.GetGrain<IOrderGrain>(ghost).GetAsync());

        // Had a duplicate activation of the order answered for it, the placement's confirmation puts the entry back.
        await _grains.GetGrain<ICustomerGrain>(customer).ConfirmAsync(new CustomerOrderRef(ghost, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.NotNull(await ListAsync(customer, after: ghost));
    }

    [Fact]
    public async Task An_order_whose_write_failed_is_not_listed_and_its_registration_is_dropped()
    {
        var (customer, sku, orderId) = (NewId("c"), await StockAsync(10), NewId("o"));
        var fault = await StateWriteFault.CreateAsync(cluster.Cluster.Database, "order", orderId, "\"status\":\"confirmed\"");
        await fault.ArmAsync();
        try
        {
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => _grains.GetGrain<IOrderGrain>(orderId).PlaceAsync(Order(customer, sku)));
            Assert.True(fault.Caused(failure), $"the placement failed on the injected fault, not on: {failure}");
        }
        finally
        {
            await fault.DisarmAsync();
        }

        Assert.Empty(await ListedAsync(customer));
        await Eventually.TrueAsync(async () => await ListAsync(customer, after: orderId) is null && (await ListAsync(customer))!.Orders.Count == 0,
            "the entry of the order that was never written was dropped once its new activation said so");
    }

    [Fact]
    public async Task An_order_still_being_placed_is_listed_only_once_its_placement_answers()
    {
        var (customer, sku, orderId) = (NewId("c"), await StockAsync(10), NewId("o"));

        // tok_flaky_2: the gateway fails twice, then approves after the retry delays (0.2 s, 0.4 s): the placement is in
        // flight, registered with the customer, for over half a second.
        var placing = _grains.GetGrain<IOrderGrain>(orderId).PlaceAsync(Order(customer, sku, token: "tok_flaky_2"));
        await Eventually.TrueAsync(async () => await ListAsync(customer, after: orderId) is not null || placing.IsCompleted, "the placement registered its order");
        var whilePlacing = await ListedAsync(customer);
        var stillPlacing = !placing.IsCompleted;

        Assert.Equal(PlacementOutcome.Placed, (await placing).Outcome);
        Assert.True(stillPlacing, "the placement answered before the list was read: the test proves nothing");
        Assert.Empty(whilePlacing);
        Assert.Equal([orderId], await ListedAsync(customer));
    }

    [Fact]
    public async Task The_list_shows_each_order_as_it_is_now()
    {
        var (customer, sku, orderId) = (NewId("c"), await StockAsync(10), NewId("o"));
        var order = _grains.GetGrain<IOrderGrain>(orderId);
        Assert.Equal(PlacementOutcome.Placed, (await order.PlaceAsync(Order(customer, sku, quantity: 3))).Outcome);
        var placed = Assert.Single((await ListAsync(customer))!.Orders);
        Assert.Equal((OrderStatus.Confirmed, 3, 30m), (placed.Status, placed.ItemCount, placed.Total));

        await order.CancelAsync(new CancelOrder("changed my mind", Ops));

        Assert.Equal(OrderStatus.Cancelled, Assert.Single((await ListAsync(customer))!.Orders).Status);
    }

    [Fact]
    public async Task Pages_follow_each_other_newest_first_and_an_unknown_cursor_is_refused()
    {
        var (customer, sku) = (NewId("c"), await StockAsync(10));
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add($"{NewId("o")}-{i}");
            Assert.Equal(PlacementOutcome.Placed, (await _grains.GetGrain<IOrderGrain>(ids[^1]).PlaceAsync(Order(customer, sku))).Outcome);
        }

        var first = (await ListAsync(customer, limit: 2))!;
        var second = (await ListAsync(customer, limit: 2, after: first.Next))!;
        var third = (await ListAsync(customer, limit: 2, after: second.Next))!;

        Assert.Equal([ids[4], ids[3]], first.Orders.Select(o => o.Id));
        Assert.Equal([ids[2], ids[1]], second.Orders.Select(o => o.Id));
        Assert.Equal([ids[0]], third.Orders.Select(o => o.Id));
        Assert.Equal((ids[3], ids[1], null), (first.Next, second.Next, third.Next));
        Assert.Null(await ListAsync(customer, after: NewId("o-elsewhere")));
        var nobody = (await ListAsync(NewId("c-nobody")))!;
        Assert.Equal((0, null), (nobody.Orders.Count, nobody.Next));
    }
}
