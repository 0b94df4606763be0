using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Shipping;

namespace OrderActors.Tests.Domain;

public sealed class CarrierTests
{
    private static readonly ShippingAddressLabel Address = new("Ada Lovelace", "1 Analytical Way", "Suite 2", "Springfield", "IL", "62701", "US");

    private static ParcelSpec Domestic(int units = 2) => new("main", "US", "62701", units);

    private static ParcelSpec Abroad(int units = 2) => new("main", "DE", "10115", units);

    private static ICarrier[] All() => [new GroundCoCarrier(), new SwiftExpressCarrier(), new NightOwlCarrier()];

    [Fact]
    public void Domestic_quotes_follow_the_rate_tables()
    {
        var quotes = All().Select(c => c.Quote(Domestic(units: 2))).ToList();
        Assert.Equal<CarrierQuote?>(
            [
                new CarrierQuote("ground-co", "ground", 7.69m, "USD", 5),
                new CarrierQuote("swift-express", "express", 14.69m, "USD", 2),
                new CarrierQuote("nightowl", "overnight", 30.49m, "USD", 1),
            ],
            quotes);
    }

    [Fact]
    public void International_quotes_cost_more_and_take_longer_and_overnight_does_not_go_abroad()
    {
        foreach (var carrier in new ICarrier[] { new GroundCoCarrier(), new SwiftExpressCarrier() })
        {
            var home = carrier.Quote(Domestic())!;
            var abroad = carrier.Quote(Abroad());
            Assert.True(abroad is not null, $"{carrier.Code} must serve international destinations");
            Assert.True(abroad.Price > home.Price, $"{carrier.Code} abroad ({abroad.Price}) must cost more than at home ({home.Price})");
            Assert.True(abroad.TransitDays > home.TransitDays, $"{carrier.Code} abroad ({abroad.TransitDays} days) must take longer than at home ({home.TransitDays} days)");
        }

        Assert.True(new NightOwlCarrier().Quote(Abroad()) is null, "nightowl is domestic only and must not quote abroad");
    }

    [Fact]
    public void Ground_is_cheapest_and_slowest_for_every_parcel_size()
    {
        foreach (var units in new[] { 1, 5, 50 })
        {
            var ground = new GroundCoCarrier().Quote(Domestic(units))!;
            var express = new SwiftExpressCarrier().Quote(Domestic(units))!;
            var overnight = new NightOwlCarrier().Quote(Domestic(units))!;
            Assert.True(ground.Price < express.Price && express.Price < overnight.Price, $"for {units} units expected ground < express < overnight, got {ground.Price}, {express.Price}, {overnight.Price}");
            Assert.True(ground.TransitDays > express.TransitDays && express.TransitDays > overnight.TransitDays, "expected ground slower than express slower than overnight");
        }
    }

    [Fact]
    public void Price_grows_with_units()
    {
        foreach (var carrier in All())
        {
            var one = carrier.Quote(Domestic(1))!.Price;
            var ten = carrier.Quote(Domestic(10))!.Price;
            Assert.True(ten > one, $"{carrier.Code}: 10 units ({ten}) must cost more than 1 unit ({one})");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Quoting_a_parcel_without_units_throws(int units)
    {
        foreach (var carrier in All())
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => carrier.Quote(Domestic(units)));
            Assert.Throws<ArgumentOutOfRangeException>(() => carrier.Quote(Abroad(units)));
        }
    }

    [Fact]
    public void Zones_follow_the_location_country_table()
    {
        var countries = new Dictionary<string, string> { ["berlin"] = "DE" };
        var nightowl = new NightOwlCarrier(countries);
        Assert.True(nightowl.Quote(new ParcelSpec("berlin", "DE", "10115", 1)) is not null, "berlin is in DE, so DE is domestic for it");
        Assert.True(nightowl.Quote(new ParcelSpec("berlin", "US", "62701", 1)) is null, "from berlin, US is abroad and overnight must not serve it");
        Assert.True(nightowl.Quote(new ParcelSpec("main", "us", "62701", 1)) is not null, "an unlisted location is in the US, and country codes compare case-insensitively");
    }

    [Fact]
    public void Tracking_numbers_are_deterministic_per_shipment_and_distinct_per_shipment_and_carrier()
    {
        var first = new GroundCoCarrier().CreateLabel("ship-1", Domestic(), Address);
        var again = new GroundCoCarrier().CreateLabel("ship-1", Domestic(), Address);
        var otherShipment = new GroundCoCarrier().CreateLabel("ship-2", Domestic(), Address);
        var otherCarrier = new SwiftExpressCarrier().CreateLabel("ship-1", Domestic(), Address);

        Assert.True(first == again, "the same shipment must get the same label, tracking number included");
        Assert.True(first.TrackingNumber != otherShipment.TrackingNumber, $"two shipments must not share tracking number {first.TrackingNumber}");
        Assert.True(first.TrackingNumber != otherCarrier.TrackingNumber, $"two carriers must not share tracking number {first.TrackingNumber}");
        Assert.Matches("^GC[0-9]{13}$", first.TrackingNumber);
        Assert.Matches("^SX[0-9]{13}$", otherCarrier.TrackingNumber);
        Assert.Matches("^NO[0-9]{13}$", new NightOwlCarrier().CreateLabel("ship-1", Domestic(), Address).TrackingNumber);
    }

