using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Reporting;

/// <summary>The model behind <see cref="IKpiReportGrain"/>: the facts the KPIs need, per order and per cart.</summary>
/// <remarks>Memory: one entry per order ever confirmed and per cart ever created; the percentiles are computed from them on each read.</remarks>
public sealed record KpiModel
{
    /// <summary>Order id → its facts.</summary>
    public StateTable<OrderFacts> Orders { get; set; } = new();

    /// <summary>Cart id → its facts.</summary>
    public StateTable<CartFacts> Carts { get; set; } = new();
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

    public Task<KpiReport> GetAsync()
    {
        var orders = Model.Orders.Values.Where(o => !o.Replacement).ToArray();
        var confirmed = orders.Where(o => o.ConfirmedAt is not null).ToArray();
        var completed = orders.Where(o => o.CompletedAt is not null).ToArray();
        var cancelled = confirmed.Count(o => o.Status == OrderStatus.Cancelled);
        var onTime = completed.Count(o => o.CompletedAt <= o.PromisedBy);
        var refunded = Model.Orders.Values.Where(o => o.Refunded > 0).GroupBy(o => o.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CurrencyAmount(g.Key, g.Sum(o => o.Refunded), g.Count())).ToArray();
        return Task.FromResult(new KpiReport(
            Position,
            new KpiCounts(confirmed.Length, orders.Count(o => o.FirstShippedAt is not null), completed.Length, cancelled, orders.Count(o => o.PartiallyCancelled)),
            Durations(completed.Select(o => o.CompletedAt!.Value - o.PlacedAt)),
            Durations(orders.Where(o => o is { ConfirmedAt: not null, FirstShippedAt: not null }).Select(o => o.FirstShippedAt!.Value - o.ConfirmedAt!.Value)),
            Rate(onTime, completed.Length),
            Rate(cancelled, confirmed.Length),
            Rate(completed.Count(o => o.Returns > 0), completed.Length),
            refunded,
            Rating(orders.Where(o => o.Rating is not null).Select(o => o.Rating!.Value).ToArray()),
            completed.GroupBy(o => o.Channel).OrderBy(g => g.Key)
                .Select(g => new ChannelDurations(g.Key, Durations(g.Select(o => o.CompletedAt!.Value - o.PlacedAt)))).ToArray(),
            Carts()));
    }

    private CartStats Carts()
    {
        var carts = Model.Carts.Values.ToArray();
        var (completed, abandoned) = (carts.Count(c => c.Completed), carts.Count(c => c.Abandoned));
        return new CartStats(carts.Length, carts.Count(c => c.HadItems), completed, abandoned, carts.Count(c => c.Completed && c.WasAbandoned),
            Rate(abandoned, abandoned + completed));
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

        if (!Model.Orders.TryGetValue(change.OrderId, out var facts))
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
    }

    // A cart's facts depend only on which events it had, so a repeated event changes nothing; a completed cart stays completed.
    private void Apply(CartChanged change)
    {
        if (!Model.Carts.TryGetValue(change.CartId, out var facts))
        {
            Model.Carts[change.CartId] = facts = new CartFacts();
        }

        facts.HadItems |= change.Units > 0;
        facts.Completed |= change.Type == CartChanged.Completed;
        facts.WasAbandoned |= change.Type == CartChanged.Abandoned;
        facts.Abandoned = !facts.Completed && change.Type == CartChanged.Abandoned;
    }

    private static DateTimeOffset Earliest(DateTimeOffset? current, DateTimeOffset at) => current is { } c && c <= at ? c : at;

    private static RatingStat Rating(int[] ratings) => new(ratings.Length == 0 ? null : ratings.Average(), ratings.Length);

    private static RateStat Rate(int count, int outOf) => new(outOf == 0 ? null : (double)count / outOf, count, outOf);

    private static DurationStats Durations(IEnumerable<TimeSpan> durations)
    {
        var hours = durations.Select(d => d.TotalHours).Order().ToArray();
        return new DurationStats(hours.Length, Percentile(hours, 50), Percentile(hours, 95));
    }

    /// <summary>Nearest-rank percentile: the smallest value with at least <paramref name="percent"/>% of the values at or below it.</summary>
    internal static double? Percentile(double[] sorted, int percent)
        => sorted.Length == 0 ? null : sorted[(int)Math.Clamp(((percent * (long)sorted.Length) + 99) / 100 - 1, 0, sorted.Length - 1)]; // integer ceil: no rounding surprises
}
