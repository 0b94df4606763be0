namespace OrderActors.Grains.Shipping;

/// <summary>The built-in <c>ground-co</c> carrier: cheapest and slowest; ships abroad. Rates: <see cref="BuiltInCarriers.GroundCoTariff"/>.</summary>
/// <param name="locationCountries">ISO country per shipping location id; unlisted locations (and all, when null) are in the US.</param>
public sealed class GroundCoCarrier(IReadOnlyDictionary<string, string>? locationCountries = null)
    : TariffCarrier(BuiltInCarriers.GroundCo, BuiltInCarriers.GroundCoTariff, locationCountries);
