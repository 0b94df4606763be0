using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OrderActors.Grains;
using OrderActors.Grains.Catalog;
using OrderActors.Grains.Customers;
using OrderActors.Grains.Hosting;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;
using OrderActors.Grains.Shipments;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Streaming.Diagnostics;

namespace OrderActors.Benchmarks.Memory;

/// <summary>
/// <c>memory [--orders 20000] [--concurrency 32] [--warmup 1000] [--skus 256] [--json PATH]</c>: what an order costs
/// in memory and on disk, on an Orleans silo in this process configured as the product configures it
/// (<see cref="OrderActorsSiloBuilderExtensions.AddOrderActors"/>) on a temporary SQLite file, deleted afterwards.
/// <list type="number">
/// <item>Stocks the SKUs, places the warm-up orders, and measures: the live managed heap after full compacting
/// collections, the working set, and the activations by grain class.</item>
/// <item>Places the orders through <see cref="IOrderGrain.PlaceAsync"/>, a number at a time; waits until every
/// projection has applied the log and the activations stop changing; measures again.</item>
/// <item>Waits until the streams' pulling agents forget every stream (counted with Orleans' streaming diagnostics);
/// measures: bytes per stream, and per order from the streams an order opens.</item>
/// <item>Deactivates the shipment activations, then the order activations, measuring after each: bytes per activation.</item>
/// <item>Deactivates the customer and inventory activations, then each projection, measuring after each: what stays
/// per order; and compares the heap then with the heap before the first order: what is left in no activation.</item>
/// </list>
/// Stored bytes per order are each table's growth (rows and payload bytes, by grain type or stream namespace) and
/// the database's, over the measured orders. Idle collection is set to an hour, so nothing is collected meanwhile:
/// the run deactivates what it measures itself, as the collector would once the order's collection age passed.
/// </summary>
public static class MemoryMeasurement
{
    private const int AmpleStock = 1_000_000;
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs the measurement and prints its tables; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var line = new CommandLine(args);
        var (orders, concurrency, warmup, skus, json) = (line.Int("orders", 20_000, min: 1), line.Int("concurrency", 32, min: 1),
            line.Int("warmup", 1000, min: 0), line.Int("skus", 256, min: 1), line.Take("json"));
        line.EnsureAllTaken();

