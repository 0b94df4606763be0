namespace OrderActors.Grains.Locations;

/// <summary>
/// A shipping location (warehouse, store) as a real place. Key: the location id. Its address is the sender of the
/// labels of parcels that leave it and the destination of return labels to it.
/// </summary>
[Alias("OrderActors.Grains.Locations.ILocationGrain")]
public interface ILocationGrain : IGrainWithStringKey
{
    /// <summary>Sets the location's name and address (replacing what was there).</summary>
    [Alias("SetAsync")]
    Task<LocationView> SetAsync(SetLocation command);

    /// <summary>The location, or null if it was never given an address.</summary>
    [Alias("GetAsync"), ReadOnly]
    Task<LocationView?> GetAsync();
}
