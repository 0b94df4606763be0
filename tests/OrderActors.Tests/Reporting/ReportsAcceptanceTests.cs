using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Reporting;

/// <summary>
/// The reporting acceptance check: a few hundred orders placed, shipped, delivered and cancelled through the API, and
/// carts bought, left or left and then bought; once every report has caught up with the event feed, each equals what
/// the orders and carts themselves say.
/// </summary>
public sealed class ReportsAcceptanceTests : IDisposable
{
    private const int Orders = 300;
    private static readonly string[] Channels = ["web", "mobile", "phone", "store", "kiosk", "marketplace"];
    private static readonly string[] Priorities = ["standard", "express", "vip"];
    private static readonly decimal[] Prices = [4.99m, 10m, 19.90m, 0.50m, 125m];

    // "a" runs out at main and continues at east, so later orders split; "b" is only at main, "c" only at east;
    // "low" runs out (some placements are refused); "idle" is never ordered; "back" runs out and is backordered (it
    // takes orders beyond stock: they are placed, and count in the sales like any other).
    private static readonly Dictionary<string, Dictionary<string, int>> Stock = new()
    {
        ["rpt-a"] = new() { ["main"] = 40, ["east"] = 5000 },
        ["rpt-b"] = new() { ["main"] = 5000 },
        ["rpt-c"] = new() { ["east"] = 5000 },
        ["rpt-d"] = new() { ["main"] = 300, ["east"] = 300 },
        ["rpt-low"] = new() { ["main"] = 14 },
        ["rpt-idle"] = new() { ["main"] = 3 },
        ["rpt-back"] = new() { ["main"] = 12 },
    };

    private const string Backorderable = "rpt-back";

    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(1);

    private readonly ShiftedClock _clock = new();
    private readonly ApiFactory _api;

    public ReportsAcceptanceTests()
        => _api = new ApiFactory(settings: new Dictionary<string, string?>
        {
            ["OrderActors:Carts:AbandonedAfter"] = AbandonedAfter.ToString(),
            ["OrderActors:Reports:OrderListScanLimit"] = "5", // every filtered list below goes through short pages and cursors
        }, time: _clock);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task Every_report_equals_a_direct_computation_over_the_orders_once_it_has_caught_up_with_the_feed()
    {
        var ops = _api.ClientWithKey(ApiFactory.OpsKey);
        var storefront = _api.ClientWithKey(ApiFactory.StorefrontKey);
        var analytics = _api.ClientWithKey(ApiFactory.AnalyticsKey);
        await StockAsync(ops);
        var (carts, boughtAtOnce) = await OpenCartsAsync(storefront, 24);
        var placed = await PlaceAsync(storefront, 0, Orders);
        Assert.InRange(placed.Count, Orders * 8 / 10, Orders - 1); // some wanted the last units of rpt-low
        await DriveAsync(storefront, ops, placed);
        var (expectedCarts, cartOrders) = await LeaveCartsAsync(storefront, carts);

        var last = await LastPositionAsync(analytics);
        await Eventually.TrueAsync(async () =>
        {
            foreach (var url in new[] { "/v1/reports/sales", "/v1/reports/kpis", "/v1/reports/orders?limit=1", "/v1/reports/inventory?limit=1", "/v1/reports/low-stock?limit=1" })
            {
                if (JsonDocument.Parse(await analytics.GetStringAsync(url)).RootElement.GetProperty("checkpoint").GetInt64() < last)
                {
                    return false;
                }
            }

            return true;
        }, $"every report reached position {last}", TimeSpan.FromSeconds(20));
        await WaitUntilCaughtUpAsync(_api.ClientWithKey(ApiFactory.AdminKey), last, TimeSpan.FromSeconds(20));

        await AssertReportsAsync(storefront, ops, analytics, placed.Values.Select(o => o.Id).Concat(boughtAtOnce).Concat(cartOrders), expectedCarts);
    }

