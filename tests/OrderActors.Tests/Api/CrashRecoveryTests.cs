using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrderActors.Tests.Api;

/// <summary>
/// The API as a real process on SQLite, killed with SIGKILL and started again on the same database: what it
/// acknowledged survives, and Idempotency-Key retries neither lose nor double an order.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    private readonly string _directory = Directory.CreateTempSubdirectory("orderactors-crash-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "orderactors.db")}";

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Acknowledged_orders_survive_a_kill_and_idempotent_retries_do_not_reserve_twice()
    {
        var acknowledged = new List<OrderView>();
        var idempotent = new List<(string Key, object Body, OrderView? Placed)>();

        // First life: stock two SKUs, place orders (some with an Idempotency-Key, some refused), then SIGKILL.
        await using (var api = await ApiProcess.StartAsync(ConnectionString, ReadyTimeout))
        {
            var ops = api.Client(ApiFactory.OpsKey);
            var storefront = api.Client(ApiFactory.StorefrontKey);
            await StockAsync(ops, "crash-a", 30);
            await StockAsync(ops, "crash-b", 10);

            // 24 units of crash-a asked for (all fit), 12 of crash-b (two orders must be refused).
            var requests = new List<Task<(string? Key, object Body, HttpResponseMessage Response)>>();
            for (var i = 0; i < 8; i++)
            {
                object body = i % 2 == 0
                    ? ApiBodies.Order($"plain-{i}", ("crash-a", 2), ("crash-b", 1))
                    : ApiBodies.Order($"plain-{i}", ("crash-a", 2));
                requests.Add(PostAsync(storefront, body, key: null));
            }

            for (var i = 0; i < 8; i++)
            {
                requests.Add(PostAsync(storefront, ApiBodies.Order($"keyed-{i}", ("crash-a", 1), ("crash-b", 1)), key: $"first-life-{i}"));
            }

            var refused = 0;
            foreach (var (key, body, response) in await Task.WhenAll(requests))
            {
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var order = await response.ReadAsync<OrderView>(201, "place order");
                    acknowledged.Add(order);
                    if (key is not null)
                    {
                        idempotent.Add((key, body, order));
                    }
                }
                else
                {
                    await response.AssertProblemAsync(409, "out-of-stock", "place order");
                    refused++;
                    if (key is not null)
                    {
                        idempotent.Add((key, body, null));
                    }
                }
            }

            Assert.Equal(2, refused);
            await api.KillAsync();
        }

        // Second life on the same database.
        await using (var api = await ApiProcess.StartAsync(ConnectionString, ReadyTimeout))
        {
            var ops = api.Client(ApiFactory.OpsKey);
            var storefront = api.Client(ApiFactory.StorefrontKey);
            await AssertOrdersReadableAsync(storefront, acknowledged);
            await AssertReservedAsync(ops, acknowledged, ("crash-a", 30), ("crash-b", 10));

            // Retrying with the same key answers with the same order (or the same refusal) and reserves nothing more.
            foreach (var (key, body, placed) in idempotent)
            {
                var response = await PostRawAsync(storefront, body, key);
                if (placed is null)
                {
                    await response.AssertProblemAsync(409, "out-of-stock", $"retry of refused '{key}'");
                    continue;
                }

                var retried = await response.ReadAsync<OrderView>(201, $"retry of '{key}'");
                Assert.True(retried.Id == placed.Id && Lines(retried) == Lines(placed),
                    $"Retry of '{key}' after restart: expected order {placed.Id} [{Lines(placed)}], got {retried.Id} [{Lines(retried)}].");
            }

            await AssertReservedAsync(ops, acknowledged, ("crash-a", 30), ("crash-b", 10));

            // Now kill it while keyed orders are in flight.
            await StockAsync(ops, "crash-c", 40);
            var inFlight = Enumerable.Range(0, 30)
                .Select(i => TryPostAsync(storefront, ApiBodies.Order($"burst-{i}", ("crash-c", 1)), $"burst-{i}"))
                .ToArray();
            await WhenSomeCompleteAsync(inFlight, 1, TimeSpan.FromSeconds(60));
            await api.KillAsync();
            var burst = await Task.WhenAll(inFlight);
            output.WriteLine($"Burst of 30 keyed orders at the kill: {burst.Count(b => b.Response is { StatusCode: HttpStatusCode.Created })} acknowledged, " +
                $"{burst.Count(b => b.Response is null)} cut off, {burst.Count(b => b.Response is { StatusCode: not HttpStatusCode.Created })} refused.");
            foreach (var (key, response) in burst)
            {
                if (response is { StatusCode: HttpStatusCode.Created })
                {
                    acknowledged.Add(await response.ReadAsync<OrderView>(201, $"burst order '{key}'"));
                }
            }
        }

        // Third life: every burst order retried with its key ends placed exactly once.
        await using (var api = await ApiProcess.StartAsync(ConnectionString, ReadyTimeout))
        {
            var ops = api.Client(ApiFactory.OpsKey);
            var storefront = api.Client(ApiFactory.StorefrontKey);
            await AssertOrdersReadableAsync(storefront, acknowledged);
            var acknowledgedIds = acknowledged.Select(o => o.Id).ToHashSet();
            for (var i = 0; i < 30; i++)
            {
                var response = await PostRawAsync(storefront, ApiBodies.Order($"burst-{i}", ("crash-c", 1)), $"burst-{i}");
                var order = await response.ReadAsync<OrderView>(201, $"retry of burst-{i} after the kill");
                if (!acknowledgedIds.Contains(order.Id))
                {
                    acknowledged.Add(order);
                }
            }

            Assert.Equal(30, acknowledged.Count(o => o.Lines.Any(l => l.Sku == "crash-c")));
            await AssertOrdersReadableAsync(storefront, acknowledged);
            await AssertReservedAsync(ops, acknowledged, ("crash-a", 30), ("crash-b", 10), ("crash-c", 40));
        }
    }

    private static async Task StockAsync(HttpClient ops, string sku, int units)
    {
        (await ops.PutJsonAsync($"/v1/products/{sku}", ApiBodies.Product(sku))).EnsureSuccessStatusCode();
        await (await ops.PutJsonAsync($"/v1/inventory/{sku}", ApiBodies.Stock(units))).ReadAsync<InventoryView>(200, $"stock {sku}");
    }

    private static async Task<(string? Key, object Body, HttpResponseMessage Response)> PostAsync(HttpClient client, object body, string? key)
        => (key, body, await PostRawAsync(client, body, key));

    internal static async Task<HttpResponseMessage> PostRawAsync(HttpClient client, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders")
        {
            Content = JsonContent(body),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    // A request that may be cut off by the kill: null when it got no (complete) response. Only a response read in full
    // counts as an answer, so an order acknowledged here is one the caller saw acknowledged.
    internal static async Task<(string Key, HttpResponseMessage? Response)> TryPostAsync(HttpClient client, object body, string key)
    {
        try
        {
            var response = await PostRawAsync(client, body, key);
            await response.Content.LoadIntoBufferAsync();
            return (key, response);
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            return (key, null);
        }
    }

    /// <summary>
    /// Whether a request failed because its connection was lost, as when the process it talks to is killed: the crash
    /// tests count every such failure alike as "no answer". Depending on where the kill catches the request, the client
    /// reports it as an <see cref="HttpRequestException"/>, an <see cref="IOException"/> (an <c>HttpIOException</c>
    /// while the body is read), a bare <see cref="SocketException"/> (connection reset, "Transport endpoint is not
    /// connected") or a <see cref="TaskCanceledException"/>, thrown directly or wrapped at any depth; anything else (an
    /// assertion, a deserialization error) is not a lost connection and fails the test.
    /// </summary>
    internal static bool IsConnectionLoss(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or IOException or SocketException or TaskCanceledException)
            {
                return true;
            }

            if (e is AggregateException { InnerExceptions.Count: > 1 } aggregate)
            {
                return aggregate.InnerExceptions.All(IsConnectionLoss);
            }
        }

        return false;
    }

    internal static async Task WhenSomeCompleteAsync<T>(Task<T>[] tasks, int count, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (tasks.Count(t => t.IsCompleted) < Math.Min(count, tasks.Length))
        {
            Assert.True(clock.Elapsed < timeout, $"Fewer than {count} of {tasks.Length} requests completed within {timeout.TotalSeconds:0}s.");
            await Task.WhenAny(Task.WhenAny(tasks), Task.Delay(50));
        }
    }

    private static StringContent JsonContent(object body)
        => new(JsonSerializer.Serialize(body, ApiFactory.Json), System.Text.Encoding.UTF8, "application/json");

    private static async Task AssertOrdersReadableAsync(HttpClient client, IEnumerable<OrderView> orders)
    {
        foreach (var order in orders)
        {
            var read = await (await client.GetAsync($"/v1/orders/{order.Id}")).ReadAsync<OrderView>(200, $"read acknowledged order {order.Id} after restart");
            Assert.True(read.Status == OrderStatus.Confirmed && Lines(read) == Lines(order) && read.Customer == order.Customer,
                $"Order {order.Id} after restart: expected placed, customer {order.Customer.Id}, lines [{Lines(order)}]; " +
                $"got {read.Status}, customer {read.Customer.Id}, lines [{Lines(read)}].");
        }
    }

    // Reserved per SKU must be exactly what the acknowledged orders hold.
    private static async Task AssertReservedAsync(HttpClient ops, IReadOnlyCollection<OrderView> acknowledged, params (string Sku, int OnHand)[] skus)
    {
        foreach (var (sku, onHand) in skus)
        {
            var expected = acknowledged.SelectMany(o => o.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);
            var view = await (await ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, $"inventory of {sku}");
            Assert.True(view.Reserved == expected && view.OnHand == onHand && view.Available == onHand - expected,
                $"{sku}: expected on hand {onHand}, reserved {expected} (the acknowledged orders), available {onHand - expected}; " +
                $"got on hand {view.OnHand}, reserved {view.Reserved}, available {view.Available}.");
        }
    }

    private static string Lines(OrderView order)
        => string.Join("; ", order.Lines.Select(l => $"{l.Sku} x{l.Quantity} @{l.UnitPrice:0.00} at {string.Join(",", l.Allocations.Select(a => $"{a.Location}:{a.Quantity}"))}"));
}