        var file = Path.Combine(Path.GetTempPath(), $"orderactors-memory-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={file}";
        try
        {
            using var streams = new StreamCounter();
            using var host = BuildSilo(connectionString);
            await host.StartAsync();
            var run = new Run(host.Services, connectionString, concurrency, streams);
            var report = await run.MeasureAsync(warmup, orders, skus);
            await host.StopAsync();

            report.Write(nameof(Grains.Orders.OrderGrain), nameof(ShipmentGrain));
            if (json is not null)
            {
                await File.WriteAllTextAsync(json, report.ToJson() + "\n");
            }

            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    private static IHost BuildSilo(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderActors:Storage:Provider"] = "Sqlite",
            ["OrderActors:Storage:ConnectionString"] = connectionString,
            ["OrderActors:Silo:OrderCollectionAge"] = "01:00:00",
            ["OrderActors:Silo:CollectionAge"] = "01:00:00",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // stdout is for the tables
        builder.UseOrleans(silo => silo.AddOrderActors(builder.Configuration));
        return builder.Build();
    }

    private static void Say(string message) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {message}");

    private sealed class Run(IServiceProvider services, string connectionString, int concurrency, StreamCounter streams)
    {
        private static readonly Actor Storefront = new("api-key:storefront", "memory");
        private static readonly Address Shipping = new("Memory Test", "1 Main St", null, "Springfield", null, "12345", "US");

        private readonly IGrainFactory _grains = services.GetRequiredService<IGrainFactory>();
        private readonly IManagementGrain _management = services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        private readonly List<MemoryPoint> _points = [];
        private MemoryPoint _last = null!;
        private int _skus;

        public async Task<MemoryReport> MeasureAsync(int warmup, int orders, int skus)
        {
            _skus = skus;
            Say($"stocking {skus} SKUs, then {warmup:N0} warm-up orders");
            await StockAsync();
            await SettleAsync(projections: true);
            var stocked = await PointAsync("SKUs stocked");
            await PlaceAsync(0, warmup);
            await SettleAsync(projections: true);
            var storedBefore = await StoredSnapshot.ReadAsync(connectionString);
            var warm = await PointAsync("warm-up placed");

            Say($"placing {orders:N0} orders, {concurrency} at a time");
            var placing = Stopwatch.StartNew();
            await PlaceAsync(warmup, orders);
            var ordersPerSecond = orders / placing.Elapsed.TotalSeconds;
            Say($"placed at {ordersPerSecond:0} orders/s; waiting for the projections and activations to settle");
            await SettleAsync(projections: true);
            var live = await PointAsync("orders placed, all live");

            // First the streams, so that none is forgotten while the activations are measured. Then the activations:
            // every order placed so far (warm-up included) has its order and shipment activation, is on its customer's
            // list, and is in every read model.
            var streamsPerOrder = (live.StreamsRegistered - warm.StreamsRegistered) / (double)orders;
            var held = warmup + orders;
            var goes = new List<Release>
            {
                await ForgetStreamsAsync(streamsPerOrder),
                await DeactivateAsync("shipment activations", await ActiveAsync<IShipmentGrain>(), held),
                await DeactivateAsync("order activations", await ActiveAsync<IOrderGrain>(), held),
            };

            // What stays: the customers' order lists (collected after CollectionAge once a customer is idle), the
            // reservations the SKUs hold until the orders ship, and the projections' read models. Then what is left in
            // no activation and no stream, against the silo with its SKUs stocked and no order.
            var stays = new List<Release>
            {
                await DeactivateAsync("customer activations", await ActiveAsync<ICustomerGrain>(), held),
                await DeactivateAsync("inventory activations", await ActiveAsync<IInventoryGrain>(), held),
            };
            foreach (var projection in Projections.All)
            {
                var freed = await DeactivateAsync($"{projection.Name} projection", [projection.Grain(_grains).GetGrainId()], held, keep: false);
                stays.Add(freed with { Activations = 0, PerActivation = null });
            }

            var rest = await PointAsync("all of them deactivated");
            stays.Add(new("the rest: in no activation or stream", 0, rest.ManagedBytes - stocked.ManagedBytes, null,
                (rest.ManagedBytes - stocked.ManagedBytes) / (double)held));

            var storedAfter = await StoredSnapshot.ReadAsync(connectionString);
            var growth = storedBefore.GrowthTo(storedAfter);
            return new MemoryReport(
                DateTimeOffset.UtcNow, MemoryReport.ThisMachine(), warmup, orders, concurrency, skus, ordersPerSecond, _points,
                MeasuredLiveBytesPerOrder: (live.ManagedBytes - warm.ManagedBytes) / (double)orders,
                LiveWorkingSetBytesPerOrder: (live.WorkingSetBytes - warm.WorkingSetBytes) / (double)orders,
                streamsPerOrder, goes, stays,
                [.. growth.Select(g => new StoredPerOrder(g.Table, g.Kind, g.Rows / (double)orders, g.PayloadBytes / (double)orders))],
                StoredPayloadBytesPerOrder: growth.Sum(g => g.PayloadBytes) / (double)orders,
                DatabaseBytesPerOrder: (storedAfter.DatabaseBytes - storedBefore.DatabaseBytes) / (double)orders);
        }

        private static string Sku(int n) => $"memory-{n}";

        /// <summary>Puts the SKUs in the catalog at 10 USD with ample stock at location <c>main</c>.</summary>
        private Task StockAsync() => ForEachAsync(Enumerable.Range(0, _skus), async n =>
        {
            var sku = Sku(n);
            await _grains.GetGrain<IProductGrain>(sku).PutAsync(new PutProduct(sku, new Dictionary<string, decimal> { ["USD"] = 10m }, "standard", null, ProductStatus.Active, Storefront));
            await _grains.GetGrain<IInventoryGrain>(sku).SetStockAsync(new SetStock([new LocationQuantity("main", AmpleStock)], []));
        });

        /// <summary>
        /// Waits until the pulling agents have forgotten every stream and measures what that freed, per stream. An agent
        /// keeps a stream's state until it has been quiet for StreamInactivityPeriod, so streams of orders placed longer
        /// ago than that are forgotten already: the cost per order is the cost per stream times the streams an order opens.
        /// </summary>
        private async Task<Release> ForgetStreamsAsync(double streamsPerOrder)
        {
            var inactivity = services.GetRequiredService<IOptionsMonitor<StreamPullingAgentOptions>>().Get(OrderActorsStorage.EventLog).StreamInactivityPeriod;
            Say($"waiting for the pulling agents to forget the {streams.Live:N0} streams they hold (StreamInactivityPeriod {inactivity.TotalSeconds:0} s)");
            var (before, forgotten) = (_last, streams.Forgotten);
            for (var waited = Stopwatch.StartNew(); streams.Live > 0 && waited.Elapsed < inactivity * 1.5;)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            var after = await PointAsync("streams forgotten");
            var (freed, count) = (before.ManagedBytes - after.ManagedBytes, streams.Forgotten - forgotten);
            var perStream = freed / (double)Math.Max(1, count);
            return new("streams in the pulling agents", count, freed, perStream, perStream * streamsPerOrder);
        }

        private Task PlaceAsync(int first, int count) => ForEachAsync(Enumerable.Range(first, count), async n =>
        {
            // As long as the API's ids (ord_ and 26 characters), and as many customers as the load generator uses.
            var command = new PlaceOrder(new Customer($"memory-customer-{n % 1000}", "memory@example.com", null), SalesChannel.Web,
                OrderPriority.Standard, "USD", [new OrderLineRequest(Sku(n % _skus), 1, 10m)], Shipping, new PaymentDetails("card", "tok_visa"), Storefront);
            var result = await _grains.GetGrain<IOrderGrain>($"ord_memory{n:D20}").PlaceAsync(command);
            if (result.Outcome != PlacementOutcome.Placed)
            {
                throw new InvalidOperationException($"Order {n} was not placed: {result.Outcome} {result.Detail}");
            }
        });

        private Task ForEachAsync<T>(IEnumerable<T> items, Func<T, Task> action)
            => Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (item, _) => await action(item));

        /// <summary>Every activation of the grain class behind <typeparamref name="T"/>.</summary>
        private async Task<List<GrainId>> ActiveAsync<T>() where T : IGrainWithStringKey
            => await _management.GetActiveGrains(_grains.GetGrain<T>("-").GetGrainId().Type);

        /// <summary>
        /// Deactivates <paramref name="grains"/>, waits for the activations to settle and measures what that freed;
        /// <paramref name="keep"/> says whether the point goes into the report.
        /// </summary>
        private async Task<Release> DeactivateAsync(string what, IReadOnlyList<GrainId> grains, int ordersHeld, bool keep = true)
        {
            Say($"deactivating {grains.Count:N0} {what}");
            var before = _last;
            await ForEachAsync(grains, async id => await _management.DeactivateGrain(id));
            await SettleAsync(projections: false);
            var after = await PointAsync($"{what} deactivated", keep);
            var freed = before.ManagedBytes - after.ManagedBytes;
            return new(what, grains.Count, freed, freed / (double)Math.Max(1, grains.Count), freed / (double)ordersHeld);
        }

        /// <summary>Full blocking compacting collections, then the live heap, the working set and the activations.</summary>
        private async Task<MemoryPoint> PointAsync(string name, bool keep = true)
        {
            var activations = await ActivationsAsync();
            for (var i = 0; i < 2; i++)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }

            var point = new MemoryPoint(name, GC.GetTotalMemory(forceFullCollection: true), Environment.WorkingSet, activations, streams.Live, streams.Registered);
            Say(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {point.ManagedBytes / 1048576.0:0.0} MB managed, {point.WorkingSetBytes / 1048576.0:0.0} MB working set, {activations.Values.Sum():N0} activations, {point.Streams:N0} streams"));
            _last = point;
            if (keep)
            {
                _points.Add(point);
            }

            return point;
        }

        private async Task<IReadOnlyDictionary<string, int>> ActivationsAsync()
            => (await _management.GetSimpleGrainStatistics())
                .GroupBy(s => ClassName(s.GrainType), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount), StringComparer.Ordinal);

        /// <summary>The class name in a grain statistic's type, e.g. <c>OrderGrain</c> in <c>OrderActors.Grains.Orders.OrderGrain,OrderActors.Grains</c>.</summary>
        private static string ClassName(string grainType)
        {
            var type = grainType.Split(',')[0];
            return type[(type.LastIndexOf('.') + 1)..];
        }

        /// <summary>
        /// Waits until the activations have not changed for three seconds and, with <paramref name="projections"/>,
        /// every projection has applied its namespaces' events up to the last one (at most <see cref="SettleTimeout"/>).
        /// </summary>
        private async Task SettleAsync(bool projections)
        {
            var deadline = Stopwatch.StartNew();
            IReadOnlyDictionary<string, int>? last = null;
            for (var quiet = 0; quiet < 3;)
            {
                if (deadline.Elapsed > SettleTimeout)
                {
                    Say($"not settled after {SettleTimeout.TotalSeconds:0} s; measuring anyway");
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
                var now = await ActivationsAsync();
                var settled = last is not null && now.Count == last.Count && now.All(a => last.GetValueOrDefault(a.Key) == a.Value)
                    && (!projections || await ProjectionsCaughtUpAsync());
                (quiet, last) = (settled ? quiet + 1 : 0, now);
            }
        }

        private async Task<bool> ProjectionsCaughtUpAsync()
        {
            var heads = await StoredSnapshot.HeadsAsync(connectionString);
            foreach (var projection in Projections.All)
            {
                var head = projection.Namespaces.Max(heads.GetValueOrDefault);
                if ((await projection.Grain(_grains).GetStatusAsync()).Position < head)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Counts the event log's streams the pulling agents register and forget (Orleans' streaming diagnostics).</summary>
    private sealed class StreamCounter : IObserver<StreamingEvents.StreamingEvent>, IDisposable
    {
        private readonly IDisposable _subscription;
        private int _registered;
        private int _forgotten;

        public StreamCounter() => _subscription = StreamingEvents.AllEvents.Subscribe(this);

        public int Registered => Volatile.Read(ref _registered);

        public int Forgotten => Volatile.Read(ref _forgotten);

        /// <summary>The streams the pulling agents hold now.</summary>
        public int Live => Registered - Forgotten;

        public void OnNext(StreamingEvents.StreamingEvent value)
        {
            if (value.StreamProvider != OrderActorsStorage.EventLog)
            {
                return;
            }

            if (value is StreamingEvents.PullingAgentStreamRegistered)
            {
                Interlocked.Increment(ref _registered);
            }
            else if (value is StreamingEvents.StreamInactive)
            {
                Interlocked.Increment(ref _forgotten);
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }

        public void Dispose() => _subscription.Dispose();
    }
}
