using System.Security.Claims;
using System.Text.RegularExpressions;
using CsCheck;
using OrderActors.Api.Endpoints;
using OrderActors.Grains;
using OrderActors.Grains.Shipments;
using static OrderActors.Api.Endpoints.OrdersEndpoints;

namespace OrderActors.Tests.Properties;

/// <summary>
/// The request validators over random mixes of valid and hostile values: they never throw, and whatever they accept
/// satisfies the declared limits as an independent oracle states them (lists, lengths, anchors, money precision, sums).
/// </summary>
public sealed partial class ValidatorProperties
{
    private static readonly ClaimsPrincipal Storefront = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "shop"), new Claim(ClaimTypes.Role, "storefront")], "test"));

    // Mostly a valid value, sometimes a hostile one: every field has a fair chance to be the only bad one.
    private static Gen<T> Mostly<T>(T valid, params T[] hostile) => Gen.Frequency((12, Gen.Const(valid)), (1, Gen.OneOf(hostile)));

    private static readonly string?[] HostileText = ["", " ", null, "a\n", "\u0000", "é ü 漢字", new string('x', 201), new string('x', 5_000), "x\r\ny"];

    private static readonly string?[] HostileIdentifiers = ["abc\n", "main\n", "", " ", null, "a b", "a/b", new string('s', 101), "ü"];

    private static readonly Gen<string?> Identifier = Gen.Frequency((6, Gen.OneOf<string?>("sku-1", "a.b_c-D9", new string('s', 100))), (1, Gen.OneOf(HostileIdentifiers)));

    private static readonly Gen<int?> Count = Gen.Frequency(
        (8, Gen.Int[1, 10].Select(i => (int?)i)),
        (1, Gen.OneOf<int?>(null, 0, -1, 100_000, 100_001, 1_000_000_000, 1_000_000_001, int.MaxValue, int.MinValue)));

    private static readonly Gen<decimal?> Price = Gen.Frequency(
        (8, Gen.OneOf<decimal?>(10m, 19.9m, 19.90m, 0m, 1_000_000_000m)),
        (1, Gen.OneOf<decimal?>(0.00m, 0.0000000000000000000000000000m /* 1e-30 as read */, 0.001m, 10.5m, -0.01m, 1_000_000_000.01m, null, 0.1m)));

    private static readonly Gen<PlaceOrderRequest> Order = Gen.Select(
        Gen.Select(Mostly<string?>("cus-1", HostileText), Mostly<string?>("ana@example.com", "not-an-email", "a@b", "a@b.c\n", "a b@c.de", "x@" + new string('d', 260) + ".com"),
            Mostly<string?>("Ana", HostileText), (id, email, name) => new CustomerRequest(id, email, name)),
        Mostly<string?>("web", "Mobile", "marketplace", "fax", "web\n"),
        Mostly<string?>(null, "standard", "vip", "urgent"),
        Mostly<string?>("USD", "EUR", "JPY", "KWD", "XYZ", "usd", "US", "USDD", "XAU", ""),
        Gen.Select(Identifier, Count, Price, (sku, quantity, price) => (LineRequest?)new LineRequest(sku, quantity, price)).Array[0, 3],
        Gen.Select(Mostly<string?>("1 Main St", HostileText), Mostly<string?>("Springfield", HostileText), Mostly<string?>("12345", "", new string('9', 21), null),
            Mostly<string?>("US", "DE", "ZZ", "us", "USA", "", null, "U\n"), (line, city, postal, country) => new AddressRequest("Ana", line, null, city, null, postal, country)),
        Mostly<string?>("card", "cash_on_delivery", "invoice", "crypto", "Card", "", null),
        (customer, channel, priority, currency, lines, address, method) =>
            new PlaceOrderRequest(customer, channel, priority, currency, [.. lines], address, new PaymentRequest(method, "tok_visa")));

    [Fact]
    public void Whatever_order_validation_accepts_is_within_the_declared_limits()
    {
        var (accepted, refused) = (0, 0);
        Cases.Check(Order, 20_000, request =>
        {
            var validation = new Validation();
            var command = OrdersEndpoints.Validate(request, Storefront, validation);
            if (command is null)
            {
                refused++;
                Assert.False(validation.IsValid, "a refusal names its fields");
                return;
            }

            accepted++;
            Assert.Contains(command.Currency, IsoCodes.Currencies);
            Assert.Contains(command.ShippingAddress!.Country, IsoCodes.Countries);
            Assert.True(command.Customer.Id.Length <= DomainLimits.MaxNameLength && command.Customer.Name is null or { Length: <= DomainLimits.MaxNameLength });
            Assert.False(command.Customer.Id.Any(char.IsControl), $"accepted customer id '{command.Customer.Id}': it is a grain key, and PostgreSQL text holds no NUL");
            Assert.True(command.Customer.Email is null || (command.Customer.Email.Length <= DomainLimits.MaxEmailLength && System.Net.Mail.MailAddress.TryCreate(command.Customer.Email, out var mail)
                && mail.Address == command.Customer.Email && mail.Host.Contains('.')), $"accepted e-mail '{command.Customer.Email}'");
            Assert.True(command.ShippingAddress.Line1.Length <= DomainLimits.MaxAddressLineLength && command.ShippingAddress.City.Length <= DomainLimits.MaxAddressLineLength
                && command.ShippingAddress.PostalCode.Length <= DomainLimits.MaxPostalCodeLength, "accepted an over-long address");
            Assert.Contains(command.Payment!.Method, new[] { "card", "wallet", "bank_transfer", "gift_card", "cash_on_delivery", "invoice" });
            Assert.InRange(command.Lines.Count, 1, DomainLimits.MaxOrderLines);
            var minor = IsoCodes.MinorUnits(command.Currency);
            foreach (var line in command.Lines)
            {
                Assert.Matches(AnchoredIdentifier(), line.Sku);
                Assert.InRange(line.Quantity, 1, DomainLimits.MaxLineQuantity);
                if (line.UnitPrice is not { } price)
                {
                    continue; // priced by the catalog
                }

                Assert.InRange(price, 0m, DomainLimits.MaxUnitPrice);
                var inMinorUnits = price * (decimal)Math.Pow(10, minor);
                Assert.True(inMinorUnits == decimal.Truncate(inMinorUnits) && (price != 0 || price.Scale <= minor),
                    $"accepted {price} {command.Currency}: finer than its minor unit");
            }
        });
        Console.WriteLine($"Order validation properties: {accepted} accepted, {refused} refused.");
        Assert.True(accepted > 0 && refused > 0, $"the generator must reach both sides ({accepted} accepted, {refused} refused)");
    }

    [Fact]
    public void Whatever_stock_validation_accepts_fits_the_ledger()
    {
        var onHand = Gen.Frequency((1, Gen.Int[0, 20].Select(i => (int?)i)),
            (1, Gen.OneOf<int?>(null, -1, DomainLimits.MaxOnHandPerLocation - 1, DomainLimits.MaxOnHandPerLocation, DomainLimits.MaxOnHandPerLocation + 1, int.MaxValue)));
        var request = Gen.Select(Identifier, Gen.Select(Identifier, onHand, (l, q) => (l, q)).Array[0, 4], Identifier.Array[0, 2],
            (sku, locations, substitutes) => (Sku: sku ?? "", Body: new InventoryEndpoints.PutStockRequest(
                locations.Where(l => l.l is not null && l.q is not null).DistinctBy(l => l.l).ToDictionary(l => l.l!, l => l.q!.Value),
                [.. substitutes.Select(s => s ?? "")])));
        var accepted = 0;
        Cases.Check(request, 10_000, r =>
        {
            var command = InventoryEndpoints.Validate(r.Sku, r.Body, new Validation());
            if (command is null)
            {
                return;
            }

            accepted++;
            Assert.Matches(AnchoredIdentifier(), r.Sku);
            Assert.All(command.Locations, l => Assert.Matches(AnchoredIdentifier(), l.Location));
            Assert.All(command.Locations, l => Assert.InRange(l.OnHand, 0, DomainLimits.MaxOnHandPerLocation));
            Assert.True(command.Locations.Sum(l => (long)l.OnHand) <= DomainLimits.MaxOnHandPerSku, $"accepted {command.Locations.Sum(l => (long)l.OnHand)} units for one SKU");
            var ledger = new OrderActors.Grains.Inventory.StockLedger(r.Sku, new OrderActors.Grains.Inventory.InventoryState());
            ledger.SetStock(command, DateTimeOffset.UnixEpoch);
            _ = ledger.View();
        });
        Console.WriteLine($"Stock validation properties: {accepted} accepted.");
    }

    [Fact]
    public void An_accepted_tracking_time_keeps_the_history_in_order_and_the_return_window_on_the_calendar()
    {
        var now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var at = Gen.Frequency(
            (3, Gen.Long[-400L * 24 * 3600, 3600].Select(seconds => (DateTimeOffset?)now.AddSeconds(seconds))),
            (1, Gen.OneOf<DateTimeOffset?>(null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero),
                new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero), now + DomainLimits.ClockSkew, now + DomainLimits.ClockSkew + TimeSpan.FromTicks(1))));
        var history = Gen.Long[0, 30L * 24 * 3600].Select(secondsAgo => now.AddSeconds(-secondsAgo));
        var cases = Cases.Check(Gen.Select(at, history), 20_000, c =>
        {
            var (time, last) = c;
            DateTimeOffset accepted;
            try
            {
                accepted = TrackingTime.Validate(time, last, "the last change", now);
            }
            catch (DomainException refused)
            {
                Assert.Equal(("validation-failed", "at"), (refused.Code, refused.Field));
                return;
            }

            Assert.InRange(accepted, last, now + DomainLimits.ClockSkew);
            _ = accepted.AddDays(365); // the longest return window: it must stay on the calendar
        });
        Console.WriteLine($"Tracking time properties: {cases} cases.");
    }

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,100}\z")]
    private static partial Regex AnchoredIdentifier();
}
