using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;
using OrderActors.Grains.Shipments;
using Microsoft.Extensions.Time.Testing;
using OrderActors.EventLog;
using OrderActors.Grains;
using Orleans.Storage;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Reporting;

/// <summary>
/// A silo stopped while its reports are still catching up (their writes slowed down), and a new silo on the same
/// SQLite file: the reports continue from their checkpoints and end up equal to the orders, nothing counted twice
/// and nothing missed.
/// </summary>
public sealed class ReportsRestartTests
{
    private static readonly string[] Projections = ["salesreport", "kpireport", "orderlist", "inventoryreport"];
    private static readonly string[] ProjectionGrainTypes = ["sales-report", "kpi-report", "order-list", "inventory-report"];
    private static readonly Actor Ops = new("api-key:ops", "test-ops");
    private static readonly string[] Skus = ["rs-a", "rs-b", "rs-c"];

    [Fact]
    public async Task Reports_stopped_mid_stream_resume_on_a_new_silo_without_counting_twice_or_missing_anything()
    {
        using var database = new TestDatabase();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero)); // a Monday
        var placed = new List<(int Index, OrderView Order)>();
        try
        {
            await using (var first = await OrderActorsTestCluster.StartAsync(database, time, silo: SlowProjectionWrites))
            {
                var grains = first.Grains;
                await TestCatalog.StockAsync(grains, "rs-a", new SetStock([new("main", 30), new("east", 1000)], []));
                await TestCatalog.StockAsync(grains, "rs-b", new SetStock([new("main", 1000)], []));
                await TestCatalog.StockAsync(grains, "rs-c", new SetStock([new("east", 1000)], []));

                List<(int Index, OrderView Order)> yesterday = [];
                for (var day = 0; day < 3; day++)
                {
                    var today = (await Task.WhenAll(Enumerable.Range(day * 20, 20).Select(async i =>
                        (Index: i, Order: (await grains.GetGrain<IOrderGrain>($"rs-order-{i}").PlaceAsync(Order(i))).Order!)))).ToList();
                    placed.AddRange(today);
                    time.Advance(TimeSpan.FromHours(3));
                    await Task.WhenAll(today.Select(o => ActAsync(grains, o.Index, o.Order)));
                    time.Advance(TimeSpan.FromHours(20));
                    await Task.WhenAll(yesterday.Select(o => DeliverAsync(grains, o.Index, o.Order)));
                    time.Advance(TimeSpan.FromHours(1));
                    yesterday = today;
                }

                await Task.WhenAll(yesterday.Select(o => DeliverAsync(grains, o.Index, o.Order)));
                var last = await LastPositionAsync(first);
                Assert.Contains(await CheckpointsAsync(first), checkpoint => checkpoint < last);
            } // stopped while at least one report was still behind

            await using var second = await OrderActorsTestCluster.StartAsync(database, time);
            await Eventually.TrueAsync(async () =>
            {
                var end = await LastPositionAsync(second);
                return (await CheckpointsAsync(second)).All(checkpoint => checkpoint >= end);
            }, "the reports caught up on the new silo", TimeSpan.FromSeconds(30));

            var orders = new List<OrderView>();
            foreach (var (_, order) in placed)
            {
                orders.Add((await second.Grains.GetGrain<IOrderGrain>(order.Id).GetAsync())!);
            }

            Assert.Contains(orders, o => o.Status == OrderStatus.Completed);
            Assert.Contains(orders, o => o.Status == OrderStatus.Cancelled);
            Assert.Contains(orders, o => o.Timeline.Any(t => t.Type == "order.partially_cancelled"));

            var sales = second.Grains.GetGrain<ISalesReportGrain>(EventLogStreamIdMappers.SingleGrainKey);
            foreach (var groupBy in Enum.GetValues<SalesGrouping>())
            {
                ReportExpectations.AssertSales(orders, await sales.GetAsync(new SalesQuery(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31), groupBy)));
            }

            Assert.Equal(3, (await sales.GetAsync(new SalesQuery(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31), SalesGrouping.Day))).Rows.Select(r => r.Key).Distinct().Count());
            ReportExpectations.AssertSales(orders, await sales.GetAsync(new SalesQuery(new DateOnly(2026, 3, 3), new DateOnly(2026, 3, 3), SalesGrouping.Sku)));

            var kpis = await second.Grains.GetGrain<IKpiReportGrain>(EventLogStreamIdMappers.SingleGrainKey).GetAsync();
            ReportExpectations.AssertKpis(orders, kpis);
            Assert.True(kpis.CycleTimeHours.P50 >= 24, "delivered a day after placement, by the test's clock");

            var list = second.Grains.GetGrain<IOrderListGrain>(EventLogStreamIdMappers.SingleGrainKey);
            var listed = new List<OrderListItem>();
            var query = new OrderListQuery(null, null, null, null, null, 13, null);
            while (true)
            {
                var page = await list.ListAsync(query);
                listed.AddRange(page.Orders);
                if (page.Next is null)
                {
                    break;
                }

                query = query with { After = page.Next };
            }

            Assert.Equal(ReportExpectations.OrderList(orders).Select(ReportExpectations.Describe), listed.Select(ReportExpectations.Describe));

            var stock = new List<InventoryView>();
            foreach (var sku in Skus)
            {
                stock.Add((await second.Grains.GetGrain<IInventoryGrain>(sku).GetAsync())!);
            }

            var levels = await second.Grains.GetGrain<IInventoryReportGrain>(EventLogStreamIdMappers.SingleGrainKey).GetLevelsAsync(null, 100);
            ReportExpectations.AssertInventory(stock, levels.Items, _ => 5);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    [Fact]
    public async Task A_report_stored_by_an_older_shape_of_its_model_is_rebuilt_from_the_log_when_it_activates()
    {
        using var database = new TestDatabase();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        try
        {
            List<OrderView> orders;
            await using (var first = await OrderActorsTestCluster.StartAsync(database, time))
            {
                await TestCatalog.StockAsync(first.Grains, "rs-a", new SetStock([new("main", 1000)], []));
                await TestCatalog.StockAsync(first.Grains, "rs-b", new SetStock([new("main", 1000)], []));
                await TestCatalog.StockAsync(first.Grains, "rs-c", new SetStock([new("east", 1000)], []));
                orders = [.. await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
                    (await first.Grains.GetGrain<IOrderGrain>($"rv-order-{i}").PlaceAsync(Order(i))).Order!))];
                var end = await LastPositionAsync(first);
                await Eventually.TrueAsync(async () =>
                {
                    time.Advance(TimeSpan.FromSeconds(1)); // the streams' pulling agents run on the silo's clock
                    return (await CheckpointsAsync(first)).All(c => c >= end);
                }, "the reports caught up", TimeSpan.FromSeconds(30));
            }

            // As an older build left it: version 0 of the model, and rows this build does not read (here: none).
            var head = (byte[])(await database.ScalarAsync("SELECT payload FROM orderactors_grain_state WHERE grain_type = 'order-list'"))!;
            var json = System.Text.Json.Nodes.JsonNode.Parse(head)!.AsObject();
            var version = json.Single(p => p.Key.Equals("ModelVersion", StringComparison.OrdinalIgnoreCase)).Key;
            Assert.True((int)json[version]! > 0, "this build stores its model version");
            json[version] = 0;
            await database.ExecuteAsync("UPDATE orderactors_grain_state SET payload = @payload WHERE grain_type = 'order-list'",
                ("@payload", System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));
            await database.ExecuteAsync("DELETE FROM orderactors_grain_rows WHERE grain_type = 'order-list'");

            await using var second = await OrderActorsTestCluster.StartAsync(database, time);
            var list = second.Grains.GetGrain<IOrderListGrain>(EventLogStreamIdMappers.SingleGrainKey);
            await Eventually.TrueAsync(async () =>
            {
                time.Advance(TimeSpan.FromSeconds(1));
                return (await list.ListAsync(new OrderListQuery(null, null, null, null, null, 100, null))).Orders.Count == orders.Count;
            }, "the order list was rebuilt", TimeSpan.FromSeconds(30));
            var listed = await list.ListAsync(new OrderListQuery(null, null, null, null, null, 100, null));
            Assert.Equal(ReportExpectations.OrderList(orders).Select(ReportExpectations.Describe), listed.Orders.Select(ReportExpectations.Describe));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    private static PlaceOrder Order(int i)
    {
        var random = new Random(i);
        var lines = Skus.OrderBy(_ => random.Next()).Take(1 + random.Next(Skus.Length))
            .Select(sku => new OrderLineRequest(sku, 1 + random.Next(3), 5m + random.Next(20), PriceOverride: true)) // ops sets prices: many per SKU
            .ToArray();
        return new PlaceOrder(new Customer($"rc-{i % 7}", null, null), (SalesChannel)(i % 6), (OrderPriority)(i / 2 % 3), i % 9 == 4 ? "EUR" : "USD",
            lines, new Address("R", "1 Main St", null, "Springfield", null, "12345", "US"), new PaymentDetails("card", "tok_visa"), Ops);
    }

    // By index: cancelled before shipping; shipped (delivered the next day, all or the first); the first shipment
    // shipped and the rest cancelled (a partial cancellation); or left waiting.
    private static async Task ActAsync(IGrainFactory grains, int i, OrderView order)
    {
        var grain = grains.GetGrain<IOrderGrain>(order.Id);
        switch (i % 5)
        {
            case 0:
                await grain.CancelAsync(new CancelOrder("changed mind", Ops));
                break;
            case 1 or 2:
                foreach (var shipment in order.Shipments)
                {
                    await ShipAsync(grain, shipment.Id);
                }

                break;
            case 3:
                await ShipAsync(grain, order.Shipments[0].Id);
                if (order.Shipments.Count > 1)
                {
                    await grain.CancelAsync(new CancelOrder("the rest is late", Ops));
                }

                break;
        }
    }

    private static async Task DeliverAsync(IGrainFactory grains, int i, OrderView order)
    {
        var grain = grains.GetGrain<IOrderGrain>(order.Id);
        var shipments = (i % 5) switch
        {
            1 => order.Shipments,
            2 or 3 => order.Shipments.Take(1),
            _ => Enumerable.Empty<ShipmentSummary>(),
        };
        foreach (var shipment in shipments)
        {
            await grain.UpdateShipmentAsync(new ShipmentCommand(shipment.Id, ShipmentAction.Track, null, new TrackingEvent(TrackingStatus.Delivered, null, null), Ops));
        }
    }

    private static async Task ShipAsync(IOrderGrain order, string shipmentId)
    {
        foreach (var action in new[] { ShipmentAction.Pick, ShipmentAction.Pack, ShipmentAction.Ship })
        {
            await order.UpdateShipmentAsync(new ShipmentCommand(shipmentId, action, null, null, Ops));
        }
    }

    // The projections' writes go slowly on the first silo, so that it stops while they trail the log.
    private static void SlowProjectionWrites(ISiloBuilder silo)
    {
        var registered = silo.Services.Last(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, OrderActorsStorage.State));
        silo.Services.Remove(registered);
        silo.Services.AddKeyedSingleton<IGrainStorage>(OrderActorsStorage.State, (sp, key) =>
            new SlowStateWrites((IGrainStorage)registered.KeyedImplementationFactory!(sp, key), ProjectionGrainTypes, TimeSpan.FromMilliseconds(250)));
    }

    private static async Task<IReadOnlyList<long>> CheckpointsAsync(OrderActorsTestCluster cluster)
        => await Task.WhenAll(OrderActors.Grains.Reporting.Projections.All.Where(p => Projections.Contains(p.Name))
            .Select(async p => (await p.Grain(cluster.Grains).GetStatusAsync()).Position));

    private static async Task<long> LastPositionAsync(OrderActorsTestCluster cluster)
    {
        var reader = cluster.SiloServices.GetRequiredKeyedService<IEventLogReader>(OrderActorsStorage.EventLog);
        long position = 0;
        while (await reader.ReadAllAsync(position, 1000) is { Count: > 0 } page)
        {
            position = page[^1].Position;
        }

        return position;
    }
}
