using System.Text.Json;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Reporting;

namespace OrderActors.Tests.Reporting;

/// <summary>
/// The reports computed directly from the orders as their grains tell them (<c>GET /v1/orders/{id}</c>), with the
/// rules the reports document: what the projections build from events must come out the same.
/// </summary>
internal static class ReportExpectations
{
    private static readonly HashSet<string> ShippedTypes =
        ["shipment.shipped", "shipment.in_transit", "shipment.out_for_delivery", "shipment.delivered", "shipment.failed_attempt", "shipment.returned_to_sender"];

    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static string Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public static DateOnly ConfirmedOn(OrderView order) => DateOnly.FromDateTime(order.Timeline.First(t => t.Type == "order.confirmed").At.UtcDateTime);

    /// <summary>
    /// An order's confirmed, not cancelled units per SKU, net of refunded units: a line's units allocated to a cancelled
    /// shipment's location are cancelled; a SKU's refunded units come off its cheapest lines first. A replacement counts
    /// in the share of its net value charged on it (captured − refunded).
    /// </summary>
    public static IReadOnlyList<(string Sku, long Units, decimal Revenue)> LiveSkus(OrderView order)
    {
        if (order.Status is not (OrderStatus.Confirmed or OrderStatus.Completed))
        {
            return [];
        }

        var cancelled = order.Shipments.Where(s => s.Status == "cancelled").Select(s => s.Location).ToHashSet();
        var live = order.Lines.Select(l => l.Quantity - l.Allocations.Where(a => cancelled.Contains(a.Location)).Sum(a => a.Quantity)).ToArray();
        var net = live.ToArray();
        foreach (var refunded in order.Refunds.Where(r => r.Status == RefundStatus.Refunded).SelectMany(r => r.Lines).GroupBy(l => l.Sku))
        {
            var left = refunded.Sum(l => l.Quantity);
            foreach (var i in Enumerable.Range(0, order.Lines.Count).Where(i => order.Lines[i].Sku == refunded.Key).OrderBy(i => order.Lines[i].UnitPrice).ThenBy(i => i))
            {
                var taken = Math.Min(left, live[i]);
                net[i] = live[i] - taken;
                left -= taken;
            }
        }

        var value = Enumerable.Range(0, net.Length).Sum(i => net[i] * order.Lines[i].UnitPrice);
        var charged = order.ReplacementFor is null ? 1m
            : value <= 0 ? 0m
            : Math.Clamp((order.Payment.Captured - order.Payment.Refunded) / value, 0, 1);
        return Enumerable.Range(0, net.Length)
            .GroupBy(i => order.Lines[i].Sku, StringComparer.Ordinal)
            .Where(g => g.Sum(i => live[i]) > 0)
            .Select(g => (g.Key, charged == 0 ? 0L : g.Sum(i => (long)net[i]), g.Sum(i => net[i] * order.Lines[i].UnitPrice) * charged))
            .ToArray();
    }

    public static IReadOnlyList<SalesRow> SalesRows(IEnumerable<OrderView> orders, DateOnly from, DateOnly to, SalesGrouping groupBy)
    {
        var rows = new Dictionary<(string Key, string Currency), (long Units, decimal Revenue, long Orders)>();
        foreach (var order in orders)
        {
            var day = ConfirmedOn(order);
            var live = LiveSkus(order);
            if (day < from || day > to || live.Count == 0)
            {
                continue;
            }

            var groups = groupBy switch
            {
                SalesGrouping.Sku => live.Select(s => (Key: s.Sku, s.Units, s.Revenue)),
                SalesGrouping.Channel => [(Name(order.Channel), live.Sum(s => s.Units), live.Sum(s => s.Revenue))],
                _ => [(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), live.Sum(s => s.Units), live.Sum(s => s.Revenue))],
            };
            foreach (var (key, units, revenue) in groups)
            {
                var sum = rows.GetValueOrDefault((key, order.Currency));
                rows[(key, order.Currency)] = (sum.Units + units, sum.Revenue + revenue, sum.Orders + (order.ReplacementFor is null ? 1 : 0));
            }
        }