    // Carts, by index: 0 bought at once; 1 left with items; 2 left, then changed and bought (recovered); 3 never given
    // an item. All are opened before the orders are placed (those left may be abandoned by their reminder meanwhile).
    // Returns them with the orders the bought ones became.
    private static async Task<(List<(int Kind, CartView Cart)> Carts, List<string> Orders)> OpenCartsAsync(HttpClient storefront, int count)
    {
        var (carts, orders) = (new List<(int, CartView)>(), new List<string>());
        for (var i = 0; i < count; i++)
        {
            var cart = await (await storefront.PostJsonAsync("/v1/carts", new
            {
                currency = "USD",
                channel = Channels[i % Channels.Length],
                customer = new { id = $"cart-cust-{i}", email = $"cart{i}@example.com" },
                lines = i % 4 == 3 ? [] : new[] { new { sku = i % 2 == 0 ? "rpt-b" : "rpt-c", quantity = 1 + i % 3 } },
                shippingAddress = new { name = "Ana Buyer", line1 = "1 Main St", city = "Springfield", region = i % 8 < 4 ? "CA" : null, postalCode = "12345", country = "US" },
                discountCode = i % 3 == 0 ? "RPT10" : null,
            })).ReadAsync<CartView>(201, $"cart {i}");
            carts.Add((i % 4, cart));
            if (i % 4 == 0)
            {
                orders.Add((await CompleteCartAsync(storefront, cart.Id)).Id); // long before it could be abandoned
            }
        }

        return (carts, orders);
    }

    // Lets the abandonment delay pass, then buys the carts of kind 2, half of them changed first; returns the cart
    // figures the report should show, from the carts as they are then, and the orders they became.
    private async Task<(CartStats Expected, List<string> Orders)> LeaveCartsAsync(HttpClient storefront, List<(int Kind, CartView Cart)> carts)
    {
        var orders = new List<string>();
        _clock.Advance(AbandonedAfter);
        var grains = _api.Services.GetRequiredService<IGrainFactory>();
        foreach (var (_, cart) in carts) // the reminders tick on real time, once a minute at the fastest: the test ticks them
        {
            await grains.GetGrain<ICartGrain>(cart.Id).AsReference<IRemindable>().ReceiveReminder(CartGrain.AbandonmentReminder, default);
        }

        foreach (var ((_, cart), n) in carts.Where(c => c.Kind == 2).Select((c, n) => (c, n)))
        {
            if (n % 2 == 0) // the other half is bought as it was
            {
                var line = cart.Lines.Single();
                var changed = await (await storefront.PutJsonAsync($"/v1/carts/{cart.Id}/lines/{line.Sku}", new { quantity = line.Quantity + 1 })).ReadAsync<CartView>(200, $"change {cart.Id}");
                Assert.False(changed.Abandoned, $"a change brings {cart.Id} back");
            }

            orders.Add((await CompleteCartAsync(storefront, cart.Id)).Id);
        }

        var now = new List<(int Kind, CartView Cart)>();
        foreach (var (kind, cart) in carts)
        {
            now.Add((kind, await (await storefront.GetAsync($"/v1/carts/{cart.Id}")).ReadAsync<CartView>(200, $"read {cart.Id}")));
        }

        Assert.All(now, c => Assert.Equal((c.Kind is 0 or 2 ? CartStatus.Completed : CartStatus.Open, c.Kind == 1), (c.Cart.Status, c.Cart.Abandoned)));
        var (completed, abandoned) = (now.Count(c => c.Cart.Status == CartStatus.Completed), now.Count(c => c.Cart.Abandoned));
        var recovered = now.Count(c => c.Kind == 2 && c.Cart.Status == CartStatus.Completed); // abandoned on the tick above, bought after
        return (new CartStats(now.Count, carts.Count(c => c.Cart.Lines.Count > 0), completed, abandoned, recovered,
            new RateStat((double)abandoned / (abandoned + completed), abandoned, abandoned + completed)), orders);
    }

    private static async Task<OrderView> CompleteCartAsync(HttpClient storefront, string cart)
        => await (await storefront.PostJsonAsync($"/v1/carts/{cart}/complete", new { payment = new { method = "card", token = "tok_visa" } }))
            .ReadAsync<OrderView>(201, $"complete {cart}");

