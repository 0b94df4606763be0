using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Api;
using OrderActors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrderActors.Tests.Cluster;

/// <summary>
/// The cluster as ops run it: real <c>src/Silo</c> processes and an API gateway in client mode on a real
/// PostgreSQL. Orders flow through the API the whole time while one silo is killed with SIGKILL and another joins.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterFailoverTests(PostgresServer postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    // Membership as configured for the silos below: a silo missing 3 probes of 1 s is suspected and voted dead.
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(10);
    private static readonly string[] Skus = ["fo-a", "fo-b", "fo-c", "fo-d"];
    private const int UnitsPerSku = 5000; // plenty: orders keep flowing through the whole test

    private readonly List<ChildProcess> _processes = [];
    private string _database = "";

    public async Task InitializeAsync() => _database = await postgres.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }

    [Fact]
    public async Task Orders_keep_flowing_while_a_silo_is_killed_and_another_joins_and_nothing_is_lost_or_oversold()
    {
        var (first, firstPort) = await StartSiloAsync();
        var (second, _) = await StartSiloAsync();
        var api = await StartApiAsync();
        var ops = api.Client(ApiFactory.OpsKey);
        var admin = api.Client(ApiFactory.AdminKey);
        var storefront = api.Client(ApiFactory.StorefrontKey);
        await Eventually.TrueAsync(async () => (await ActiveSilosAsync(admin)).Count == 2, "the API sees both silos", ReadyTimeout);
        foreach (var sku in Skus)
        {
            (await ops.PutJsonAsync($"/v1/products/{sku}", ApiBodies.Product(sku))).EnsureSuccessStatusCode();
            (await ops.PutJsonAsync($"/v1/inventory/{sku}", ApiBodies.Stock(UnitsPerSku))).EnsureSuccessStatusCode();
        }

        // Storefront traffic: workers place keyed orders and retry each with its key until it gets an answer, as a
        // storefront does; an answer is 201 (acknowledged) or 409 out-of-stock.
        var acknowledged = new ConcurrentDictionary<string, OrderView>();
        var failures = new ConcurrentQueue<(TimeSpan At, string What)>();
        var attempts = new ConcurrentQueue<(TimeSpan Started, TimeSpan Took)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var next = 0;
        var workers = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                var key = $"fo-order-{n}";
                var body = ApiBodies.Order($"fo-customer-{n % 17}", (Skus[n % Skus.Length], 1 + n % 2), (Skus[(n + 1) % Skus.Length], 1));
                while (true)
                {
                    var started = clock.Elapsed;
                    var (status, text) = await TryPlaceAsync(storefront, body, key);
                    attempts.Enqueue((started, clock.Elapsed - started));
                    if (status == HttpStatusCode.Created)
                    {
                        var order = JsonSerializer.Deserialize<OrderView>(text, ApiFactory.Json)!;
                        acknowledged[order.Id] = order;
                        break;
                    }

                    if (status == HttpStatusCode.Conflict && text.Contains("out-of-stock", StringComparison.Ordinal))
                    {
                        break;
                    }

                    failures.Enqueue((clock.Elapsed, $"{key}: {(status is null ? "no response" : ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture))} {Truncate(text)}"));

                    // A failed attempt may have placed the order (its outcome is unknown): like a storefront, keep
                    // retrying it with its key until it answers, even while stopping, so that every reservation
                    // belongs to an order the test knows the outcome of.
                    await Task.Delay(50);
                }
            }
        })).ToArray();

        await Eventually.TrueAsync(() => acknowledged.Count >= 40, "40 orders are acknowledged before the kill", ReadyTimeout);

        // SIGKILL the first silo mid-traffic.
        var firstAddress = (await ActiveSilosAsync(admin)).Single(s => s.Contains($":{firstPort}:", StringComparison.Ordinal));
        var killedAt = clock.Elapsed;
        var acknowledgedAtKill = acknowledged.Count;
        await first.KillAsync();
        output.WriteLine($"{killedAt.TotalSeconds:0.0}s: killed silo {firstAddress} with {acknowledgedAtKill} orders acknowledged.");

        // Its peers declare it dead within the death timeout (plus a heartbeat or two to notice and vote).
        await Eventually.TrueAsync(async () => !(await ActiveSilosAsync(admin)).Contains(firstAddress),
            "the killed silo is declared dead", DeathTimeout + TimeSpan.FromSeconds(5));
        var declaredDeadAfter = clock.Elapsed - killedAt;
        Assert.Equal("dead", await StatusOfAsync(admin, firstAddress));
        output.WriteLine($"Declared dead {declaredDeadAfter.TotalSeconds:0.0}s after the kill (death timeout {DeathTimeout.TotalSeconds:0}s).");

        // Calls succeed again within seconds.
        await Eventually.TrueAsync(() => acknowledged.Count >= acknowledgedAtKill + 20, "orders are acknowledged again after the kill", TimeSpan.FromSeconds(20));
        var recoveredAfter = clock.Elapsed - killedAt;

        // A new silo joins while traffic goes on.
        var (third, _) = await StartSiloAsync();
        await Eventually.TrueAsync(async () => (await ActiveSilosAsync(admin)).Count == 2, "the new silo is active", ReadyTimeout);
        var acknowledgedAtJoin = acknowledged.Count;
        await Eventually.TrueAsync(() => acknowledged.Count >= acknowledgedAtJoin + 40, "orders keep flowing after the join", TimeSpan.FromSeconds(30));

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        output.WriteLine($"Recovered {recoveredAfter.TotalSeconds:0.0}s after the kill; {acknowledged.Count} orders acknowledged in all; " +
            $"{failures.Count} failed attempts (retried with their key).");
        foreach (var (at, what) in failures.Take(20))
        {
            output.WriteLine($"  {at.TotalSeconds:0.0}s {what}");
        }

        Assert.True(declaredDeadAfter <= DeathTimeout + TimeSpan.FromSeconds(3), $"Declared dead after {declaredDeadAfter.TotalSeconds:0.0}s.");
        Assert.True(recoveredAfter <= TimeSpan.FromSeconds(15), $"Orders flowed again only {recoveredAfter.TotalSeconds:0.0}s after the kill.");

        // A placement caught in flight by the kill answers (503 outcome-unknown, then the retry) quickly, not after
        // its 30 s response timeout.
        var caught = attempts.Where(a => a.Started <= killedAt && a.Started + a.Took >= killedAt).Select(a => a.Took).DefaultIfEmpty().Max();
        output.WriteLine($"slowest attempt in flight at the kill: {caught.TotalSeconds:0.0}s");
        Assert.True(caught <= TimeSpan.FromSeconds(10), $"An attempt in flight at the kill took {caught.TotalSeconds:0.0}s.");

        // Every acknowledged order is readable with its reservations; no SKU is oversold; the ledgers add up.
        foreach (var order in acknowledged.Values)
        {
            var read = await (await storefront.GetAsync($"/v1/orders/{order.Id}")).ReadAsync<OrderView>(200, $"acknowledged order {order.Id}");
            Assert.Equal(OrderStatus.Confirmed, read.Status);
            Assert.Equal(Lines(order), Lines(read));
        }

        foreach (var sku in Skus)
        {
            var expected = acknowledged.Values.SelectMany(o => o.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);
            var view = await (await ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, $"inventory of {sku}");
            Assert.True(view.OnHand == UnitsPerSku && view.Reserved == expected && view.Available == UnitsPerSku - expected && view.Available >= 0,
                $"{sku}: expected on hand {UnitsPerSku}, reserved {expected} (the acknowledged orders), available {UnitsPerSku - expected}; " +
                $"got on hand {view.OnHand}, reserved {view.Reserved}, available {view.Available}.");
        }

        await third.StopAsync(TimeSpan.FromSeconds(30));
        await second.StopAsync(TimeSpan.FromSeconds(30));
    }

    private async Task<(ChildProcess Process, int Port)> StartSiloAsync()
    {
        var port = ChildProcess.FreeLoopbackPort();
        var silo = await SiloProcess.StartAsync(new Dictionary<string, string?>(Storage)
        {
            ["OrderActors__Cluster__Enabled"] = "true",
            ["OrderActors__Cluster__AdvertisedHost"] = "127.0.0.1",
            ["OrderActors__Cluster__SiloPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OrderActors__Cluster__GatewayPort"] = ChildProcess.FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OrderActors__Cluster__ProbeTimeout"] = ProbeTimeout.ToString(),
        }, ReadyTimeout);
        _processes.Add(silo);
        return (silo, port);
    }

    private async Task<ChildProcess> StartApiAsync()
    {
        var api = await ApiProcess.StartAsync(new Dictionary<string, string?>(Storage)
        {
            ["OrderActors__Cluster__Mode"] = "Client",
        }, ReadyTimeout);
        _processes.Add(api);
        return api;
    }

    private Dictionary<string, string?> Storage => new()
    {
        ["OrderActors__Storage__Provider"] = "PostgreSql",
        ["OrderActors__Storage__ConnectionString"] = _database,
    };

    // The active silos as the API's membership view has them (host:port@generation).
    private static async Task<IReadOnlyList<string>> ActiveSilosAsync(HttpClient admin)
    {
        var cluster = await ClusterAsync(admin);
        return cluster.GetProperty("silos").EnumerateArray()
            .Where(s => s.GetProperty("status").GetString() == "active")
            .Select(s => s.GetProperty("address").GetString()!)
            .ToArray();
    }

    // The cluster as the API sees it. A read in flight when a silo's gateway connection closes answers 503
    // outcome-unknown, as every call then does: like any client, ask again.
    private static async Task<JsonElement> ClusterAsync(HttpClient admin)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await admin.GetAsync("/v1/admin/cluster");
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 10)
            {
                response.EnsureSuccessStatusCode();
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            }

            await Task.Delay(200);
        }
    }

    private static async Task<string?> StatusOfAsync(HttpClient admin, string address)
    {
        var cluster = await ClusterAsync(admin);
        return cluster.GetProperty("silos").EnumerateArray()
            .Where(s => s.GetProperty("address").GetString() == address)
            .Select(s => s.GetProperty("status").GetString())
            .SingleOrDefault();
    }

    private static async Task<(HttpStatusCode? Status, string Text)> TryPlaceAsync(HttpClient client, object body, string key)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders")
            {
                Content = new StringContent(JsonSerializer.Serialize(body, ApiFactory.Json), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (CrashRecoveryTests.IsConnectionLoss(ex))
        {
            return (null, ex.Message);
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];

    private static string Lines(OrderView order)
        => string.Join("; ", order.Lines.Select(l => $"{l.Sku} x{l.Quantity} at {string.Join(",", l.Allocations.Select(a => $"{a.Location}:{a.Quantity}"))}"));
}