        return rows.Where(r => r.Value != (0, 0m, 0)).OrderBy(r => r.Key.Key, StringComparer.Ordinal).ThenBy(r => r.Key.Currency, StringComparer.Ordinal)
            .Select(r => new SalesRow(r.Key.Key, r.Key.Currency, r.Value.Units, r.Value.Revenue, r.Value.Orders)).ToArray();
    }

    public static void AssertSales(IEnumerable<OrderView> orders, SalesReport report)
    {
        var expected = SalesRows(orders, report.From, report.To, report.GroupBy);
        Assert.Equal(Describe(expected), Describe(report.Rows));
        var totals = expected.GroupBy(r => r.Currency).ToDictionary(g => g.Key, g => g.Sum(r => r.Revenue));
        if (report.GroupBy == SalesGrouping.Day)
        {
            Assert.Equal(
                expected.GroupBy(r => r.Currency).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Sum(r => r.Units)} {g.Sum(r => r.Revenue):0.00} {g.Sum(r => r.Orders)}"),
                report.Totals.Select(t => $"{t.Currency} {t.Units} {t.Revenue:0.00} {t.Orders}"));
        }
        else
        {
            Assert.Equal(totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value:0.00}"), report.Totals.Select(t => $"{t.Currency} {t.Revenue:0.00}"));
        }
    }

    public static IReadOnlyList<string> Describe(IEnumerable<SalesRow> rows) => rows.Select(r => $"{r.Key} {r.Currency} {r.Units} {r.Revenue:0.00} {r.Orders}").ToArray();

    /// <summary>Every order as the list shows it, newest first.</summary>
    public static IReadOnlyList<OrderListItem> OrderList(IEnumerable<OrderView> orders)
        => orders
            .Select(o => new OrderListItem(o.Id, o.Status, o.PaymentStatus, o.FulfillmentStatus, o.Channel, o.Customer.Id, o.Currency, o.Subtotal, o.PlacedAt))
            .OrderByDescending(o => o.PlacedAt).ThenByDescending(o => o.Id, StringComparer.Ordinal)
            .ToArray();

    public static string Describe(OrderListItem o)
        => $"{o.Id} {o.Status} {o.PaymentStatus} {o.FulfillmentStatus} {o.Channel} {o.CustomerId} {o.Currency} {o.Subtotal:0.00} {o.PlacedAt.UtcTicks}";

    public static void AssertKpis(IReadOnlyCollection<OrderView> all, KpiReport report)
    {
        IReadOnlyCollection<OrderView> orders = all.Where(o => o.ReplacementFor is null).ToArray(); // replacements are not orders of their own
        DateTimeOffset? At(OrderView o, Func<string, bool> type) => o.Timeline.Where(t => type(t.Type)).Select(t => (DateTimeOffset?)t.At).Min();
        var completed = orders.Where(o => At(o, t => t == "order.completed") is not null).ToArray();
        var shipped = orders.Where(o => At(o, ShippedTypes.Contains) is not null).ToArray();
        var cancelled = orders.Count(o => o.Status == OrderStatus.Cancelled);

        Assert.Equal(new KpiCounts(orders.Count, shipped.Length, completed.Length, cancelled, orders.Count(o => o.Timeline.Any(t => t.Type == "order.partially_cancelled"))), report.Orders);
        AssertDurations(completed.Select(o => (At(o, t => t == "order.completed")!.Value - o.PlacedAt).TotalHours), report.CycleTimeHours, "cycle time");
        var byChannel = completed.GroupBy(o => o.Channel).OrderBy(g => g.Key).ToArray();
        Assert.Equal(byChannel.Select(g => g.Key), report.CycleTimeHoursByChannel.Select(c => c.Channel));
        foreach (var (channel, actual) in byChannel.Zip(report.CycleTimeHoursByChannel))
        {
            AssertDurations(channel.Select(o => (At(o, t => t == "order.completed")!.Value - o.PlacedAt).TotalHours), actual.CycleTimeHours, $"cycle time of {channel.Key}");
        }

        AssertDurations(shipped.Select(o => (At(o, ShippedTypes.Contains)!.Value - At(o, t => t == "order.confirmed")!.Value).TotalHours), report.FulfillmentTimeHours, "fulfilment time");
        var onTime = completed.Count(o => At(o, t => t == "order.completed") <= o.PromisedBy);
        Assert.Equal(new RateStat(completed.Length == 0 ? null : (double)onTime / completed.Length, onTime, completed.Length), report.OnTimeDelivery);
        Assert.Equal(new RateStat(orders.Count == 0 ? null : (double)cancelled / orders.Count, cancelled, orders.Count), report.Cancellation);
        Assert.Equal(new RateStat(completed.Length == 0 ? null : 0, 0, completed.Length), report.Returns);
        Assert.Equal(
            all.Where(o => o.Payment.Refunded > 0).GroupBy(o => o.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {g.Sum(o => o.Payment.Refunded):0.00} {g.Count()}"),
            report.Refunded.Select(r => $"{r.Currency} {r.Amount:0.00} {r.Orders}"));
        Assert.Equal(new RatingStat(null, 0), report.Rating);
    }

    private static void AssertDurations(IEnumerable<double> hours, DurationStats actual, string what)
    {
        var sorted = hours.Order().ToArray();
        double? Rank(int percent) => sorted.Length == 0 ? null : sorted[Math.Max(0, (int)Math.Ceiling(percent / 100m * sorted.Length) - 1)];
        Assert.True(sorted.Length == actual.Count, $"{what}: {sorted.Length} orders expected, the report has {actual.Count}");
        Assert.Equal(Rank(50), actual.P50);
        Assert.Equal(Rank(95), actual.P95);
    }

    public static void AssertInventory(IEnumerable<InventoryView> stock, IReadOnlyList<InventoryLevel> levels, Func<string, int> threshold)
    {
        var expected = stock.OrderBy(s => s.Sku, StringComparer.Ordinal)
            .Select(s => $"{s.Sku} {s.OnHand} {s.Reserved} {s.Available} {s.Committed} {threshold(s.Sku)} {s.Available <= threshold(s.Sku)}");
        Assert.Equal(expected, levels.Select(l => $"{l.Sku} {l.OnHand} {l.Reserved} {l.Available} {l.Committed} {l.Threshold} {l.Low}"));
    }
}
