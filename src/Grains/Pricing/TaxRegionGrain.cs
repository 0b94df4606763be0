namespace OrderActors.Grains.Pricing;

/// <summary>The stored state of a tax region.</summary>
public sealed record TaxRegionState
{
    /// <summary>The rules, once set.</summary>
    public TaxRegionView? Region { get; set; }
}

/// <summary>A tax region's rules; see <see cref="ITaxRegionGrain"/>. Setting the same rules again writes nothing.</summary>
[GrainType("tax-region")]
public sealed class TaxRegionGrain(
    [PersistentState("tax-region", OrderActorsStorage.State)] IPersistentState<TaxRegionState> region,
    TimeProvider timeProvider)
    : Grain, ITaxRegionGrain
{
    public async Task<TaxRegionView> PutAsync(PutTaxRegion command)
    {
        var current = region.State.Region;
        var rates = command.Rates.OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        if (current is not null && current.PricesIncludeTax == command.PricesIncludeTax && current.TaxShipping == command.TaxShipping
            && current.Rates.Count == rates.Count && rates.All(r => current.Rates.TryGetValue(r.Key, out var v) && v == r.Value))
        {
            return current;
        }

        var next = new TaxRegionView(this.GetPrimaryKeyString(), rates, command.PricesIncludeTax, command.TaxShipping, (current?.Version ?? 0) + 1, timeProvider.GetUtcNow());
        region.State.Region = next;
        try
        {
            await region.WriteStateAsync();
        }
        catch
        {
            region.State.Region = current; // not stored: readers must not see it
            throw;
        }

        return next;
    }

    public Task<TaxRegionView?> GetAsync() => Task.FromResult(region.State.Region);

    /// <summary>The grain key of an address's region, or null when the address names no region.</summary>
    public static string? RegionKey(string country, string? region)
        => string.IsNullOrWhiteSpace(region) || region.Trim().Length > 3 ? null : $"{country}-{region.Trim().ToUpperInvariant()}";
}
