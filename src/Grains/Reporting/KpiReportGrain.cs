using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Reporting;

/// <summary>The model behind <see cref="IKpiReportGrain"/>: the KPIs' sums, and the facts they come from per order and per cart.</summary>
/// <remarks>
/// Each event takes its order's (or cart's) old facts out of the sums and puts the new ones in, so a report reads the
/// sums only. Memory: the sums, with durations as counts per rounded value (<see cref="DurationCounts"/>); the facts
/// stay in the database (paged) and load for the orders and carts a batch changes.
/// </remarks>
public sealed record KpiModel
{
    /// <summary>Order id → its facts.</summary>
    [PagedStateTable]
    public StateTable<OrderFacts> Orders { get; set; } = new();

    /// <summary>Cart id → its facts.</summary>
    [PagedStateTable]
    public StateTable<CartFacts> Carts { get; set; } = new();

    /// <summary>The sums over every order's facts.</summary>
    public KpiSums Sums { get; set; } = new();
}

/// <summary>The sums behind the KPIs: what <see cref="KpiReportGrain"/> adds and takes out per order and cart.</summary>
public sealed class KpiSums
{
    /// <summary>Orders confirmed, shipped, completed, cancelled, partially cancelled (replacements left out).</summary>
    public int Confirmed { get; set; }

    /// <summary>Orders with a shipment out.</summary>
    public int Shipped { get; set; }

    /// <summary>Orders completed.</summary>
    public int Completed { get; set; }

    /// <summary>Confirmed orders cancelled.</summary>
    public int Cancelled { get; set; }

    /// <summary>Orders partially cancelled.</summary>
    public int PartiallyCancelled { get; set; }

    /// <summary>Completed orders completed by their promised date.</summary>
    public int OnTime { get; set; }

    /// <summary>Completed orders with a return.</summary>
    public int CompletedWithReturns { get; set; }

    /// <summary>Currency → amount refunded and orders refunded (replacements included).</summary>
    public Dictionary<string, CurrencySum> Refunded { get; set; } = [];

    /// <summary>Sum and number of ratings.</summary>
    public long RatingSum { get; set; }

    /// <summary>Number of ratings.</summary>
    public int Ratings { get; set; }

    /// <summary>Placed → completed, over completed orders.</summary>
    public DurationCounts CycleTime { get; set; } = new();

    /// <summary>Confirmed → first shipment out.</summary>
    public DurationCounts FulfillmentTime { get; set; } = new();

    /// <summary>Placed → completed per channel.</summary>
    public Dictionary<SalesChannel, DurationCounts> CycleTimeByChannel { get; set; } = [];

    /// <summary>Carts created, with items, completed, abandoned now, completed after an abandonment.</summary>
    public int Carts { get; set; }

    /// <summary>Carts that held items.</summary>
    public int CartsWithItems { get; set; }

    /// <summary>Carts completed.</summary>
    public int CartsCompleted { get; set; }

    /// <summary>Carts abandoned now.</summary>
    public int CartsAbandoned { get; set; }

    /// <summary>Carts completed after an abandonment.</summary>
    public int CartsRecovered { get; set; }
}

/// <summary>An amount and the orders behind it.</summary>
public sealed class CurrencySum
{
    /// <summary>The amount.</summary>
    public decimal Amount { get; set; }

    /// <summary>The orders.</summary>
    public int Orders { get; set; }
}

/// <summary>
/// A distribution of durations as counts per value rounded to three significant digits of minutes: exact to the
/// minute below 1,000 minutes (16.7 hours), within 0.5 % above. Its size follows the spread of the values, not
/// their number, and a percentile is the nearest-rank value of the rounded durations.
/// </summary>
public sealed class DurationCounts
{
    /// <summary>Rounded minutes → how many durations.</summary>
    public SortedDictionary<long, int> Minutes { get; set; } = [];

    /// <summary>How many durations.</summary>
    public int Count { get; set; }

    internal void Add(TimeSpan duration, int sign)
    {
        var key = Round(duration.TotalMinutes);
        var count = Minutes.GetValueOrDefault(key) + sign;
        if (count == 0)
        {
            Minutes.Remove(key);
        }
        else
        {
            Minutes[key] = count;
        }

        Count += sign;
    }

    /// <summary>Nearest-rank percentile in hours: the smallest rounded value with at least <paramref name="percent"/>% of the durations at or below it.</summary>
    internal double? Percentile(int percent)
    {
        if (Count <= 0)
        {
            return null;
        }

        var rank = Math.Max(1, ((percent * (long)Count) + 99) / 100); // integer ceil: no rounding surprises
        long seen = 0;
        foreach (var (minutes, count) in Minutes)
        {
            seen += count;
            if (seen >= rank)
            {
                return minutes / 60.0;
            }
        }

        return Minutes.Keys.Last() / 60.0;
    }