    [Fact]
    public void Tracking_numbers_carry_a_valid_luhn_check_digit()
    {
        foreach (var carrier in All())
        {
            for (var i = 0; i < 50; i++)
            {
                var tracking = carrier.CreateLabel($"ship-{i}", Domestic(), Address).TrackingNumber;
                Assert.True(TrackingNumbers.HasValidCheckDigit(tracking), $"{tracking} must end with a valid Luhn check digit");
                var wrong = tracking[..^1] + (char)('0' + ((tracking[^1] - '0' + 1) % 10));
                Assert.False(TrackingNumbers.HasValidCheckDigit(wrong), $"{wrong} has a wrong check digit and must fail the check");
            }
        }

        Assert.True(TrackingNumbers.LuhnCheckDigit("7992739871") == '3', "the textbook Luhn example 7992739871 must get check digit 3");
    }

    [Fact]
    public void Labels_are_zpl_documents_with_the_address_and_the_tracking_number_as_text_and_barcode()
    {
        var label = new SwiftExpressCarrier().CreateLabel("ship-1", Domestic(), Address);
        Assert.Equal("zpl", label.LabelFormat);
        Assert.Equal("swift-express", label.Carrier);
        var zpl = label.LabelDocument;
        Assert.True(zpl.StartsWith("^XA", StringComparison.Ordinal), "a ZPL label must start with ^XA");
        Assert.True(zpl.TrimEnd().EndsWith("^XZ", StringComparison.Ordinal), "a ZPL label must end with ^XZ");
        Assert.Contains("TRACKING: " + label.TrackingNumber, zpl, StringComparison.Ordinal);
        Assert.Contains("^BCN,160,N,N,N^FD" + label.TrackingNumber + "^FS", zpl, StringComparison.Ordinal);
        Assert.Contains("SWIFT-EXPRESS / EXPRESS", zpl, StringComparison.Ordinal);
        foreach (var text in new[] { "Ada Lovelace", "1 Analytical Way", "Suite 2", "Springfield IL 62701" })
        {
            Assert.True(zpl.Contains(text, StringComparison.Ordinal), $"the label must print '{text}'");
        }
    }

    [Fact]
    public void Carets_and_tildes_in_an_address_are_escaped_so_they_cannot_start_zpl_commands()
    {
        var hostile = Address with { Name = "Evil ^XZ Corp", Line1 = "~JA 5_th Ave", Line2 = "Line\nbreak" };
        var zpl = new GroundCoCarrier().CreateLabel("ship-1", Domestic(), hostile).LabelDocument;

        Assert.True(zpl.IndexOf("^XZ", StringComparison.Ordinal) == zpl.Length - "^XZ\n".Length, "^XZ must appear once, at the end: the address must not end the label early");
        Assert.DoesNotContain("~", zpl, StringComparison.Ordinal);
        Assert.Contains("^FH^FDEvil _5EXZ Corp^FS", zpl, StringComparison.Ordinal);
        Assert.Contains("^FH^FD_7EJA 5_5Fth Ave^FS", zpl, StringComparison.Ordinal);
        Assert.Contains("^FH^FDLine break^FS", zpl, StringComparison.Ordinal);
        foreach (var line in zpl.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(line.StartsWith('^'), $"every ZPL line must start with a command; got '{line}'");
        }
    }

    [Fact]
    public void Overnight_will_not_label_a_parcel_it_cannot_deliver() =>
        Assert.Throws<InvalidOperationException>(() => new NightOwlCarrier().CreateLabel("ship-1", Abroad(), Address with { Country = "DE" }));

    [Fact]
    public void Selector_quotes_only_serving_carriers_cheapest_first()
    {
        var selector = new CarrierSelector(All());
        Assert.Equal(["ground-co", "swift-express", "nightowl"], selector.Quotes(Domestic()).Select(q => q.Carrier));
        Assert.Equal(["ground-co", "swift-express"], selector.Quotes(Abroad()).Select(q => q.Carrier));
    }

    [Theory]
    [InlineData(10, "ground-co")]
    [InlineData(5, "ground-co")]
    [InlineData(4, "swift-express")]
    [InlineData(2, "swift-express")]
    [InlineData(1, "nightowl")]
    public void Selector_chooses_the_cheapest_carrier_that_meets_the_deadline(int businessDaysLeft, string expected)
    {
        var choice = new CarrierSelector(All()).Choose(Domestic(), businessDaysLeft, null);
        Assert.True(choice is not null, "some carrier serves a domestic parcel");
        Assert.True(choice.Value.Quote.Carrier == expected, $"with {businessDaysLeft} days left expected {expected}, got {choice.Value.Quote.Carrier}");
        Assert.True(choice.Value.Carrier.Code == expected, "the chosen carrier must be the one that gave the quote");
    }

