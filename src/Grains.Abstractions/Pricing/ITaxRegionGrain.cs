namespace OrderActors.Grains.Pricing;

/// <summary>
/// The tax rules of a country (key <c>US</c>) or of one of its regions (key <c>US-CA</c>, which wins over the
/// country's for addresses in that region). Orders are taxed by the rules of their shipping address when they are placed.
/// </summary>
[Alias("OrderActors.Grains.Pricing.ITaxRegionGrain")]
public interface ITaxRegionGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the rules; each change gets the next version.</summary>
    [Alias("PutAsync")]
    Task<TaxRegionView> PutAsync(PutTaxRegion command);

    /// <summary>The rules, or null if none were set.</summary>
    [Alias("GetAsync"), ReadOnly]
    Task<TaxRegionView?> GetAsync();
}

/// <summary>Sets a tax region's rules.</summary>
/// <param name="Rates">The rate in percent per tax class (<c>standard</c>, <c>reduced</c>, …); a class not listed is not taxed.</param>
/// <param name="PricesIncludeTax">Whether catalog prices in this region already include the tax (VAT style) or it is added on top (US sales tax style).</param>
/// <param name="TaxShipping">Whether the shipping charge is taxed, at the <c>standard</c> rate.</param>
/// <param name="Actor">Who sets them.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Pricing.PutTaxRegion")]
public sealed record PutTaxRegion(IReadOnlyDictionary<string, decimal> Rates, bool PricesIncludeTax, bool TaxShipping, Orders.Actor Actor);

/// <summary>A tax region's rules.</summary>
/// <param name="Code">The country, or country and region (<c>US-CA</c>).</param>
/// <param name="Rates">The rate in percent per tax class.</param>
/// <param name="PricesIncludeTax">Whether prices include the tax.</param>
/// <param name="TaxShipping">Whether shipping is taxed at the <c>standard</c> rate.</param>
/// <param name="Version">1 for the first version, one more for each change.</param>
/// <param name="UpdatedAt">When they last changed.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Pricing.TaxRegionView")]
public sealed record TaxRegionView(string Code, IReadOnlyDictionary<string, decimal> Rates, bool PricesIncludeTax, bool TaxShipping, int Version, DateTimeOffset UpdatedAt)
{
    /// <summary>The rate of a tax class in percent (0 when the class is not listed).</summary>
    public decimal RateOf(string taxClass) => Rates.TryGetValue(taxClass, out var rate) ? rate : 0m;
}