    // Three significant digits: 0–999 minutes exact, then 1,000–9,990 by 10, 10,000–99,900 by 100, and so on.
    internal static long Round(double minutes)
    {
        var value = (long)Math.Round(minutes, MidpointRounding.AwayFromZero);
        var magnitude = Math.Abs(value);
        long step = 1;
        while (magnitude >= 1000 * step)
        {
            step *= 10;
        }

        return step == 1 ? value : (long)Math.Round((double)value / step, MidpointRounding.AwayFromZero) * step;
    }
}

/// <summary>What the cart KPIs need to know of one cart.</summary>
public sealed record CartFacts
{
    /// <summary>Whether it held items at some point.</summary>
    public bool HadItems { get; set; }

    /// <summary>Whether its latest event is <c>cart.abandoned</c>.</summary>
    public bool Abandoned { get; set; }

    /// <summary>Whether it was abandoned at some point.</summary>
    public bool WasAbandoned { get; set; }

    /// <summary>Whether it became an order.</summary>
    public bool Completed { get; set; }
}

/// <summary>What the KPIs need to know of one order, all times taken from its events.</summary>
public sealed record OrderFacts
{
    /// <summary>When it was placed.</summary>
    public DateTimeOffset PlacedAt { get; set; }

    /// <summary>Its <c>order.confirmed</c> event's time.</summary>
    public DateTimeOffset? ConfirmedAt { get; set; }

    /// <summary>The earliest time one of its shipments left (the order's shipment events from <c>shipment.shipped</c> on).</summary>
    public DateTimeOffset? FirstShippedAt { get; set; }

    /// <summary>Its <c>order.completed</c> event's time.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The delivery date promised.</summary>
    public DateTimeOffset PromisedBy { get; set; }

    /// <summary>Its latest status.</summary>
    public OrderStatus Status { get; set; }

    /// <summary>Whether part of it was cancelled after something shipped.</summary>
    public bool PartiallyCancelled { get; set; }

    /// <summary>Its currency.</summary>
    public string Currency { get; set; } = "";

    /// <summary>Its sales channel.</summary>
    public SalesChannel Channel { get; set; }

    /// <summary>The amount refunded so far.</summary>
    public decimal Refunded { get; set; }

    /// <summary>Returns (not rejected) so far.</summary>
    public int Returns { get; set; }

    /// <summary>The customer's rating, once given.</summary>
    public int? Rating { get; set; }

    /// <summary>A replacement order (exchange or claim): not an order of its own in the counts and rates.</summary>
    public bool Replacement { get; set; }
}

