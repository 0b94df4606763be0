namespace OrderActors.Grains.Pricing;

/// <summary>A line to total: units, unit price and tax class.</summary>
public sealed record TotalsLine(int Quantity, decimal UnitPrice, string TaxClass);

/// <summary>A line's share of the order's discount and its tax.</summary>
/// <param name="Gross">Units × unit price.</param>
/// <param name="Discount">Its share of the order's discount.</param>
/// <param name="Tax">The tax on what is left (included in it when prices include tax).</param>
/// <param name="Paid">What the buyer pays for the line: gross − discount, plus the tax when it is added on top.</param>
public sealed record LineTotals(decimal Gross, decimal Discount, decimal Tax, decimal Paid);

/// <summary>An order's totals.</summary>
/// <param name="Subtotal">Σ units × unit price.</param>
/// <param name="DiscountTotal">The discount.</param>
/// <param name="ShippingTotal">The shipping charge.</param>
/// <param name="ShippingTax">The tax on the shipping charge (in <paramref name="TaxTotal"/>).</param>
/// <param name="TaxTotal">All tax, lines and shipping.</param>
/// <param name="Total">What the buyer pays: subtotal − discount + shipping, plus the tax when it is added on top.</param>
/// <param name="TaxIncluded">Whether the prices included the tax.</param>
/// <param name="Lines">Per line, in order.</param>
public sealed record Totals(
    decimal Subtotal, decimal DiscountTotal, decimal ShippingTotal, decimal ShippingTax, decimal TaxTotal, decimal Total, bool TaxIncluded, IReadOnlyList<LineTotals> Lines);

/// <summary>
/// Computes an order's totals. Amounts are rounded to the currency's minor unit, half away from zero: the discount
/// once for the order and then spread over the lines in proportion to their gross (the last line takes what rounding
/// leaves, so the shares add up exactly); tax per line on the line's gross less its discount, and on shipping.
/// </summary>
public static class OrderTotals
{
    /// <summary>Totals for lines, a discount already computed for the order, a shipping charge and the tax rules (null: no tax).</summary>
    public static Totals Compute(IReadOnlyList<TotalsLine> lines, decimal discount, decimal shipping, TaxRegionView? tax, int minorUnits)
    {
        var gross = lines.Select(l => l.Quantity * l.UnitPrice).ToArray();
        var subtotal = gross.Sum();
        discount = Math.Clamp(discount, 0, subtotal);
        var shares = Spread(discount, gross, minorUnits);
        for (var i = 0; i < shares.Length; i++)
        {
            // Rounding may leave a line a cent more than its gross; that cent goes to a line with room.
            var excess = shares[i] - gross[i];
            for (var j = 0; excess > 0 && j < shares.Length; j++)
            {
                var room = Math.Min(excess, gross[j] - shares[j]);
                if (j != i && room > 0)
                {
                    shares[j] += room;
                    shares[i] -= room;
                    excess -= room;
                }
            }
        }

        var included = tax?.PricesIncludeTax ?? false;
        var result = new List<LineTotals>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var net = gross[i] - shares[i];
            var lineTax = TaxOn(net, tax?.RateOf(lines[i].TaxClass) ?? 0, included, minorUnits);
            result.Add(new LineTotals(gross[i], shares[i], lineTax, included ? net : net + lineTax));
        }

        var shippingTax = tax is { TaxShipping: true } ? TaxOn(shipping, tax.RateOf("standard"), included, minorUnits) : 0m;
        var taxTotal = result.Sum(l => l.Tax) + shippingTax;
        var total = subtotal - discount + shipping + (included ? 0 : taxTotal);
        return new Totals(subtotal, discount, shipping, shippingTax, taxTotal, total, included, result);
    }

    /// <summary>A percentage of an amount, rounded to the minor unit.</summary>
    public static decimal Percent(decimal amount, decimal percent, int minorUnits) => Round(amount * percent / 100m, minorUnits);

    /// <summary>Rounds half away from zero to the currency's minor unit.</summary>
    public static decimal Round(decimal amount, int minorUnits) => Math.Round(amount, minorUnits, MidpointRounding.AwayFromZero);

    // The tax in an amount: added on top (amount × rate) or included in it (amount − amount / (1 + rate)).
    private static decimal TaxOn(decimal amount, decimal percent, bool included, int minorUnits)
        => percent == 0 ? 0 : Round(included ? amount - amount / (1 + percent / 100m) : amount * percent / 100m, minorUnits);

    /// <summary>
    /// Spreads an amount over weights in proportion, each share rounded to the minor unit; the last positive weight
    /// takes what rounding leaves, so the shares add up to the amount exactly.
    /// </summary>
    public static decimal[] Spread(decimal amount, decimal[] weights, int minorUnits)
    {
        var shares = new decimal[weights.Length];
        var total = weights.Sum();
        if (amount == 0 || total == 0)
        {
            return shares;
        }

        var last = Array.FindLastIndex(weights, w => w > 0);
        var left = amount;
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0)
            {
                continue;
            }

            shares[i] = i == last ? left : Math.Min(left, Round(amount * weights[i] / total, minorUnits));
            left -= shares[i];
        }

        return shares;
    }
}
