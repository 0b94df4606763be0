namespace OrderActors.Grains.Shipping;

/// <summary>The built-in <c>swift-express</c> carrier: express; ships abroad. Rates: <see cref="BuiltInCarriers.SwiftExpressTariff"/>.</summary>
/// <param name="locationCountries">ISO country per shipping location id; unlisted locations (and all, when null) are in the US.</param>
public sealed class SwiftExpressCarrier(IReadOnlyDictionary<string, string>? locationCountries = null)
    : TariffCarrier(BuiltInCarriers.SwiftExpress, BuiltInCarriers.SwiftExpressTariff, locationCountries);
