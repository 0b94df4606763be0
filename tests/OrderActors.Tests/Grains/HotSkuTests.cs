using OrderActors.Grains.Inventory;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Grains;

/// <summary>
/// One SKU that every buyer wants at once: reservations decided together share writes, never oversell, and every one
/// acknowledged is durable with its event; a failed write acknowledges none of the reservations that waited for it.
/// </summary>
public sealed class HotSkuTests : IAsyncLifetime
{
    private OrderActorsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await OrderActorsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static string Sku() => $"hot-{Guid.NewGuid():N}";

    [Fact]
    public async Task Concurrent_reservations_share_writes_never_oversell_and_each_acknowledged_one_is_written_with_its_event()
    {
        var sku = Sku();
        var inventory = _cluster.Grains.GetGrain<IInventoryGrain>(sku);
        await TestCatalog.PriceAsync(_cluster.Grains, sku);
        await inventory.SetStockAsync(new SetStock([new LocationQuantity("main", 200)], []));

        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => inventory.ReserveAsync(new ReserveStock($"o-{sku}-{i}", 1))));

        Assert.Equal(200, results.Count(r => r.Outcome == ReservationOutcome.Reserved));
        Assert.Equal(100, results.Count(r => r.Outcome == ReservationOutcome.Insufficient));
        var reserved = await EventCountAsync(sku, "inventory.reserved");
        Assert.Equal(200L, reserved);
        // One write for the stock, then far fewer writes than reservations: each write carried many.
        var writes = await VersionAsync(sku) - 1;
        Assert.True(writes < 100, $"200 reservations took {writes} writes");

        // What was acknowledged is what storage holds: a new activation reads the same levels.
        await _cluster.StopAsync();
        await using var restarted = await OrderActorsTestCluster.StartAsync(_cluster.Database);
        var view = (await restarted.Grains.GetGrain<IInventoryGrain>(sku).GetAsync())!;
        Assert.Equal((200, 200, 0), (view.OnHand, view.Reserved, view.Available));
    }

    [Fact]
    public async Task A_failed_write_acknowledges_none_of_the_reservations_that_waited_for_it()
    {
        var sku = Sku();
        var inventory = _cluster.Grains.GetGrain<IInventoryGrain>(sku);
        await TestCatalog.PriceAsync(_cluster.Grains, sku);
        await inventory.SetStockAsync(new SetStock([new LocationQuantity("main", 50)], []));
        var fault = await StateWriteFault.CreateAsync(_cluster.Database, "inventory", sku);

        await fault.ArmAsync();
        var attempts = Enumerable.Range(0, 40).Select(i => inventory.ReserveAsync(new ReserveStock($"o-{sku}-{i}", 1))).ToArray();
        try
        {
            await Task.WhenAll(attempts);
        }
        catch (Exception)
        {
            // each attempt is looked at below
        }

        await fault.DisarmAsync();
        Assert.All(attempts, attempt => Assert.True(attempt.IsFaulted, "no reservation is acknowledged while every write fails"));
        Assert.Equal(0L, await EventCountAsync(sku, "inventory.reserved"));

        // The failed activation is discarded (calls that were queued behind it may still get its failure); the next
        // one starts from storage: nothing reserved, and reserving works again.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await inventory.GetAsync())!.Reserved == 0;
            }
            catch (Exception ex) when (fault.Caused(ex))
            {
                return false;
            }
        }, "a new activation reads the stored levels");
        Console.WriteLine($"recovered after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(ReservationOutcome.Reserved, (await inventory.ReserveAsync(new ReserveStock($"o-{sku}-after", 1))).Outcome);
        Assert.Equal(1, (await inventory.GetAsync())!.Reserved);
    }

    private async Task<long> EventCountAsync(string sku, string type)
        => Convert.ToInt64(await _cluster.Database.ScalarAsync(
            "SELECT count(*) FROM orderactors_events WHERE stream_key = @sku AND event_type = @type", ("@sku", sku), ("@type", type)),
            System.Globalization.CultureInfo.InvariantCulture);

    private async Task<long> VersionAsync(string sku)
        => Convert.ToInt64(await _cluster.Database.ScalarAsync(
            "SELECT version FROM orderactors_grain_state WHERE grain_type = 'inventory' AND grain_key = @sku", ("@sku", sku)),
            System.Globalization.CultureInfo.InvariantCulture);
}
