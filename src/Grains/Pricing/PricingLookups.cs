using OrderActors.Grains.Catalog;
using OrderActors.Grains.Inventory;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Shipping;

namespace OrderActors.Grains.Pricing;

/// <summary>The reads that price an order or a cart: catalog entries, tax rules, a discount code's terms.</summary>
public static class PricingLookups
{
    /// <summary>The catalog entry of each SKU (null when it has none), read concurrently.</summary>
    public static async Task<Dictionary<string, ProductView?>> ProductsAsync(IGrainFactory grains, IEnumerable<string> skus)
    {
        var distinct = skus.Distinct(StringComparer.Ordinal).ToArray();
        var products = await Task.WhenAll(distinct.Select(sku => grains.GetGrain<IProductGrain>(sku).GetAsync()));
        return distinct.Zip(products).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
    }

    /// <summary>The tax rules for an address: its region's (<c>US-CA</c>), else its country's, else none.</summary>
    public static async Task<TaxRegionView?> TaxRegionAsync(IGrainFactory grains, Address? address)
    {
        if (address is null)
        {
            return null;
        }

        return (TaxRegionGrain.RegionKey(address.Country, address.Region) is { } key ? await grains.GetGrain<ITaxRegionGrain>(key).GetAsync() : null)
            ?? await grains.GetGrain<ITaxRegionGrain>(address.Country).GetAsync();
    }

    /// <summary>
    /// What a code's terms take off a subtotal now, or why they do not apply (limits aside: only the code's grain knows its uses).
    /// </summary>
    public static (decimal Amount, string? Refusal) Apply(DiscountView terms, decimal subtotal, string currency, DateTimeOffset now)
    {
        if (!terms.Active || terms.StartsAt > now || terms.EndsAt <= now)
        {
            return (0, $"Code '{terms.Code}' is not active now.");
        }

        if (terms.Kind == DiscountKind.Fixed && terms.Currency != currency)
        {
            return (0, $"Code '{terms.Code}' takes {terms.Currency} off, not {currency}.");
        }

        if (terms.MinimumSubtotal is { } minimum && subtotal < minimum)
        {
            return (0, $"Code '{terms.Code}' needs a subtotal of at least {minimum} {currency}.");
        }

        return (terms.Kind == DiscountKind.Percentage ? OrderTotals.Percent(subtotal, terms.Value, IsoCodes.MinorUnits(currency)) : Math.Min(terms.Value, subtotal), null);
    }

    /// <summary>
    /// The shipping charge a cart or quote shows: one parcel of every unit from the location that can send most of them,
    /// quoted by the picked carrier (0 without a method, an address or stock anywhere); or why the method cannot ship it.
    /// An order pays a parcel per location it ships from, so one split over locations may pay more.
    /// </summary>
    public static (decimal Price, string? Problem) EstimateShipping(
        ICarrierSelector carriers, string? method, Address? address, string currency, IReadOnlyList<(int Quantity, InventoryView? Stock)> lines)
    {
        if (method is null || address is null || lines.Count == 0)
        {
            return (0, null);
        }

        var location = lines.SelectMany(l => l.Stock?.Locations.Select(s => (s.Location, Units: Math.Min(s.Available, l.Quantity))) ?? [])
            .GroupBy(s => s.Location, StringComparer.Ordinal)
            .Select(g => (Location: g.Key, Units: g.Sum(s => s.Units)))
            .OrderByDescending(g => g.Units)
            .Select(g => g.Location)
            .FirstOrDefault();
        if (location is null)
        {
            return (0, null); // nothing is stocked anywhere: the shortage says so
        }

        var quote = carriers.Choose(new ParcelSpec(location, address.Country, address.PostalCode, lines.Sum(l => l.Quantity)), int.MaxValue, method)?.Quote;
        return quote is null ? (0, $"Shipping method '{method}' does not exist or does not ship from {location} to {address.Country}.")
            : quote.Currency != currency ? (0, $"Shipping method '{method}' is priced in {quote.Currency}, not {currency}.")
            : (quote.Price, null);
    }
}
