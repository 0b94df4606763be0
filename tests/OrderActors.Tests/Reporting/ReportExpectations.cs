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
        => LiveSales(order).Select(s => (s.Sku, s.Units, s.Revenue)).ToArray();

    /// <summary>
    /// <see cref="LiveSkus"/> with money as the sales report counts it: a unit's revenue is its price less its share of
    /// its line's discount (and of its tax when prices include tax); its discount and tax are its shares of the line's.
    /// </summary>
    public static IReadOnlyList<(string Sku, long Units, decimal Revenue, decimal Discount, decimal Tax)> LiveSales(OrderView order)
    {
        if (order.Status is not (OrderStatus.Confirmed or OrderStatus.Completed))
        {
            return [];
        }

        var cancelled = order.Shipments.Where(s => s.Status == "cancelled").Select(s => s.Location).ToHashSet();
        // Backordered units are sold like any other; those a cancellation took off before they were allocated are
        // neither allocated nor still backordered.
        var live = order.Lines.Select(l => l.Quantity - l.Allocations.Where(a => cancelled.Contains(a.Location)).Sum(a => a.Quantity)
            - (l.Quantity - l.Allocations.Sum(a => a.Quantity) - l.Backordered)).ToArray();
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
        decimal Share(int i, decimal amount) => net[i] * amount / order.Lines[i].Quantity * charged;
        return Enumerable.Range(0, net.Length)
            .GroupBy(i => order.Lines[i].Sku, StringComparer.Ordinal)
            .Where(g => g.Sum(i => live[i]) > 0)
            .Select(g => (g.Key, charged == 0 ? 0L : g.Sum(i => (long)net[i]),
                g.Sum(i => net[i] * order.Lines[i].UnitPrice * charged - Share(i, order.Lines[i].Discount + (order.TaxIncluded ? order.Lines[i].Tax : 0))),
                g.Sum(i => Share(i, order.Lines[i].Discount)),
                g.Sum(i => Share(i, order.Lines[i].Tax))))
            .ToArray();
    }

    public static IReadOnlyList<SalesRow> SalesRows(IEnumerable<OrderView> orders, DateOnly from, DateOnly to, SalesGrouping groupBy)
        => Unrounded(orders, from, to, groupBy).Select(Rounded).ToArray();

    private static decimal Money(decimal amount, string currency) => Math.Round(amount, OrderActors.Grains.IsoCodes.MinorUnits(currency), MidpointRounding.AwayFromZero);

    // A report keeps every fraction of a cent in its sums and rounds each figure it shows once.
    private static SalesRow Rounded(SalesRow r)
        => r with { Revenue = Money(r.Revenue, r.Currency), Discount = Money(r.Discount, r.Currency), Tax = Money(r.Tax, r.Currency), Shipping = Money(r.Shipping, r.Currency) };

    private static IReadOnlyList<SalesRow> Unrounded(IEnumerable<OrderView> orders, DateOnly from, DateOnly to, SalesGrouping groupBy)
    {
        var rows = new Dictionary<(string Key, string Currency), SalesRow>();
        foreach (var order in orders)
        {
            var day = ConfirmedOn(order);
            var live = LiveSales(order);
            if (day < from || day > to || live.Count == 0)
            {
                continue;
            }

            // Shipping is the order's, not a SKU's: it is in day and channel rows, with its tax.
            var shippingTax = order.TaxTotal - order.Lines.Sum(l => l.Tax);
            var shipping = order.ShippingTotal - (order.TaxIncluded ? shippingTax : 0);
            var orderRow = (Units: live.Sum(s => s.Units), Revenue: live.Sum(s => s.Revenue), Discount: live.Sum(s => s.Discount), Tax: live.Sum(s => s.Tax) + shippingTax, Shipping: shipping);
            var groups = groupBy switch
            {
                SalesGrouping.Sku => live.Select(s => (Key: s.Sku, s.Units, s.Revenue, s.Discount, s.Tax, Shipping: 0m)),
                SalesGrouping.Channel => [(Name(order.Channel), orderRow.Units, orderRow.Revenue, orderRow.Discount, orderRow.Tax, orderRow.Shipping)],
                _ => [(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), orderRow.Units, orderRow.Revenue, orderRow.Discount, orderRow.Tax, orderRow.Shipping)],
            };
            foreach (var (key, units, revenue, discount, tax, shippingOfRow) in groups)
            {
                var sum = rows.GetValueOrDefault((key, order.Currency)) ?? new SalesRow(key, order.Currency, 0, 0, 0);
                rows[(key, order.Currency)] = sum with
                {
                    Units = sum.Units + units, Revenue = sum.Revenue + revenue, Orders = sum.Orders + (order.ReplacementFor is null ? 1 : 0),
                    Discount = sum.Discount + discount, Tax = sum.Tax + tax, Shipping = sum.Shipping + shippingOfRow,
                };
            }
        }

        return rows.Values.Where(r => (r.Units, r.Revenue, r.Orders, r.Discount, r.Tax, r.Shipping) != (0, 0m, 0, 0m, 0m, 0m))
            .OrderBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Currency, StringComparer.Ordinal)
            .ToArray();
    }

    public static void AssertSales(IEnumerable<OrderView> orders, SalesReport report)
    {
        var all = orders.ToArray();
        Assert.Equal(Describe(SalesRows(all, report.From, report.To, report.GroupBy)), Describe(report.Rows));

        // Totals are the same whatever the grouping: shipping included, every figure rounded once.
        var totals = Unrounded(all, report.From, report.To, SalesGrouping.Day).GroupBy(r => r.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Rounded(new SalesRow("", g.Key, g.Sum(r => r.Units), g.Sum(r => r.Revenue), g.Sum(r => r.Orders), g.Sum(r => r.Discount), g.Sum(r => r.Tax), g.Sum(r => r.Shipping))));
        Assert.Equal(Describe(totals), Describe(report.Totals.Select(t => new SalesRow("", t.Currency, t.Units, t.Revenue, t.Orders, t.Discount, t.Tax, t.Shipping))));
    }

    public static IReadOnlyList<string> Describe(IEnumerable<SalesRow> rows)
        => rows.Select(r => $"{r.Key} {r.Currency} {r.Units} {r.Revenue:0.00} {r.Orders} discount {r.Discount:0.00} tax {r.Tax:0.00} shipping {r.Shipping:0.00}").ToArray();

    /// <summary>Every order as the list shows it, newest first.</summary>
    public static IReadOnlyList<OrderListItem> OrderList(IEnumerable<OrderView> orders)
        => orders
            .Select(o => new OrderListItem(o.Id, o.Status, o.PaymentStatus, o.FulfillmentStatus, o.Channel, o.Customer.Id, o.Currency, o.Subtotal, o.PlacedAt))
            .OrderByDescending(o => o.PlacedAt).ThenByDescending(o => o.Id, StringComparer.Ordinal)
            .ToArray();

    public static string Describe(OrderListItem o)
        => $"{o.Id} {o.Status} {o.PaymentStatus} {o.FulfillmentStatus} {o.Channel} {o.CustomerId} {o.Currency} {o.Subtotal:0.00} {o.PlacedAt.UtcTicks}";

    /// <param name="carts">The cart figures expected; none (no cart was ever created) by default.</param>
    public static void AssertKpis(IReadOnlyCollection<OrderView> all, KpiReport report, CartStats? carts = null)
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
        Assert.Equal(carts ?? new CartStats(0, 0, 0, 0, 0, new RateStat(null, 0, 0)), report.Carts);
    }

    private static void AssertDurations(IEnumerable<double> hours, DurationStats actual, string what)
    {
        var sorted = hours.Order().ToArray();
        double? Rank(int percent) => sorted.Length == 0 ? null : sorted[Math.Max(0, (int)Math.Ceiling(percent / 100m * sorted.Length) - 1)];
        Assert.True(sorted.Length == actual.Count, $"{what}: {sorted.Length} orders expected, the report has {actual.Count}");
        AssertRounded(Rank(50), actual.P50, $"{what} p50");
        AssertRounded(Rank(95), actual.P95, $"{what} p95");
    }

    // The report counts durations rounded to three significant digits of minutes: to the minute, or within 0.5 %.
    private static void AssertRounded(double? expected, double? actual, string what)
    {
        Assert.True(expected.HasValue == actual.HasValue, $"{what}: expected {expected}, the report has {actual}");
        if (expected is { } hours)
        {
            var tolerance = Math.Max(0.5 / 60, Math.Abs(hours) * 0.005) + 1e-9;
            Assert.True(Math.Abs(actual!.Value - hours) <= tolerance, $"{what}: expected {hours} h (± {tolerance}), the report has {actual} h");
        }
    }

    public static void AssertInventory(IEnumerable<InventoryView> stock, IReadOnlyList<InventoryLevel> levels, Func<string, int> threshold)
    {
        var expected = stock.OrderBy(s => s.Sku, StringComparer.Ordinal)
            .Select(s => $"{s.Sku} {s.OnHand} {s.Reserved} {s.Available} {s.Committed} {s.InTransit} {s.WrittenOff} {s.Backordered} {threshold(s.Sku)} {s.Available <= threshold(s.Sku)}");
        Assert.Equal(expected, levels.Select(l => $"{l.Sku} {l.OnHand} {l.Reserved} {l.Available} {l.Committed} {l.InTransit} {l.WrittenOff} {l.Backordered} {l.Threshold} {l.Low}"));
    }
}