/// <summary>Order and cart KPIs from the orders and carts streams; see <see cref="IKpiReportGrain"/> and <see cref="KpiReport"/>.</summary>
[EventLogFeedSubscription(StreamNamespaces.Orders)]
[EventLogFeedSubscription(StreamNamespaces.Carts)]
[GrainType("kpi-report")]
public sealed class KpiReportGrain(
    [PersistentState("kpi-report", OrderActorsStorage.Projections)] IPersistentState<ProjectionState<KpiModel>> projection)
    : NamespaceProjectionGrain<KpiModel>(projection, OrderActorsStorage.EventLog), IKpiReportGrain
{

    // 1: sums in the head, facts paged (before: every order's and cart's facts in memory, the KPIs computed on each read).
    protected override int ModelVersion => 1;

    public Task<KpiReport> GetAsync()
    {
        var sums = Model.Sums;
        return Task.FromResult(new KpiReport(
            Position,
            new KpiCounts(sums.Confirmed, sums.Shipped, sums.Completed, sums.Cancelled, sums.PartiallyCancelled),
            Durations(sums.CycleTime),
            Durations(sums.FulfillmentTime),
            Rate(sums.OnTime, sums.Completed),
            Rate(sums.Cancelled, sums.Confirmed),
            Rate(sums.CompletedWithReturns, sums.Completed),
            sums.Refunded.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new CurrencyAmount(r.Key, r.Value.Amount, r.Value.Orders)).ToArray(),
            new RatingStat(sums.Ratings == 0 ? null : (double)sums.RatingSum / sums.Ratings, sums.Ratings),
            sums.CycleTimeByChannel.OrderBy(c => c.Key).Select(c => new ChannelDurations(c.Key, Durations(c.Value))).ToArray(),
            new CartStats(sums.Carts, sums.CartsWithItems, sums.CartsCompleted, sums.CartsAbandoned, sums.CartsRecovered,
                Rate(sums.CartsAbandoned, sums.CartsAbandoned + sums.CartsCompleted))));
    }

    protected override async ValueTask PrepareAsync(IReadOnlyList<(EventLogEntry Entry, object? Payload)> page)
    {
        await Model.Orders.LoadAsync(ReportEvents.OrderIds(page));
        await Model.Carts.LoadAsync(page.Select(e => e.Payload).OfType<CartChanged>().Select(c => c.CartId));
    }

    protected override void Apply(EventLogEntry streamEvent, object? payload)
    {
        if (payload is CartChanged cart)
        {
            Apply(cart);
            return;
        }

        if (ReportEvents.ReadOrderEvent(streamEvent, payload) is not { } change)
        {
            return;
        }

        if (Model.Orders.TryGetValue(change.OrderId, out var facts))
        {
            Add(facts, -1);
        }
        else
        {
            Model.Orders[change.OrderId] = facts = new OrderFacts();
        }

        // Latest values replace; first times keep the earliest, so the facts do not depend on how often an event came.
        facts.PlacedAt = change.PlacedAt;
        facts.PromisedBy = change.PromisedBy;
        facts.Status = change.Status;
        facts.Currency = change.Currency;
        facts.Channel = change.Channel;
        facts.Refunded = change.Refunded;
        if (change.Aftercare is { } aftercare)
        {
            facts.Replacement = aftercare.ReplacementFor is not null;
            facts.Returns = aftercare.Returns;
            facts.Rating = aftercare.Rating;
        }

        switch (change.Type)
        {
            case "order.confirmed":
                facts.ConfirmedAt = Earliest(facts.ConfirmedAt, change.At);
                break;
            case "order.completed":
                facts.CompletedAt = Earliest(facts.CompletedAt, change.At);
                break;
            case "order.partially_cancelled":
                facts.PartiallyCancelled = true;
                break;
            case var type when ReportEvents.ShippedTypes.Contains(type):
                facts.FirstShippedAt = Earliest(facts.FirstShippedAt, change.At);
                break;
        }

        Add(facts, +1);
    }

    // What an order's facts add to the sums (sign +1) or take out (-1): replacements count in the refunded amount only.
    private void Add(OrderFacts facts, int sign)
    {
        var sums = Model.Sums;
        if (facts.Refunded > 0)
        {
            if (!sums.Refunded.TryGetValue(facts.Currency, out var refunded))
            {
                sums.Refunded[facts.Currency] = refunded = new CurrencySum();
            }

            refunded.Amount += sign * facts.Refunded;
            refunded.Orders += sign;
            if (refunded.Orders == 0)
            {
                sums.Refunded.Remove(facts.Currency);
            }
        }

        if (facts.Replacement)
        {
            return;
        }

        if (facts.ConfirmedAt is { } confirmed)
        {
            sums.Confirmed += sign;
            sums.Cancelled += facts.Status == OrderStatus.Cancelled ? sign : 0;
            if (facts.FirstShippedAt is { } shipped)
            {
                sums.FulfillmentTime.Add(shipped - confirmed, sign);
            }
        }

        sums.Shipped += facts.FirstShippedAt is not null ? sign : 0;
        sums.PartiallyCancelled += facts.PartiallyCancelled ? sign : 0;
        if (facts.Rating is { } rating)
        {
            sums.Ratings += sign;
            sums.RatingSum += sign * rating;
        }

        if (facts.CompletedAt is { } completed)
        {
            sums.Completed += sign;
            sums.OnTime += completed <= facts.PromisedBy ? sign : 0;
            sums.CompletedWithReturns += facts.Returns > 0 ? sign : 0;
            sums.CycleTime.Add(completed - facts.PlacedAt, sign);
            if (!sums.CycleTimeByChannel.TryGetValue(facts.Channel, out var byChannel))
            {
                sums.CycleTimeByChannel[facts.Channel] = byChannel = new DurationCounts();
            }

            byChannel.Add(completed - facts.PlacedAt, sign);
            if (byChannel.Count == 0)
            {
                sums.CycleTimeByChannel.Remove(facts.Channel);
            }
        }
    }

    // A cart's facts depend only on which events it had, so a repeated event changes nothing; a completed cart stays completed.
    private void Apply(CartChanged change)
    {
        if (Model.Carts.TryGetValue(change.CartId, out var facts))
        {
            Add(facts, -1);
        }
        else
        {
            Model.Carts[change.CartId] = facts = new CartFacts();
        }

        facts.HadItems |= change.Units > 0;
        facts.Completed |= change.Type == CartChanged.Completed;
        facts.WasAbandoned |= change.Type == CartChanged.Abandoned;
        facts.Abandoned = !facts.Completed && change.Type == CartChanged.Abandoned;
        Add(facts, +1);
    }

    private void Add(CartFacts facts, int sign)
    {
        var sums = Model.Sums;
        sums.Carts += sign;
        sums.CartsWithItems += facts.HadItems ? sign : 0;
        sums.CartsCompleted += facts.Completed ? sign : 0;
        sums.CartsAbandoned += facts.Abandoned ? sign : 0;
        sums.CartsRecovered += facts.Completed && facts.WasAbandoned ? sign : 0;
    }

    private static DateTimeOffset Earliest(DateTimeOffset? current, DateTimeOffset at) => current is { } c && c <= at ? c : at;

    private static RateStat Rate(int count, int outOf) => new(outOf == 0 ? null : (double)count / outOf, count, outOf);

    private static DurationStats Durations(DurationCounts durations) => new(durations.Count, durations.Percentile(50), durations.Percentile(95));
}
