namespace OrderActors.Grains.Shipping;

/// <summary>What a carrier needs to quote or label a parcel.</summary>
/// <param name="FromLocation">The shipping location (warehouse) id.</param>
/// <param name="ToCountry">ISO 3166-1 alpha-2 destination country, e.g. <c>US</c>.</param>
/// <param name="ToPostalCode">Destination postal code.</param>
/// <param name="Units">Units in the parcel (the built-in carriers price by units; 1 unit ≈ 0.5 kg).</param>
public sealed record ParcelSpec(string FromLocation, string ToCountry, string ToPostalCode, int Units);

/// <summary>A carrier's price and promise for a parcel.</summary>
/// <param name="Carrier">The carrier code.</param>
/// <param name="Service">The service level, e.g. <c>ground</c>.</param>
/// <param name="Price">Price in <paramref name="Currency"/>.</param>
/// <param name="Currency">ISO 4217 currency.</param>
/// <param name="TransitDays">Business days from hand-over to delivery.</param>
public sealed record CarrierQuote(string Carrier, string Service, decimal Price, string Currency, int TransitDays);

/// <summary>A purchased label.</summary>
/// <param name="Carrier">The carrier code.</param>
/// <param name="TrackingNumber">The carrier's tracking number, unique per label.</param>
/// <param name="LabelFormat">The label document's format: <c>zpl</c> (thermal printers).</param>
/// <param name="LabelDocument">The label document.</param>
public sealed record ShippingLabel(string Carrier, string TrackingNumber, string LabelFormat, string LabelDocument);

/// <summary>The carrier port: quotes and labels. Built-in carriers price from rate and transit-time tables.</summary>
public interface ICarrier
{
    /// <summary>The carrier's code, e.g. <c>ground-co</c>.</summary>
    string Code { get; }

    /// <summary>Quotes a parcel, or null when the carrier does not serve the destination.</summary>
    CarrierQuote? Quote(ParcelSpec parcel);

    /// <summary>
    /// Buys a label for a parcel to <paramref name="address"/>, from <paramref name="sender"/> when known; the same
    /// <paramref name="shipmentId"/> always gets the same tracking number.
    /// </summary>
    ShippingLabel CreateLabel(string shipmentId, ParcelSpec parcel, ShippingAddressLabel address, ShippingAddressLabel? sender = null);
}

/// <summary>The address lines printed on a label.</summary>
public sealed record ShippingAddressLabel(string Name, string Line1, string? Line2, string City, string? Region, string PostalCode, string Country)
{
    /// <summary>The label lines of a postal address, under <paramref name="name"/> when the address has no name of its own.</summary>
    public static ShippingAddressLabel From(Orders.Address address, string name)
        => new(address.Name is { Length: > 0 } own ? own : name, address.Line1, address.Line2, address.City, address.Region, address.PostalCode, address.Country);
}

/// <summary>Chooses among the configured carriers.</summary>
public interface ICarrierSelector
{
    /// <summary>Every carrier's quote for a parcel (carriers that do not serve it are left out), cheapest first.</summary>
    IReadOnlyList<CarrierQuote> Quotes(ParcelSpec parcel);

    /// <summary>
    /// The carrier for a parcel: the named one if given (null if it does not exist or does not serve the
    /// destination), otherwise the cheapest whose transit time meets <paramref name="businessDaysLeft"/>, or the
    /// fastest when none does.
    /// </summary>
    (ICarrier Carrier, CarrierQuote Quote)? Choose(ParcelSpec parcel, int businessDaysLeft, string? carrierCode);
}
