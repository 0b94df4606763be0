namespace OrderActors.Grains.Shipping;

/// <summary>The built-in <c>nightowl</c> carrier: overnight, domestic only. Rates: <see cref="BuiltInCarriers.NightOwlTariff"/>.</summary>
/// <param name="locationCountries">ISO country per shipping location id; unlisted locations (and all, when null) are in the US.</param>
public sealed class NightOwlCarrier(IReadOnlyDictionary<string, string>? locationCountries = null)
    : TariffCarrier(BuiltInCarriers.NightOwl, BuiltInCarriers.NightOwlTariff, locationCountries);
