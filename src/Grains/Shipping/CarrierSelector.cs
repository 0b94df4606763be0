namespace OrderActors.Grains.Shipping;

/// <summary>
/// Chooses among the configured carriers by the rules of <see cref="ICarrierSelector"/>. Every ordering ends with
/// the carrier code, so the same carriers and parcel always give the same answer.
/// </summary>
/// <remarks>
/// Quotes and the deadline rule order by price, then transit days, then carrier code; the fastest-carrier fallback
/// orders by transit days, then price, then carrier code. Carrier codes are matched case-insensitively, and a
/// null, empty or blank <c>carrierCode</c> counts as not given.
/// </remarks>
/// <param name="carriers">The configured carriers; their codes must be distinct.</param>
public sealed class CarrierSelector(IEnumerable<ICarrier> carriers) : ICarrierSelector
{
    private readonly Dictionary<string, ICarrier> _carriers = ByCode(carriers);

    /// <inheritdoc />
    public IReadOnlyList<CarrierQuote> Quotes(ParcelSpec parcel) =>
        [.. Served(parcel).Select(c => c.Quote)];

    /// <inheritdoc />
    public (ICarrier Carrier, CarrierQuote Quote)? Choose(ParcelSpec parcel, int businessDaysLeft, string? carrierCode)
    {
        ArgumentNullException.ThrowIfNull(parcel);
        if (!string.IsNullOrWhiteSpace(carrierCode))
        {
            return _carriers.TryGetValue(carrierCode, out var named) && named.Quote(parcel) is { } namedQuote
                ? (named, namedQuote)
                : null;
        }

        var served = Served(parcel);
        if (served.Count == 0)
        {
            return null;
        }

        // Served is already cheapest first, so the first one in time is the cheapest in time.
        foreach (var candidate in served)
        {
            if (candidate.Quote.TransitDays <= businessDaysLeft)
            {
                return candidate;
            }
        }

        return served
            .OrderBy(c => c.Quote.TransitDays)
            .ThenBy(c => c.Quote.Price)
            .ThenBy(c => c.Quote.Carrier, StringComparer.Ordinal)
            .First();
    }

    // Every carrier that serves the parcel with its quote, cheapest first.
    private List<(ICarrier Carrier, CarrierQuote Quote)> Served(ParcelSpec parcel)
    {
        ArgumentNullException.ThrowIfNull(parcel);
        var served = new List<(ICarrier Carrier, CarrierQuote Quote)>(_carriers.Count);
        foreach (var carrier in _carriers.Values)
        {
            if (carrier.Quote(parcel) is { } quote)
            {
                served.Add((carrier, quote));
            }
        }

        served.Sort(static (a, b) =>
        {
            var byPrice = a.Quote.Price.CompareTo(b.Quote.Price);
            if (byPrice != 0)
            {
                return byPrice;
            }

            var byTransit = a.Quote.TransitDays.CompareTo(b.Quote.TransitDays);
            return byTransit != 0 ? byTransit : string.CompareOrdinal(a.Quote.Carrier, b.Quote.Carrier);
        });
        return served;
    }

    private static Dictionary<string, ICarrier> ByCode(IEnumerable<ICarrier> carriers)
    {
        ArgumentNullException.ThrowIfNull(carriers);
        var byCode = new Dictionary<string, ICarrier>(StringComparer.OrdinalIgnoreCase);
        foreach (var carrier in carriers)
        {
            if (!byCode.TryAdd(carrier.Code, carrier))
            {
                throw new ArgumentException($"Two carriers share the code '{carrier.Code}'.", nameof(carriers));
            }
        }

        return byCode;
    }
}
