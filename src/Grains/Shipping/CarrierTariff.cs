namespace OrderActors.Grains.Shipping;

/// <summary>A carrier's price and transit time for one zone.</summary>
/// <param name="BasePrice">Price per parcel, in USD.</param>
/// <param name="PerUnit">Price per unit in the parcel, in USD.</param>
/// <param name="TransitDays">Business days from hand-over to delivery.</param>
public sealed record ZoneRate(decimal BasePrice, decimal PerUnit, int TransitDays);

/// <summary>A built-in carrier's rate and transit table.</summary>
/// <param name="Service">The service level the carrier sells, e.g. <c>ground</c>.</param>
/// <param name="TrackingPrefix">The letters that start the carrier's tracking numbers.</param>
/// <param name="Domestic">Rates when the destination is in the shipping location's country.</param>
/// <param name="International">Rates for any other destination, or null when the carrier ships domestically only.</param>
public sealed record CarrierTariff(string Service, string TrackingPrefix, ZoneRate Domestic, ZoneRate? International);
