namespace OrderActors.Grains.Reporting;

/// <summary>
/// Order and cart KPIs from the orders and carts streams, computed from the events' own times (never the clock), so a
/// rebuild gives the same figures. Key: <c>default</c>.
/// </summary>
[Alias("OrderActors.Grains.Reporting.IKpiReportGrain")]
public interface IKpiReportGrain : IGrainWithStringKey
{
    /// <summary>The KPIs over every order seen.</summary>
    [Alias("GetAsync")]
    Task<KpiReport> GetAsync();
}

/// <summary>
/// Order KPIs. Percentiles are nearest-rank over the durations rounded to three significant digits of minutes (exact to
/// the minute up to 1,000 minutes, within 0.5 % beyond); a rate is null when nothing is behind it.
/// </summary>
/// <param name="Checkpoint">The global stream position the report includes.</param>
/// <param name="Orders">The counts behind the rates.</param>
/// <param name="CycleTimeHours">Placed → completed (every live shipment delivered), over completed orders.</param>
/// <param name="FulfillmentTimeHours">Confirmed → first shipment left, over orders with a shipment out.</param>
/// <param name="OnTimeDelivery">Completed orders completed by their promised date, out of completed orders.</param>
/// <param name="Cancellation">Cancelled orders (fully) out of confirmed orders.</param>
/// <param name="Returns">Orders with a return (not rejected) out of completed orders.</param>
/// <param name="Refunded">Amount refunded (cancellations, returns, claims, refunds of their own), per currency.</param>
/// <param name="Rating">Average customer rating.</param>
/// <param name="CycleTimeHoursByChannel">Placed → completed per sales channel, over completed orders (channels without orders left out).</param>
/// <param name="Carts">Carts: created, completed, abandoned, and the abandonment rate.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Reporting.KpiReport")]
public sealed record KpiReport(
    long Checkpoint,
    KpiCounts Orders,
    DurationStats CycleTimeHours,
    DurationStats FulfillmentTimeHours,
    RateStat OnTimeDelivery,
    RateStat Cancellation,
    RateStat Returns,
    IReadOnlyList<CurrencyAmount> Refunded,
    RatingStat Rating,
    IReadOnlyList<ChannelDurations> CycleTimeHoursByChannel,
    CartStats Carts);

/// <summary>A sales channel's order-processing cycle time (placed → completed), in hours.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.ChannelDurations")]
public sealed record ChannelDurations(Orders.SalesChannel Channel, DurationStats CycleTimeHours);

/// <summary>
/// Carts. A cart counts once it holds items; it is abandoned when its latest event is <c>cart.abandoned</c> (it held items
/// and was left unchanged for <c>OrderActors:Carts:AbandonedAfter</c>) and recovered when it completed after one.
/// </summary>
/// <param name="Created">Carts created.</param>
/// <param name="WithItems">Carts that held items at some point.</param>
/// <param name="Completed">Carts that became orders.</param>
/// <param name="Abandoned">Carts abandoned now (not changed or completed since).</param>
/// <param name="Recovered">Carts completed after they had been abandoned.</param>
/// <param name="Abandonment">Abandoned out of abandoned + completed: carts still being filled are in neither yet.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.CartStats")]
public sealed record CartStats(int Created, int WithItems, int Completed, int Abandoned, int Recovered, RateStat Abandonment);

/// <summary>Order counts.</summary>
/// <param name="Confirmed">Orders confirmed (every order placed; replacement orders are not counted in any KPI but the refunded amount).</param>
/// <param name="Shipped">Orders with at least one shipment out.</param>
/// <param name="Completed">Orders whose live shipments were all delivered.</param>
/// <param name="Cancelled">Orders cancelled before anything shipped.</param>
/// <param name="PartiallyCancelled">Orders whose unshipped part was cancelled after something shipped.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.KpiCounts")]
public sealed record KpiCounts(int Confirmed, int Shipped, int Completed, int Cancelled, int PartiallyCancelled);

/// <summary>A duration's distribution in hours; percentiles null when <paramref name="Count"/> is 0.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.DurationStats")]
public sealed record DurationStats(int Count, double? P50, double? P95);

/// <summary>A rate with what is behind it: <paramref name="Count"/> / <paramref name="OutOf"/>, null when <paramref name="OutOf"/> is 0.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.RateStat")]
public sealed record RateStat(double? Rate, int Count, int OutOf);

/// <summary>An amount in one currency, and how many orders make it up.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.CurrencyAmount")]
public sealed record CurrencyAmount(string Currency, decimal Amount, int Orders);

/// <summary>Average rating (1–5) and how many ratings; null and 0 until feedback exists.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.RatingStat")]
public sealed record RatingStat(double? Average, int Count);
