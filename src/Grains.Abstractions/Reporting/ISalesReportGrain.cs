namespace OrderActors.Grains.Reporting;

/// <summary>
/// Sales by day, SKU or channel from the orders streams. Key: <c>default</c>.
/// </summary>
/// <remarks>
/// What counts: an order counts on the UTC date it was confirmed, with the units of its lines. A full cancellation
/// removes it; a partial cancellation removes the units of the shipments it cancelled. Units and revenue are net:
/// units whose money went back (refunded returns, claims, unit refunds) are taken out, at the price they were refunded
/// at; refunds of shipping or goodwill are not goods and stay in the KPIs' refunded only. A replacement order (an
/// exchange or a claim) is not an order of its own: it adds no order, and its units and revenue count only in the
/// proportion actually charged on it (captured − refunded, over its net value): a free claim replacement adds
/// nothing, an exchange replacement counts once it is captured. Amounts are per currency and never added across
/// currencies.
/// </remarks>
[Alias("OrderActors.Grains.Reporting.ISalesReportGrain")]
public interface ISalesReportGrain : IGrainWithStringKey
{
    /// <summary>Sales confirmed from <see cref="SalesQuery.From"/> to <see cref="SalesQuery.To"/> (inclusive), grouped.</summary>
    [Alias("GetAsync")]
    Task<SalesReport> GetAsync(SalesQuery query);
}

/// <summary>How sales rows are grouped.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.Reporting.SalesGrouping")]
public enum SalesGrouping
{
    /// <summary>One row per UTC day of confirmation (and currency).</summary>
    Day,

    /// <summary>One row per SKU (and currency).</summary>
    Sku,

    /// <summary>One row per sales channel (and currency).</summary>
    Channel,
}

/// <summary>A sales report request: UTC dates of confirmation, both inclusive.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.SalesQuery")]
public sealed record SalesQuery(DateOnly From, DateOnly To, SalesGrouping GroupBy)
{
    /// <summary>The longest range a report covers, in days.</summary>
    public const int MaxDays = 366;
}

/// <summary>Sales for a date range.</summary>
/// <param name="Checkpoint">The global stream position the report includes.</param>
/// <param name="From">First day (UTC), inclusive.</param>
/// <param name="To">Last day (UTC), inclusive.</param>
/// <param name="GroupBy">The grouping of <paramref name="Rows"/>.</param>
/// <param name="Rows">One row per group and currency, ordered by key then currency; groups without sales are left out.</param>
/// <param name="Totals">Per currency, over the whole range.</param>
[GenerateSerializer, Alias("OrderActors.Grains.Reporting.SalesReport")]
public sealed record SalesReport(long Checkpoint, DateOnly From, DateOnly To, SalesGrouping GroupBy, IReadOnlyList<SalesRow> Rows, IReadOnlyList<SalesTotal> Totals);

/// <summary>Sales of one group in one currency.</summary>
/// <param name="Key">The day (<c>yyyy-MM-dd</c>), SKU or channel.</param>
/// <param name="Currency">ISO 4217 code.</param>
/// <param name="Units">Confirmed, not cancelled units.</param>
/// <param name="Revenue">Net sales of <paramref name="Units"/>: their unit prices less their share of the order's discount, without tax.</param>
/// <param name="Orders">Orders with at least one such unit in the group.</param>
/// <param name="Discount">The discount taken off those units.</param>
/// <param name="Tax">Their tax, and in day and channel rows the tax on the orders' shipping.</param>
/// <param name="Shipping">In day and channel rows: the orders' shipping charges without tax (0 in SKU rows: shipping is not a SKU's).</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.SalesRow")]
public sealed record SalesRow(string Key, string Currency, long Units, decimal Revenue, long Orders, decimal Discount = 0, decimal Tax = 0, decimal Shipping = 0);

/// <summary>Sales in one currency over the whole range: net revenue, discount, tax and shipping apart.</summary>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Reporting.SalesTotal")]
public sealed record SalesTotal(string Currency, long Units, decimal Revenue, long Orders, decimal Discount = 0, decimal Tax = 0, decimal Shipping = 0);