    [Fact]
    public void Selector_falls_back_to_the_fastest_carrier_when_none_meets_the_deadline()
    {
        var selector = new CarrierSelector(All());
        Assert.True(selector.Choose(Domestic(), 0, null)?.Quote.Carrier == "nightowl", "no carrier delivers in 0 days domestically, so the fastest (nightowl) must be chosen");
        Assert.True(selector.Choose(Abroad(), 3, null)?.Quote.Carrier == "swift-express", "no carrier delivers abroad in 3 days, so the fastest serving carrier (swift-express) must be chosen");
    }

    [Fact]
    public void Selector_breaks_ties_by_transit_days_then_carrier_code()
    {
        var sameFast = new CarrierSelector([new FixedCarrier("b-carrier", 10m, 2), new FixedCarrier("a-carrier", 10m, 2), new FixedCarrier("c-carrier", 10m, 3)]);
        Assert.True(sameFast.Choose(Domestic(), 5, null)?.Quote.Carrier == "a-carrier", "equal price and transit must fall to the lowest carrier code");
        Assert.Equal(["a-carrier", "b-carrier", "c-carrier"], sameFast.Quotes(Domestic()).Select(q => q.Carrier));

        var samePrice = new CarrierSelector([new FixedCarrier("a-slow", 10m, 4), new FixedCarrier("z-fast", 10m, 2)]);
        Assert.True(samePrice.Choose(Domestic(), 5, null)?.Quote.Carrier == "z-fast", "at equal price the faster carrier must win");

        var fallback = new CarrierSelector([new FixedCarrier("b-cheap", 5m, 3), new FixedCarrier("a-dear", 9m, 3), new FixedCarrier("c-slow", 1m, 9)]);
        Assert.True(fallback.Choose(Domestic(), 1, null)?.Quote.Carrier == "b-cheap", "among equally fast carriers past the deadline the cheaper must win");
    }

    [Fact]
    public void Selector_honours_a_named_carrier_even_when_a_cheaper_one_meets_the_deadline()
    {
        var selector = new CarrierSelector(All());
        Assert.True(selector.Choose(Domestic(), 10, "nightowl")?.Carrier.Code == "nightowl", "a named carrier must be used when it serves the parcel");
        Assert.True(selector.Choose(Domestic(), 0, "ground-co")?.Carrier.Code == "ground-co", "a named carrier must be used even if it misses the deadline");
        Assert.True(selector.Choose(Domestic(), 10, "Swift-Express")?.Carrier.Code == "swift-express", "carrier codes must match case-insensitively");
    }

    [Fact]
    public void Selector_returns_null_for_an_unknown_or_non_serving_named_carrier()
    {
        var selector = new CarrierSelector(All());
        Assert.True(selector.Choose(Domestic(), 10, "pony-express") is null, "an unknown carrier must give no choice rather than another carrier");
        Assert.True(selector.Choose(Abroad(), 10, "nightowl") is null, "nightowl does not ship abroad, so naming it for an international parcel must give no choice");
    }

    [Fact]
    public void Selector_returns_null_when_no_carrier_serves_the_parcel()
    {
        var selector = new CarrierSelector([new NightOwlCarrier()]);
        Assert.True(selector.Choose(Abroad(), 10, null) is null, "no carrier serves the destination, so there is nothing to choose");
        Assert.Empty(selector.Quotes(Abroad()));
    }

    [Fact]
    public void Selector_rejects_carriers_that_share_a_code() =>
        Assert.Throws<ArgumentException>(() => new CarrierSelector([new GroundCoCarrier(), new GroundCoCarrier()]));

    [Fact]
    public void The_di_extension_registers_three_carriers_and_the_selector_once()
    {
        using var provider = new ServiceCollection().AddBuiltInCarriers().AddBuiltInCarriers().BuildServiceProvider();
        Assert.Equal(["ground-co", "nightowl", "swift-express"], provider.GetServices<ICarrier>().Select(c => c.Code).Order(StringComparer.Ordinal));
        Assert.IsType<CarrierSelector>(provider.GetRequiredService<ICarrierSelector>());
        Assert.True(provider.GetRequiredService<ICarrierSelector>().Choose(Domestic(), 3, null)?.Quote.Carrier == "swift-express", "the registered selector must see the registered carriers");
    }

    // A carrier with one price and transit time everywhere, to exercise the selector's tie-breaks.
    private sealed class FixedCarrier(string code, decimal price, int transitDays) : ICarrier
    {
        public string Code => code;

        public CarrierQuote? Quote(ParcelSpec parcel) => new(code, "fixed", price, "USD", transitDays);

        public ShippingLabel CreateLabel(string shipmentId, ParcelSpec parcel, ShippingAddressLabel address, ShippingAddressLabel? sender = null) =>
            throw new NotSupportedException("the selector never buys labels");
    }
}
