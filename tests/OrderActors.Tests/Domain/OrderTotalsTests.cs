using CsCheck;
using OrderActors.Grains.Pricing;
using OrderActors.Tests.Properties;

namespace OrderActors.Tests.Domain;

public sealed class OrderTotalsTests
{
    private static TaxRegionView Region(bool included, bool shipping, decimal standard = 20m, decimal reduced = 5m)
        => new("XX", new Dictionary<string, decimal> { ["standard"] = standard, ["reduced"] = reduced }, included, shipping, 1, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Sales_tax_is_added_per_line_by_tax_class_and_on_shipping()
    {
        var totals = OrderTotals.Compute([new(3, 9.99m, "standard"), new(1, 4.50m, "reduced"), new(2, 1m, "exempt")], 0, 7.49m, Region(false, true, 8.25m, 2.5m), 2);

        Assert.Equal(2.47m, totals.Lines[0].Tax); // 29.97 × 8.25 % = 2.4725
        Assert.Equal(0.11m, totals.Lines[1].Tax); // 4.50 × 2.5 % = 0.1125
        Assert.Equal(0m, totals.Lines[2].Tax);
        Assert.Equal(0.62m, totals.ShippingTax); // 7.49 × 8.25 % = 0.617925
        Assert.Equal((36.47m, 3.20m, 7.49m), (totals.Subtotal, totals.TaxTotal, totals.ShippingTotal));
        Assert.Equal(36.47m + 7.49m + 3.20m, totals.Total);
        Assert.Equal(totals.Total - totals.ShippingTotal - totals.ShippingTax, totals.Lines.Sum(l => l.Paid));
    }

    [Fact]
    public void Vat_is_included_in_the_prices_and_the_total_is_what_the_prices_say()
    {
        var totals = OrderTotals.Compute([new(1, 12m, "standard"), new(2, 10.50m, "reduced")], 0, 6m, Region(true, true), 2);

        Assert.Equal((2m, 1m, 1m), (totals.Lines[0].Tax, totals.Lines[1].Tax, totals.ShippingTax)); // 12 − 12/1.2; 21 − 21/1.05; 6 − 6/1.2
        Assert.Equal(4m, totals.TaxTotal);
        Assert.Equal(39m, totals.Total);
        Assert.True(totals.TaxIncluded);
    }

    [Fact]
    public void Yen_are_rounded_to_whole_yen()
    {
        var totals = OrderTotals.Compute([new(1, 1999m, "standard")], 0, 0, Region(false, false, 10m), 0);
        Assert.Equal((200m, 2199m), (totals.TaxTotal, totals.Total));
    }

    [Fact]
    public void Without_tax_rules_the_total_is_the_subtotal_and_shipping()
    {
        var totals = OrderTotals.Compute([new(2, 10m, "standard")], 0, 5.99m, null, 2);
        Assert.Equal((0m, 25.99m, 20m), (totals.TaxTotal, totals.Total, Assert.Single(totals.Lines).Paid));
    }

    [Fact]
    public void A_discount_is_spread_over_the_lines_exactly_and_taxed_after()
    {
        var totals = OrderTotals.Compute([new(1, 10m, "standard"), new(1, 10m, "standard"), new(1, 10m, "standard")], 10m, 0, Region(false, false), 2);
        Assert.Equal([3.33m, 3.33m, 3.34m], totals.Lines.Select(l => l.Discount));
        Assert.Equal([1.33m, 1.33m, 1.33m], totals.Lines.Select(l => l.Tax)); // 6.67 × 20 % = 1.334; 6.66 × 20 % = 1.332
        Assert.Equal(20m + 3.99m, totals.Total);
    }

    // For any lines, discount, shipping and rules: the discount shares add up to the discount and never exceed a line's
    // gross; what the lines pay plus shipping (and its tax when added on top) is the total; every amount is in minor units.
    [Fact]
    public void Totals_always_add_up()
    {
        var line = Gen.Select(Gen.Int[1, 20], Gen.Int[0, 100_000], Gen.Int[0, 2].Select(i => new[] { "standard", "reduced", "zero" }[i]), (q, cents, c) => new TotalsLine(q, cents / 100m, c));
        var gen = Gen.Select(line.Array[1, 8], Gen.Int[0, 100], Gen.Int[0, 5_000], Gen.Bool, Gen.Bool, Gen.Int[0, 27_500]);
        var ran = Cases.Check(gen, 3_000, c =>
        {
            var (lines, discountPercent, shippingCents, included, taxShipping, rateBasisPoints) = c;
            var subtotal = lines.Sum(l => l.Quantity * l.UnitPrice);
            var discount = OrderTotals.Percent(subtotal, discountPercent, 2);
            var region = Region(included, taxShipping, rateBasisPoints / 1000m, rateBasisPoints / 4000m);
            var totals = OrderTotals.Compute(lines, discount, shippingCents / 100m, region, 2);

            Assert.Equal(discount, totals.Lines.Sum(l => l.Discount));
            Assert.All(totals.Lines, l => Assert.InRange(l.Discount, 0m, l.Gross));
            Assert.Equal(totals.Total, totals.Lines.Sum(l => l.Paid) + totals.ShippingTotal + (included ? 0 : totals.ShippingTax));
            Assert.Equal(totals.TaxTotal, totals.Lines.Sum(l => l.Tax) + totals.ShippingTax);
            Assert.All(totals.Lines.SelectMany(l => new[] { l.Discount, l.Tax, l.Paid }).Append(totals.Total), a => Assert.Equal(decimal.Round(a, 2), a));
        });
        Assert.Equal(3_000, ran);
    }
}
