namespace OrderActors.Grains.Shipping;

/// <summary>
/// The codes and rate tables of the built-in carriers. Prices are in USD: base per zone + per unit × units.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Carrier (service)</term><description>Domestic; international</description></listheader>
/// <item><term><c>ground-co</c> (ground)</term><description>5.99 + 0.85/unit, 5 days; 24.00 + 3.20/unit, 12 days.</description></item>
/// <item><term><c>swift-express</c> (express)</term><description>11.49 + 1.60/unit, 2 days; 39.00 + 5.10/unit, 5 days.</description></item>
/// <item><term><c>nightowl</c> (overnight)</term><description>24.99 + 2.75/unit, 1 day; not served.</description></item>
/// </list>
/// <para>
/// Both the base and the per-unit rate rise with speed, so for any parcel ground is the cheapest and slowest and
/// overnight the dearest and fastest; tests and the selector's tie-breaks rely on that ordering.
/// </para>
/// </remarks>
public static class BuiltInCarriers
{
    /// <summary>The ground carrier's code.</summary>
    public const string GroundCo = "ground-co";

    /// <summary>The express carrier's code.</summary>
    public const string SwiftExpress = "swift-express";

    /// <summary>The overnight carrier's code.</summary>
    public const string NightOwl = "nightowl";

    /// <summary>The country of every shipping location that is not configured otherwise.</summary>
    public const string DefaultLocationCountry = "US";

    /// <summary>The currency of every built-in quote.</summary>
    public const string Currency = "USD";

    // Plausible parcel-carrier prices for parcels of a few kilograms (1 unit ≈ 0.5 kg); see the remarks.

    /// <summary><c>ground-co</c>: cheapest, slowest; ships abroad.</summary>
    public static readonly CarrierTariff GroundCoTariff = new(
        "ground",
        "GC",
        Domestic: new ZoneRate(5.99m, 0.85m, 5),
        International: new ZoneRate(24.00m, 3.20m, 12));

    /// <summary><c>swift-express</c>: express; ships abroad.</summary>
    public static readonly CarrierTariff SwiftExpressTariff = new(
        "express",
        "SX",
        Domestic: new ZoneRate(11.49m, 1.60m, 2),
        International: new ZoneRate(39.00m, 5.10m, 5));

    /// <summary><c>nightowl</c>: overnight, domestic only.</summary>
    public static readonly CarrierTariff NightOwlTariff = new(
        "overnight",
        "NO",
        Domestic: new ZoneRate(24.99m, 2.75m, 1),
        International: null);
}
