namespace OrderActors.Grains.Shipping;

/// <summary>
/// A carrier that prices from a <see cref="CarrierTariff"/>: domestic when the destination country is the shipping
/// location's country, international otherwise. Labels are ZPL with a tracking number derived from the shipment id.
/// </summary>
public abstract class TariffCarrier : ICarrier
{
    private readonly CarrierTariff _tariff;
    private readonly IReadOnlyDictionary<string, string> _locationCountries;

    /// <summary>Creates a carrier over a tariff.</summary>
    /// <param name="code">The carrier code.</param>
    /// <param name="tariff">The rate and transit table.</param>
    /// <param name="locationCountries">
    /// ISO country per shipping location id; a location that is not listed is in
    /// <see cref="BuiltInCarriers.DefaultLocationCountry"/>. Null means every location is.
    /// </param>
    protected TariffCarrier(string code, CarrierTariff tariff, IReadOnlyDictionary<string, string>? locationCountries)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        ArgumentNullException.ThrowIfNull(tariff);
        Code = code;
        _tariff = tariff;
        _locationCountries = locationCountries ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public string Code { get; }

    /// <summary>The service level this carrier sells.</summary>
    public string Service => _tariff.Service;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The parcel has no units.</exception>
    public CarrierQuote? Quote(ParcelSpec parcel)
    {
        ArgumentNullException.ThrowIfNull(parcel);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parcel.Units);
        var rate = IsDomestic(parcel) ? _tariff.Domestic : _tariff.International;
        if (rate is null)
        {
            return null;
        }

        var price = Math.Round(rate.BasePrice + (rate.PerUnit * parcel.Units), 2, MidpointRounding.AwayFromZero);
        return new CarrierQuote(Code, _tariff.Service, price, BuiltInCarriers.Currency, rate.TransitDays);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The parcel has no units.</exception>
    /// <exception cref="InvalidOperationException">The carrier does not serve the parcel's destination.</exception>
    public ShippingLabel CreateLabel(string shipmentId, ParcelSpec parcel, ShippingAddressLabel address, ShippingAddressLabel? sender = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(shipmentId);
        ArgumentNullException.ThrowIfNull(address);
        // Quoting first validates the parcel and refuses a label the carrier could never deliver.
        _ = Quote(parcel) ?? throw new InvalidOperationException($"Carrier '{Code}' does not ship from '{parcel.FromLocation}' to '{parcel.ToCountry}'.");
        var trackingNumber = TrackingNumbers.Create(_tariff.TrackingPrefix, shipmentId);
        var document = ZplLabel.Render(Code, _tariff.Service, trackingNumber, address, sender);
        return new ShippingLabel(Code, trackingNumber, ZplLabel.Format, document);
    }

    private bool IsDomestic(ParcelSpec parcel)
    {
        var origin = _locationCountries.TryGetValue(parcel.FromLocation, out var country)
            ? country
            : BuiltInCarriers.DefaultLocationCountry;
        return string.Equals(origin, parcel.ToCountry, StringComparison.OrdinalIgnoreCase);
    }
}
