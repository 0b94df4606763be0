using OrderActors.Grains.Locations;
using OrderActors.Grains.Orders;

namespace OrderActors.Tests.Infrastructure;

/// <summary>Gives test locations an address, as ops do before a location takes returns.</summary>
public static class TestLocations
{
    /// <summary>A warehouse address in the US (the built-in carriers' default country).</summary>
    public static Address Warehouse(string location) => new($"OrderActors {location}", "100 Dock Rd", null, "Reno", "NV", "89501", "US");

    /// <summary>Sets the addresses of <paramref name="locations"/>.</summary>
    public static async Task AddressAsync(IGrainFactory grains, params string[] locations)
    {
        foreach (var location in locations)
        {
            await grains.GetGrain<ILocationGrain>(location).SetAsync(new SetLocation(Warehouse(location)));
        }
    }

    /// <summary>Sets the addresses of every location <paramref name="order"/> ships from.</summary>
    public static Task AddressAsync(IGrainFactory grains, OrderView order)
        => AddressAsync(grains, [.. order.Shipments.Select(s => s.Location).Distinct()]);
}