    /// <summary>Stocks the SKUs the orders of <see cref="PlaceAsync"/> ask for.</summary>
    internal static async Task StockAsync(HttpClient ops)
    {
        foreach (var ((sku, locations), i) in Stock.Select((s, i) => (s, i)))
        {
            var price = Prices[i % Prices.Length]; // each SKU its own catalog price, the same number in both currencies
            (await ops.PutJsonAsync($"/v1/products/{sku}", new { title = sku, prices = new Dictionary<string, decimal> { ["USD"] = price, ["EUR"] = price }, backorder = sku == Backorderable }))
                .EnsureSuccessStatusCode();
            (await ops.PutJsonAsync($"/v1/inventory/{sku}", new { locations, substitutes = Array.Empty<string>() })).EnsureSuccessStatusCode();
        }

        // Totals in the reports: a code some orders use, sales tax in California (shipping taxed), VAT-style in Nevada.
        (await ops.PutJsonAsync("/v1/discounts/RPT10", new { kind = "percentage", value = 10m })).EnsureSuccessStatusCode();
        (await ops.PutJsonAsync("/v1/tax-regions/US-CA", new { rates = new { standard = 7.25m }, taxShipping = true })).EnsureSuccessStatusCode();
        (await ops.PutJsonAsync("/v1/tax-regions/US-NV", new { rates = new { standard = 8m }, pricesIncludeTax = true })).EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Places orders <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 over several channels, priorities,
    /// currencies and SKUs, <paramref name="parallel"/> at a time; some are refused for want of stock. Returns the placed ones by index.
    /// </summary>
    internal static async Task<IReadOnlyDictionary<int, OrderView>> PlaceAsync(HttpClient storefront, int first, int count, int parallel = 8)
    {
        var placed = new ConcurrentDictionary<int, OrderView>();
        await Parallel.ForEachAsync(Enumerable.Range(first, count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, _) =>
        {
            var response = await storefront.PostJsonAsync("/v1/orders", OrderBody(i));
            if ((int)response.StatusCode == 409)
            {
                await response.AssertProblemAsync(409, "out-of-stock", $"order {i}");
                return;
            }

            placed[i] = await response.ReadAsync<OrderView>(201, $"order {i}");
        });
        return placed;
    }

    /// <summary>Takes the placed orders, by index, through cancellation, shipping, delivery, partial cancellation and edits, or leaves them waiting.</summary>
    internal static async Task DriveAsync(HttpClient storefront, HttpClient ops, IReadOnlyDictionary<int, OrderView> placed)
    {
        await Parallel.ForEachAsync(placed, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (entry, _) =>
        {
            var (i, order) = entry;
            var shipments = order.Shipments.Select(s => s.Id).ToArray();
            switch (i % 6)
            {
                case 0: // cancelled before anything shipped
                    (await storefront.PostJsonAsync($"/v1/orders/{order.Id}/cancel", new { reason = "changed mind" })).EnsureSuccessStatusCode();
                    break;
                case 1: // shipped and delivered: completed
                    foreach (var shipment in shipments)
                    {
                        await ShipAsync(ops, shipment);
                        await StepAsync(ops, shipment, "tracking", new { status = "delivered" });
                    }

                    break;
                case 2: // the first shipment leaves, the rest is cancelled: a partial cancellation with a refund
                    await ShipAsync(ops, shipments[0]);
                    if (shipments.Length > 1)
                    {
                        (await storefront.PostJsonAsync($"/v1/orders/{order.Id}/cancel", new { reason = "too slow" })).EnsureSuccessStatusCode();
                    }

                    break;
                case 3: // all shipped, the first delivered
                    foreach (var shipment in shipments)
                    {
                        await ShipAsync(ops, shipment);
                    }

                    await StepAsync(ops, shipments[0], "tracking", new { status = "delivered" });
                    break;
                case 4: // picked only
                    await StepAsync(ops, shipments[0], "pick", new { });
                    break;
                case 5: // edited before it shipped (one more unit of its first SKU, when there is one to have), then delivered
                    var lines = order.Lines.GroupBy(l => l.Sku).Select((g, n) => new { sku = g.Key, quantity = g.Sum(l => l.Quantity) + (n == 0 ? 1 : 0) }).ToArray();
                    var edit = await storefront.PostJsonAsync($"/v1/orders/{order.Id}/edits", new { lines, version = order.Version });
                    Assert.True(edit.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Conflict, $"edit {order.Id}: {await edit.Content.ReadAsStringAsync(CancellationToken.None)}");
                    var edited = await (await storefront.GetAsync($"/v1/orders/{order.Id}", CancellationToken.None)).ReadAsync<OrderView>(200, $"read {order.Id}");
                    foreach (var shipment in edited.Shipments.Select(s => s.Id))
                    {
                        await ShipAsync(ops, shipment);
                        await StepAsync(ops, shipment, "tracking", new { status = "delivered" });
                    }

                    break;
            }
        });
    }

    /// <summary>Checks every report against a direct computation over the orders, as their grains tell them now.</summary>
    /// <param name="carts">The cart figures the KPI report should show; none by default.</param>
    internal static async Task AssertReportsAsync(HttpClient storefront, HttpClient ops, HttpClient analytics, IEnumerable<string> orderIds, CartStats? carts = null)
    {
        var orders = new List<OrderView>();
        foreach (var id in orderIds)
        {
            orders.Add(await (await storefront.GetAsync($"/v1/orders/{id}")).ReadAsync<OrderView>(200, $"read {id}"));
        }

        Assert.Contains(orders, o => o.Timeline.Any(t => t.Type == "order.partially_cancelled"));
        Assert.Contains(orders, o => o.Timeline.Any(t => t.Type == "order.edited"));
        Assert.Contains(orders, o => o.Status == OrderStatus.Completed);
        Assert.Contains(orders, o => o.Status == OrderStatus.Confirmed && o.Lines.Any(l => l.Backordered > 0));

        // Orders by status, overall and per channel.
        var byStatus = await (await analytics.GetAsync("/v1/reports/orders-by-status")).ReadAsync<OrdersByStatusReport>(200, "orders by status");
        Assert.Equal(orders.Count, byStatus.Total);
        Assert.Equal(Counts(orders), Counts(byStatus.ByStatus));
        Assert.Equal(
            orders.GroupBy(o => ReportExpectations.Name(o.Channel)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {Counts(g)}"),
            byStatus.ByChannel.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {Counts(c.Value)}"));

        // Sales, each grouping, over the default range (the last 30 days) and as CSV.
        foreach (var groupBy in new[] { "day", "sku", "channel" })
        {
            var report = await (await analytics.GetAsync($"/v1/reports/sales?groupBy={groupBy}")).ReadAsync<SalesReport>(200, $"sales by {groupBy}");
            Assert.NotEmpty(report.Rows);
            ReportExpectations.AssertSales(orders, report);
            var csv = await analytics.GetStringAsync($"/v1/reports/sales.csv?groupBy={groupBy}");
            Assert.Equal(
                [$"{groupBy},currency,units,revenue,orders,discount,tax,shipping",
                    .. report.Rows.Select(r => string.Join(',', r.Key, r.Currency, r.Units, Money(r.Revenue), r.Orders, Money(r.Discount), Money(r.Tax), Money(r.Shipping)))],
                csv.Split("\r\n")[..^1]);
        }

        Assert.Contains(ReportExpectations.SalesRows(orders, DateOnly.MinValue, DateOnly.MaxValue, SalesGrouping.Sku), r => r.Currency == "EUR");

        // The order list, paged, unfiltered and filtered, and as CSV.
        var all = ReportExpectations.OrderList(orders);
        Assert.Equal(all.Select(ReportExpectations.Describe), (await ListAsync(analytics, "limit=37")).Select(ReportExpectations.Describe));
        var today = DateOnly.FromDateTime(orders[0].PlacedAt.UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var (filter, keep) in new (string, Func<OrderListItem, bool>)[]
        {
            ("status=cancelled", o => o.Status == OrderStatus.Cancelled),
            ("status=completed&channel=web", o => o.Status == OrderStatus.Completed && o.Channel == SalesChannel.Web),
            ("customer=cust-3", o => o.CustomerId == "cust-3"),
            ($"from={today}&to={today}&channel=kiosk", o => o.Channel == SalesChannel.Kiosk && ReportExpectations.Day(o.PlacedAt) == today),
        })
        {
            var expected = all.Where(keep).Select(ReportExpectations.Describe).ToArray();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, (await ListAsync(analytics, $"{filter}&limit=7")).Select(ReportExpectations.Describe));
        }

        var ordersCsv = (await analytics.GetStringAsync("/v1/reports/orders.csv")).Split("\r\n")[..^1];
        Assert.Equal("id,status,paymentStatus,fulfillmentStatus,channel,customerId,currency,subtotal,placedAt", ordersCsv[0]);
        Assert.Equal(all.Select(o => o.Id), ordersCsv[1..].Select(line => line.Split(',')[0]));

        ReportExpectations.AssertKpis(orders, await (await analytics.GetAsync("/v1/reports/kpis")).ReadAsync<KpiReport>(200, "kpis"), carts);

        // Inventory levels, paged, and low stock, against the inventory grains.
        var stock = new List<InventoryView>();
        foreach (var sku in Stock.Keys)
        {
            stock.Add(await (await ops.GetAsync($"/v1/inventory/{sku}")).ReadAsync<InventoryView>(200, sku));
        }

        var levels = new List<InventoryLevel>();
        string? cursor = null;
        do
        {
            var page = await (await analytics.GetAsync($"/v1/reports/inventory?limit=4{(cursor is null ? "" : $"&cursor={cursor}")}")).ReadAsync<InventoryPageBody>(200, "inventory");
            levels.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);
        ReportExpectations.AssertInventory(stock, levels, _ => 5);
        var low = await (await analytics.GetAsync("/v1/reports/low-stock")).ReadAsync<LowStockReport>(200, "low stock");
        Assert.Equal(
            stock.Where(s => s.Available <= 5).OrderBy(s => s.Available).ThenBy(s => s.Sku, StringComparer.Ordinal).Select(s => s.Sku),
            low.Items.Select(l => l.Sku));
        Assert.Contains("rpt-idle", low.Items.Select(l => l.Sku));
    }

    private static string Counts(IEnumerable<OrderView> orders)
        => Counts(orders.GroupBy(o => ReportExpectations.Name(o.Status)).ToDictionary(g => g.Key, g => g.Count()));

    private static string Counts(IReadOnlyDictionary<string, int> counts)
        => string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

    private sealed record SubscriptionsBody(List<SubscriptionBody> Subscriptions);

    private sealed record SubscriptionBody(string Name, long Checkpoint, string? Stream);

    private sealed record InventoryPageBody(long Checkpoint, List<InventoryLevel> Items, string? Next);

    private sealed record OrdersPageBody(long Checkpoint, List<OrderListItem> Orders, string? Next);

    internal static async Task<List<OrderListItem>> ListAsync(HttpClient client, string query)
    {
        var items = new List<OrderListItem>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/v1/reports/orders?{query}{(cursor is null ? "" : $"&cursor={cursor}")}")).ReadAsync<OrdersPageBody>(200, $"orders {query}");
            items.AddRange(page.Orders);
            cursor = page.Next;
        }
        while (cursor is not null);
        return items;
    }

    /// <summary>Waits until every projection has read the feed up to <paramref name="position"/>, as the admin subscriptions endpoint shows.</summary>
    internal static async Task WaitUntilCaughtUpAsync(HttpClient admin, long position, TimeSpan timeout)
    {
        await Eventually.TrueAsync(async () =>
        {
            var subscriptions = await (await admin.GetAsync("/v1/admin/subscriptions")).ReadAsync<SubscriptionsBody>(200, "subscriptions");
            return subscriptions.Subscriptions.All(s => s.Stream is not null || s.Checkpoint >= position); // explicit ones count sequences
        }, $"every projection read the feed up to {position}", timeout);
    }

    internal static async Task<long> LastPositionAsync(HttpClient client)
    {
        long position = 0;
        while (true)
        {
            var next = JsonDocument.Parse(await client.GetStringAsync($"/v1/events?after={position}&limit=1000")).RootElement.GetProperty("next").GetInt64();
            if (next == position)
            {
                return position;
            }

            position = next;
        }
    }

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    internal static object OrderBody(int i)
    {
        var random = new Random(i);
        var skus = new[] { "rpt-a", "rpt-b", "rpt-c", "rpt-d" }.OrderBy(_ => random.Next()).Take(1 + random.Next(3)).ToList();
        if (i % 8 == 5)
        {
            skus.Add("rpt-low");
        }

        if (i % 8 == 3)
        {
            skus.Add(Backorderable);
        }

        return new
        {
            customer = new { id = $"cust-{i % 17}", email = $"c{i}@example.com" },
            channel = Channels[i / 5 % Channels.Length],
            priority = Priorities[i / 2 % Priorities.Length],
            currency = i % 10 == 9 ? "EUR" : "USD",
            lines = skus.Select(sku => new { sku, quantity = 1 + random.Next(3) }).ToArray(), // priced by the catalog
            shippingAddress = new { name = "Ana Buyer", line1 = "1 Main St", city = "Springfield", region = (i % 5) switch { 1 => "CA", 2 => "NV", _ => null }, postalCode = "12345", country = "US" },
            shippingMethod = i % 3 == 0 && i % 10 != 9 ? "ground-co" : null, // the built-in tariffs are in USD
            discountCode = i % 4 == 1 ? "RPT10" : null,
            payment = new { method = "card", token = "tok_visa" },
        };
    }

    private static async Task ShipAsync(HttpClient ops, string shipment)
    {
        foreach (var step in new[] { "pick", "pack", "ship" })
        {
            await StepAsync(ops, shipment, step, new { });
        }
    }

    private static async Task StepAsync(HttpClient ops, string shipment, string step, object body)
    {
        var response = await ops.PostJsonAsync($"/v1/shipments/{shipment}/{step}", body);
        Assert.True(response.IsSuccessStatusCode, $"{step} {shipment}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
