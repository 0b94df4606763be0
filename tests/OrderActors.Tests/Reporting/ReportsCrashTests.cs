using System.Data.Common;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Api;
using OrderActors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrderActors.Tests.Reporting;

/// <summary>
/// The reporting acceptance check across a crash: a few hundred orders through the API of a real process, which
/// is killed with SIGKILL while its projections are still catching up with the feed, then started again on the
/// same database. Once the reports have caught up, each equals a direct computation over the orders: nothing
/// counted twice, nothing missing.
/// </summary>
public abstract class ReportsCrashTests(ITestOutputHelper output)
{
    private const int Orders = 200;
    private const int FinalBurst = 48;
    private const int MaxBursts = 5;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    // The projections of the orders streams, by state name, as stored in the grain-state table of the provider.
    private static readonly string[] OrderProjections = ["sales-report", "kpi-report", "order-list", "orders-by-status"];

    /// <summary>The table projections keep their state in: the event log's on SQLite, Orleans' ADO.NET storage's on PostgreSQL.</summary>
    protected abstract string StateTable { get; }

    protected abstract string Provider { get; }

    /// <summary>
    /// Whether the projections are sure to trail the committed events at the kill, so the test asserts it. On
    /// PostgreSQL concurrent writers commit side by side and the projections often keep up with what committed
    /// (the kill then cuts off placements in flight); the stored checkpoints are logged either way.
    /// </summary>
    protected abstract bool TrailsAtTheKill { get; }

    protected abstract Task<string> CreateDatabaseAsync();

    protected abstract DbConnection Connect(string connectionString);

    [Fact]
    public async Task Reports_equal_the_orders_after_the_process_is_killed_mid_stream_and_restarted()
    {
        var connectionString = await CreateDatabaseAsync();
        IReadOnlyDictionary<int, OrderView> placed;
        var orders = new List<string>();
        var acknowledged = new Dictionary<int, OrderView>(); // burst orders whose 201 arrived in full before a kill
        await using (var api = await ApiProcess.StartAsync(connectionString, ReadyTimeout, Provider))
        {
            var ops = api.Client(ApiFactory.OpsKey);
            var storefront = api.Client(ApiFactory.StorefrontKey);
            await ReportsAcceptanceTests.StockAsync(ops);
            placed = await ReportsAcceptanceTests.PlaceAsync(storefront, 0, Orders);
            await ReportsAcceptanceTests.DriveAsync(storefront, ops, placed);
            await BurstAndKillAsync(api, 0, acknowledged);
        }

        // Whether a kill catches the projections behind the feed is a race, so the test goes through more lives (each
        // a burst cut off by SIGKILL) until one does; on SQLite it insists on it.
        var bursts = 1;
        var (lastOrderEvent, checkpoints) = await StoredAsync(connectionString);
        while (!checkpoints.Any(c => c.Value < lastOrderEvent) && bursts < MaxBursts)
        {
            output.WriteLine($"Kill {bursts} found every projection caught up ({lastOrderEvent}); another life.");
            await using (var api = await ApiProcess.StartAsync(connectionString, ReadyTimeout, Provider))
            {
                await BurstAndKillAsync(api, bursts++, acknowledged);
            }

            (lastOrderEvent, checkpoints) = await StoredAsync(connectionString);
        }

        output.WriteLine($"At the last kill the orders streams ended at {lastOrderEvent}; stored checkpoints: " +
            string.Join(", ", checkpoints.Select(c => $"{c.Key} {c.Value}")));
        Assert.True(!TrailsAtTheKill || checkpoints.Any(c => c.Value < lastOrderEvent),
            $"Expected at least one orders projection behind position {lastOrderEvent} at one of {bursts} kills; stored: " +
            string.Join(", ", checkpoints.Select(c => $"{c.Key} {c.Value}")));

        await using (var api = await ApiProcess.StartAsync(connectionString, ReadyTimeout, Provider))
        {
            // Every burst order retried with its key: an order placed before a kill answers as it is, one cut off
            // before it committed is placed now. Either way each is placed once. An order acknowledged before a kill
            // must answer as that same order (placed then, not now).
            var storefront = api.Client(ApiFactory.StorefrontKey);
            orders.AddRange(placed.Values.Select(o => o.Id));
            foreach (var i in Enumerable.Range(Orders, bursts * FinalBurst))
            {
                var response = await CrashRecoveryTests.PostRawAsync(storefront, ReportsAcceptanceTests.OrderBody(i), BurstKey(i));
                var before = acknowledged.GetValueOrDefault(i);
                if ((int)response.StatusCode == 409 && before is null)
                {
                    await response.AssertProblemAsync(409, "out-of-stock", $"retry of burst order {i}");
                    continue;
                }

                var order = await response.ReadAsync<OrderView>(201, $"retry of burst order {i}{(before is null ? "" : $", acknowledged before a kill as {before.Id}")}");
                Assert.True(before is null || (order.Id == before.Id && order.PlacedAt == before.PlacedAt),
                    $"Burst order {i} was acknowledged before a kill as {before?.Id} placed at {before?.PlacedAt:O}; its retry answered {order.Id} placed at {order.PlacedAt:O}.");
                orders.Add(order.Id);
            }

            var analytics = api.Client(ApiFactory.AnalyticsKey);
            var last = await ReportsAcceptanceTests.LastPositionAsync(analytics);
            Assert.True(last >= lastOrderEvent, $"the restarted process's feed ends at {last}, before {lastOrderEvent}");
            await ReportsAcceptanceTests.WaitUntilCaughtUpAsync(api.Client(ApiFactory.AdminKey), last, TimeSpan.FromSeconds(60));
            await ReportsAcceptanceTests.AssertReportsAsync(storefront, api.Client(ApiFactory.OpsKey), analytics, orders);
        }
    }

