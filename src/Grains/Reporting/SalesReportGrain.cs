using System.Globalization;
using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Reporting;

/// <summary>The model behind <see cref="ISalesReportGrain"/>.</summary>
/// <remarks>
/// <see cref="Orders"/> keeps what each order adds, so the next event of an order takes out its old contribution
/// and puts in the new one: an order is counted once whatever happens to it, and a cancellation undoes exactly
/// what it cancelled. <see cref="Days"/> holds the sums, so a report reads at most one bucket per day of its range.
/// Memory: one bucket per day, currency and SKU/channel sold; the orders' rows stay in the database (paged) and load
/// for the orders a batch changes.
/// </remarks>
public sealed record SalesModel
{
    /// <summary>Order id → what the order adds to the sales.</summary>
    [PagedStateTable]
    public StateTable<SalesContribution> Orders { get; set; } = new();

    /// <summary>Day (<c>yyyy-MM-dd</c>, UTC) → currency → the day's sales.</summary>
    public StateTable<Dictionary<string, SalesBucket>> Days { get; set; } = new();
}

/// <summary>What one order adds: its live (not cancelled) units per SKU, on its day of confirmation.</summary>
/// <param name="Day">UTC day of confirmation, <c>yyyy-MM-dd</c>.</param>
/// <param name="Currency">The order's currency.</param>
/// <param name="Channel">The order's channel, snake_case.</param>
/// <param name="Skus">Live units and revenue per SKU, net of refunds; empty for a cancelled order.</param>
/// <param name="Replacement">A replacement order: it adds no order (its units and revenue as charged).</param>
/// <param name="Shipping">The order's shipping charge, without its tax, while it has live units.</param>
/// <param name="ShippingTax">The tax on it.</param>
public sealed record SalesContribution(string Day, string Currency, string Channel, IReadOnlyList<SkuSales> Skus, bool Replacement = false, decimal Shipping = 0, decimal ShippingTax = 0);

/// <summary>An order's live units of one SKU, their net revenue, the discount taken off it and their tax.</summary>
public sealed record SkuSales(string Sku, long Units, decimal Revenue, decimal Discount = 0, decimal Tax = 0);

/// <summary>Units, net revenue, discount, tax, shipping and order count.</summary>
public sealed class SalesFigures
{
    /// <summary>Units.</summary>
    public long Units { get; set; }

    /// <summary>Net revenue: after discount, without tax.</summary>
    public decimal Revenue { get; set; }

    /// <summary>Discount taken off the units.</summary>
    public decimal Discount { get; set; }

    /// <summary>Tax on the units, and on shipping.</summary>
    public decimal Tax { get; set; }

    /// <summary>Shipping charged, without its tax.</summary>
    public decimal Shipping { get; set; }

    /// <summary>Orders.</summary>
    public long Orders { get; set; }

    internal void Add(SalesFigures change, long sign)
    {
        Units += sign * change.Units;
        Revenue += sign * change.Revenue;
        Discount += sign * change.Discount;
        Tax += sign * change.Tax;
        Shipping += sign * change.Shipping;
        Orders += sign * change.Orders;
    }

    internal bool IsEmpty => Units == 0 && Revenue == 0 && Discount == 0 && Tax == 0 && Shipping == 0 && Orders == 0;
}

/// <summary>One day's sales in one currency: totals, per SKU and per channel.</summary>
public sealed class SalesBucket
{
    /// <summary>The day's totals.</summary>
    public SalesFigures Total { get; set; } = new();

    /// <summary>Per SKU.</summary>
    public Dictionary<string, SalesFigures> BySku { get; set; } = [];

    /// <summary>Per channel.</summary>
    public Dictionary<string, SalesFigures> ByChannel { get; set; } = [];
}

