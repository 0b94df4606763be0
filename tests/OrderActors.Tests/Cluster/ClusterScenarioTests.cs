using System.Diagnostics;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Runtime;
using OrderActors.Tests.Grains;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Cluster;

/// <summary>Client mode and the domain across several silos.</summary>
public sealed class ClusterScenarioTests
{
    [Fact]
    public async Task A_client_places_orders_across_three_silos_without_overselling()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var client = await cluster.StartClientAsync();
        var sku = $"sku-{Guid.NewGuid():N}";
        await client.Grains.GetGrain<IInventoryGrain>(sku).SetStockAsync(new SetStock([new LocationQuantity("main", 10)], []));
        var orderIds = Enumerable.Range(0, 30).Select(i => $"o-{sku}-{i}").ToArray();

        var results = await Task.WhenAll(orderIds.Select(id => client.Grains.GetGrain<IOrderGrain>(id).PlaceAsync(OrderPlacementTests.Order((sku, 1)))));

        Assert.Equal(10, results.Count(r => r.Outcome == PlacementOutcome.Placed));
        Assert.Equal(20, results.Count(r => r.Outcome == PlacementOutcome.OutOfStock));
        var stock = (await cluster.Silos[2].Grains.GetGrain<IInventoryGrain>(sku).GetAsync())!;
        Assert.Equal((10, 10, 0), (stock.OnHand, stock.Reserved, stock.Available));
        var owners = orderIds.Select(id => cluster.OwnerOf(new GrainId("order", id))).Distinct().Count();
        Assert.True(owners >= 2, $"the orders should spread over the silos; they all landed on {owners}");
        Assert.Equal(3, client.Client.OpenConnections);
    }

    [Fact]
    public async Task Orders_placed_from_every_silo_while_one_leaves_never_oversell()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var sku = $"sku-{Guid.NewGuid():N}";
        await cluster.Silos[0].Grains.GetGrain<IInventoryGrain>(sku).SetStockAsync(new SetStock([new LocationQuantity("main", 15)], []));
        var callers = cluster.Silos.Select(s => s.Grains).ToArray();
        var leaving = cluster.Silos[1];

        var placing = Enumerable.Range(0, 40)
            .Select(i => callers[i % 3] == leaving.Grains ? callers[0] : callers[i % 3])
            .Select((grains, i) => grains.GetGrain<IOrderGrain>($"o-{sku}-{i}").PlaceAsync(OrderPlacementTests.Order((sku, 1))))
            .ToArray();
        await cluster.StopSiloAsync(leaving);
        var results = await Task.WhenAll(placing);

        var placed = results.Count(r => r.Outcome == PlacementOutcome.Placed);
        var stock = (await cluster.Silos[0].Grains.GetGrain<IInventoryGrain>(sku).GetAsync())!;
        Assert.Equal(15, placed);
        Assert.Equal((15, 15, 0), (stock.OnHand, stock.Reserved, stock.Available));
    }

    [Fact]
    public async Task A_client_of_another_cluster_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var client = await cluster.StartClientAsync(clusterId: "someone-else");
        var watch = Stopwatch.StartNew();

        var refused = await Assert.ThrowsAnyAsync<InvalidOperationException>( // a configuration error: not retried
            () => client.Grains.GetGrain<Runtime.ICounterGrain>("k").GetAsync());

        Assert.Contains("cluster id 'someone-else'", refused.Message);
        Assert.Equal(0, client.Client.OpenConnections);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the refusal took {watch.Elapsed}");
    }
}