    // A burst of placements (with Idempotency-Keys) killed part-way: the projections are still reading them. They go
    // a few at a time, so that some are answered, some in flight and some not sent yet when the kill comes. A request
    // the kill cuts off (whatever the client reports the lost connection as) has no answer; the orders answered 201
    // are added to acknowledged.
    private async Task BurstAndKillAsync(ChildProcess api, int burst, Dictionary<int, OrderView> acknowledged)
    {
        var storefront = api.Client(ApiFactory.StorefrontKey);
        using var gate = new SemaphoreSlim(8);
        var first = Orders + burst * FinalBurst;
        var requests = Enumerable.Range(first, FinalBurst)
            .Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    return await CrashRecoveryTests.TryPostAsync(storefront, ReportsAcceptanceTests.OrderBody(i), BurstKey(i));
                }
                finally
                {
                    gate.Release();
                }
            })
            .ToArray();
        await CrashRecoveryTests.WhenSomeCompleteAsync(requests, FinalBurst / 3, TimeSpan.FromSeconds(60));
        await api.KillAsync();
        var outcomes = await Task.WhenAll(requests);
        for (var n = 0; n < outcomes.Length; n++)
        {
            if (outcomes[n].Response is { StatusCode: HttpStatusCode.Created } response)
            {
                acknowledged[first + n] = await response.ReadAsync<OrderView>(201, $"burst order {first + n}");
            }
        }

        output.WriteLine($"Burst {burst} of {FinalBurst} at the kill: {outcomes.Count(o => o.Response is not null)} answered " +
            $"({outcomes.Count(o => o.Response is { StatusCode: HttpStatusCode.Created })} acknowledged), {outcomes.Count(o => o.Response is null)} cut off.");
    }

    private static string BurstKey(int i) => $"report-burst-{i}";

    private async Task<(long LastOrderEvent, Dictionary<string, long> Checkpoints)> StoredAsync(string connectionString)
    {
        await using var connection = Connect(connectionString);
        await connection.OpenAsync();
        await using var last = connection.CreateCommand();
        last.CommandText = "SELECT COALESCE(max(global_position), 0) FROM orderactors_events WHERE stream_namespace = 'orders'";
        var lastOrderEvent = Convert.ToInt64(await last.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);

        await using var states = connection.CreateCommand();
        states.CommandText = $"SELECT state_name, payload FROM {StateTable} WHERE state_name IN ({string.Join(", ", OrderProjections.Select(p => $"'{p}'"))})";
        var checkpoints = OrderProjections.ToDictionary(p => p, _ => 0L); // a projection that never stored a state is at 0
        await using var reader = await states.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            checkpoints[reader.GetString(0)] = JsonDocument.Parse((byte[])reader.GetValue(1)).RootElement.GetProperty("position").GetInt64();
        }

        return (lastOrderEvent, checkpoints);
    }
}

public sealed class SqliteReportsCrashTests(ITestOutputHelper output) : ReportsCrashTests(output), IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("orderactors-reports-crash-").FullName;

    protected override string Provider => "Sqlite";

    protected override string StateTable => "orderactors_grain_state";

    protected override bool TrailsAtTheKill => true; // one writer at a time: the projections' writes queue behind the placements

    protected override Task<string> CreateDatabaseAsync() => Task.FromResult($"Data Source={Path.Combine(_directory, "orderactors.db")}");

    protected override DbConnection Connect(string connectionString) => new SqliteConnection(connectionString);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlReportsCrashTests(PostgresServer server, ITestOutputHelper output) : ReportsCrashTests(output)
{
    protected override string Provider => "PostgreSql";

    protected override string StateTable => "orleans_grain_state";

    protected override bool TrailsAtTheKill => false;

    protected override Task<string> CreateDatabaseAsync() => server.CreateDatabaseAsync();

    protected override DbConnection Connect(string connectionString) => new NpgsqlConnection(connectionString);
}
