using OrderActors.Grains.Locations;
using BenchmarkDotNet.Attributes;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;

namespace OrderActors.Benchmarks;

/// <summary>
/// Domain round trips: reserving and releasing stock on one inventory grain (memory storage, and SQLite in a
/// temporary file as the embedded default uses), and placing a one-line order end to end.
/// </summary>
/// <remarks>
/// The invocation count is fixed because placing orders needs an iteration cleanup (see
/// <see cref="ReleaseHeldReservations"/>), and BenchmarkDotNet would otherwise run one invocation per iteration.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(InvocationsPerIteration)]
public class ReservationBenchmarks
{
    /// <summary>
    /// Invocations per iteration. It is also the pick-queue backlog a placement sees at most (each iteration's orders
    /// are picked in its cleanup): about a thousand orders waiting, a busy warehouse's morning.
    /// </summary>
    public const int InvocationsPerIteration = 1024;

    /// <summary>SKUs the orders are spread over, so that no SKU accumulates many reservations.</summary>
    public const int Skus = 4096;

    private const int Plenty = 1_000_000_000;

    private static readonly Customer Customer = new("bench-customer", "bench@example.com", "Bench Customer");
    private static readonly Address ShippingAddress = new("Bench Customer", "1 Main St", null, "Springfield", null, "12345", "US");
    private static readonly Actor Actor = new("api-key", "bench");

    private BenchSilo _silo = null!;
    private string? _databaseFile;
    private IInventoryGrain _inventory = null!;
    private ReserveStock _reserve = null!;
    private IInventoryGrain[] _skus = [];
    private PlaceOrder[] _placeCommands = [];
    private readonly List<(IInventoryGrain Sku, string OrderId)> _heldReservations = [];
    private int _ordersPlaced;
    private int _maxHeldPerSku;

    [GlobalSetup(Targets = [nameof(ReserveReleaseMemory), nameof(PlaceOrderMemory)])]
    public void SetupMemory()
    {
        // Every placed order stays activated until collected; a short collection age keeps the catalog from
        // growing to hundreds of thousands of idle orders over a run.
        _silo = BenchSilo.Start("Memory", configure: o =>
        {
            o.CollectionAge = TimeSpan.FromSeconds(2);
            o.CollectionQuantum = TimeSpan.FromSeconds(1);
        });
        SetupReservation();

        // Order n reserves on SKU n % Skus, each stocked far beyond what a run can reserve.
        _skus = Enumerable.Range(0, Skus).Select(i => _silo.Grains.GetGrain<IInventoryGrain>($"sku-{i}")).ToArray();
        Task.WhenAll(_skus.Select(Restock)).GetAwaiter().GetResult();
        _placeCommands = Enumerable.Range(0, Skus)
            .Select(i => new PlaceOrder(Customer, SalesChannel.Web, OrderPriority.Standard, "USD",
                [new OrderLineRequest($"sku-{i}", 1, 9.99m)], ShippingAddress, new PaymentDetails("card", "tok_bench"), Actor))
            .ToArray();
    }

    [GlobalSetup(Target = nameof(ReserveReleaseSqlite))]
    public void SetupSqlite()
    {
        _databaseFile = Path.Combine(Path.GetTempPath(), $"orderactors-bench-{Guid.NewGuid():N}.db");
        _silo = BenchSilo.Start("Sqlite", $"Data Source={_databaseFile}");
        SetupReservation();
    }

    private void SetupReservation()
    {
        _inventory = _silo.Grains.GetGrain<IInventoryGrain>("reserve-sku");
        _reserve = new ReserveStock("reserve-order", 1);
        Restock(_inventory).GetAwaiter().GetResult();
    }

    private static Task<InventoryView> Restock(IInventoryGrain grain)
        => grain.SetStockAsync(new SetStock([new LocationQuantity("warehouse", Plenty)], []));

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_ordersPlaced > 0)
        {
            Console.WriteLine($"// orders placed: {_ordersPlaced} over {Skus} SKUs; at most {_maxHeldPerSku} reservations held per SKU");
        }

        _silo.Dispose();
        if (_databaseFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _databaseFile, _databaseFile + "-wal", _databaseFile + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Reserve one unit for an order, then release it: two calls, two state writes (memory storage).</summary>
    [Benchmark(Description = "reserve+release, memory storage")]
    public Task ReserveReleaseMemory() => ReserveRelease();

    /// <summary>Reserve one unit, then release it: two calls, two durable state writes (SQLite, WAL, synchronous=FULL).</summary>
    [Benchmark(Description = "reserve+release, SQLite file")]
    public Task ReserveReleaseSqlite() => ReserveRelease();

    /// <summary>
    /// Places a new one-line order: activates a fresh order grain (state read misses), writes it twice and reserves
    /// on one inventory grain (one more write) — memory storage.
    /// </summary>
    [Benchmark(Description = "place 1-line order, memory storage")]
    public async Task PlaceOrderMemory()
    {
        var n = _ordersPlaced++;
        var order = _silo.Grains.GetGrain<IOrderGrain>($"order-{n}");
        var result = await order.PlaceAsync(_placeCommands[n % Skus]);
        if (result.Outcome != PlacementOutcome.Placed)
        {
            throw new InvalidOperationException($"Order {n} was not placed: {result.Outcome}.");
        }

        _heldReservations.Add((_skus[n % Skus], result.Order!.Id));
    }

    /// <summary>
    /// Releases the reservations the iteration's orders hold. Without it every SKU accumulates reservations, and
    /// reserving gets slower as the run goes on (the ledger scans and the state write serializes all of them).
    /// </summary>
    [IterationCleanup(Target = nameof(PlaceOrderMemory))]
    public void ReleaseHeldReservations()
    {
        _maxHeldPerSku = Math.Max(_maxHeldPerSku, (_heldReservations.Count + Skus - 1) / Skus);
        Task.WhenAll(_heldReservations.Select(r => r.Sku.ReleaseAsync(new ReleaseStock(r.OrderId)))).GetAwaiter().GetResult();
        _heldReservations.Clear();
    }

    private async Task ReserveRelease()
    {
        var result = await _inventory.ReserveAsync(_reserve);
        if (result.Outcome != ReservationOutcome.Reserved)
        {
            throw new InvalidOperationException($"Reservation failed: {result.Outcome}.");
        }

        await _inventory.ReleaseAsync(new ReleaseStock(_reserve.OrderId));
    }
}
