using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Locations;

/// <summary>Sets a location's address.</summary>
/// <param name="Address">The postal address; its <see cref="Address.Name"/> is the name printed on labels.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Locations.SetLocation")]
public sealed record SetLocation(Address Address);

/// <summary>A location as readers see it.</summary>
/// <param name="Id">The location id.</param>
/// <param name="Address">Its postal address.</param>
/// <param name="UpdatedAt">When the address was last set.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.Grains.Locations.LocationView")]
public sealed record LocationView(string Id, Address Address, DateTimeOffset UpdatedAt);