/// <summary>Sales by day, SKU and channel from the orders streams; see <see cref="ISalesReportGrain"/> for what counts.</summary>
[EventLogFeedSubscription(StreamNamespaces.Orders)]
[GrainType("sales-report")]
public sealed class SalesReportGrain(
    [PersistentState("sales-report", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<SalesModel>> projection)
    : NamespaceProjectionGrain<SalesModel>(projection, OrderActorsStorage.EventLog), ISalesReportGrain
{

    public Task<SalesReport> GetAsync(SalesQuery query)
    {
        if (query.To < query.From || query.To.DayNumber - query.From.DayNumber >= SalesQuery.MaxDays)
        {
            throw DomainException.Invalid("validation-failed", $"A sales report covers 1 to {SalesQuery.MaxDays} days, from 'from' to 'to'.");
        }

        var rows = new Dictionary<(string Key, string Currency), SalesFigures>();
        var totals = new Dictionary<string, SalesFigures>(StringComparer.Ordinal);
        for (var dayNumber = query.From.DayNumber; dayNumber <= query.To.DayNumber; dayNumber++)
        {
            var day = DateOnly.FromDayNumber(dayNumber).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (!Model.Days.Peek(day, out var currencies))
            {
                continue;
            }

            foreach (var (currency, bucket) in currencies)
            {
                Sum(totals, currency, bucket.Total);
                var groups = query.GroupBy switch
                {
                    SalesGrouping.Sku => bucket.BySku,
                    SalesGrouping.Channel => bucket.ByChannel,
                    _ => new Dictionary<string, SalesFigures> { [day] = bucket.Total },
                };
                foreach (var (key, figures) in groups)
                {
                    Sum(rows, (key, currency), figures);
                }
            }
        }

        return Task.FromResult(new SalesReport(
            Position,
            query.From,
            query.To,
            query.GroupBy,
            rows.OrderBy(r => r.Key.Key, StringComparer.Ordinal).ThenBy(r => r.Key.Currency, StringComparer.Ordinal)
                .Select(r => new SalesRow(r.Key.Key, r.Key.Currency, r.Value.Units, Money(r.Value.Revenue, r.Key.Currency), r.Value.Orders,
                    Money(r.Value.Discount, r.Key.Currency), Money(r.Value.Tax, r.Key.Currency), Money(r.Value.Shipping, r.Key.Currency))).ToArray(),
            totals.OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => new SalesTotal(t.Key, t.Value.Units, Money(t.Value.Revenue, t.Key), t.Value.Orders,
                    Money(t.Value.Discount, t.Key), Money(t.Value.Tax, t.Key), Money(t.Value.Shipping, t.Key))).ToArray()));
    }

    // 1: the orders' rows paged.
    protected override int ModelVersion => 1;

    protected override async ValueTask PrepareAsync(IReadOnlyList<(EventLogEntry Entry, object? Payload)> page)
        => await Model.Orders.LoadAsync(ReportEvents.OrderIds(page));

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        if (ReportEvents.ReadOrderEvent(streamEvent, payload) is not { } change)
        {
            return;
        }

        var old = Model.Orders.GetValueOrDefault(change.OrderId);

        // The day an order counts on is its confirmation's; every order event comes from a confirmed order, and
        // placement confirms at the placed time, so that is the fallback if order.confirmed was never seen.
        var day = old?.Day ?? ReportEvents.Day(change.Type == "order.confirmed" ? change.At : change.PlacedAt);
        var skus = LiveSkus(change);
        var (shipping, shippingTax) = skus.Length == 0 || change.Totals is not { } totals ? (0m, 0m)
            : (totals.ShippingTotal - (totals.TaxIncluded ? totals.ShippingTax : 0), totals.ShippingTax);
        var next = new SalesContribution(day, change.Currency, ReportEvents.Name(change.Channel), skus, change.Aftercare?.ReplacementFor is not null, shipping, shippingTax);
        if (old is not null)
        {
            Add(old, -1);
        }

        Add(next, +1);
        Model.Orders[change.OrderId] = next;
    }

    // Confirmed, not cancelled units per SKU, net of refunded units; nothing for an order that is cancelled (or,
    // defensively, not confirmed). A replacement counts in the proportion charged on it.
    private static SkuSales[] LiveSkus(OrderEvent change)
    {
        if (change.Status is not (OrderStatus.Confirmed or OrderStatus.Completed))
        {
            return [];
        }

        var charged = change.Aftercare?.ReplacementFor is null ? 1m : ChargedShare(change);
        var included = change.Totals?.TaxIncluded ?? false;
        return change.Lines
            .GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Where(g => g.Sum(l => l.Quantity - l.Cancelled) > 0)
            .Select(g => new SkuSales(g.Key, charged == 0 ? 0 : g.Sum(l => (long)Net(l)),
                g.Sum(l => Net(l) * (l.UnitPrice - (l.Discount + (included ? l.Tax : 0)) / l.Quantity)) * charged,
                g.Sum(l => Net(l) * l.Discount / l.Quantity) * charged,
                g.Sum(l => Net(l) * l.Tax / l.Quantity) * charged))
            .ToArray();
    }

    // Sums keep every fraction of a cent (a unit's share of its line's discount and tax); a report rounds once.
    private static decimal Money(decimal amount, string currency) => Math.Round(amount, IsoCodes.MinorUnits(currency), MidpointRounding.AwayFromZero);

    private static int Net(OrderEventLine line) => Math.Max(0, line.Quantity - line.Cancelled - line.Refunded);

    /// <summary>The share of a replacement's net value actually charged on it (captured − refunded), from 0 to 1.</summary>
    public static decimal ChargedShare(OrderEvent change)
    {
        var value = change.Lines.Sum(l => Net(l) * l.UnitPrice);
        return value <= 0 ? 0 : Math.Clamp((change.Captured - change.Refunded) / value, 0, 1);
    }

    private void Add(SalesContribution contribution, long sign)
    {
        if (contribution.Skus.Count == 0)
        {
            return;
        }

        if (!Model.Days.TryGetValue(contribution.Day, out var currencies))
        {
            Model.Days[contribution.Day] = currencies = [];
        }

        if (!currencies.TryGetValue(contribution.Currency, out var bucket))
        {
            currencies[contribution.Currency] = bucket = new SalesBucket();
        }

        // Every contribution counts one order wherever it adds units, so a group with no orders left is empty. Shipping
        // belongs to the order, not to a SKU: it is in the day, channel and total figures only.
        var orders = contribution.Replacement ? 0 : 1;
        var order = new SalesFigures
        {
            Units = contribution.Skus.Sum(s => s.Units),
            Revenue = contribution.Skus.Sum(s => s.Revenue),
            Discount = contribution.Skus.Sum(s => s.Discount),
            Tax = contribution.Skus.Sum(s => s.Tax) + contribution.ShippingTax,
            Shipping = contribution.Shipping,
            Orders = orders,
        };
        bucket.Total.Add(order, sign);
        AddTo(bucket.ByChannel, contribution.Channel, order, sign);
        foreach (var sku in contribution.Skus)
        {
            AddTo(bucket.BySku, sku.Sku, new SalesFigures { Units = sku.Units, Revenue = sku.Revenue, Discount = sku.Discount, Tax = sku.Tax, Orders = orders }, sign);
        }

        if (bucket.Total.IsEmpty)
        {
            currencies.Remove(contribution.Currency);
        }

        if (currencies.Count == 0)
        {
            Model.Days.Remove(contribution.Day);
        }
    }

    private static void AddTo(Dictionary<string, SalesFigures> groups, string key, SalesFigures change, long sign)
    {
        if (!groups.TryGetValue(key, out var figures))
        {
            groups[key] = figures = new SalesFigures();
        }

        figures.Add(change, sign);
        if (figures.IsEmpty)
        {
            groups.Remove(key);
        }
    }

    private static void Sum<TKey>(Dictionary<TKey, SalesFigures> sums, TKey key, SalesFigures figures) where TKey : notnull
    {
        if (!sums.TryGetValue(key, out var sum))
        {
            sums[key] = sum = new SalesFigures();
        }

        sum.Add(figures, 1);
    }
}
