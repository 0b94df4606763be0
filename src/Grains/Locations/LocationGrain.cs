namespace OrderActors.Grains.Locations;

/// <summary>The stored state of a location.</summary>
public sealed record LocationState
{
    /// <summary>The postal address, or null until one is set.</summary>
    public Orders.Address? Address { get; set; }

    /// <summary>When the address was last set.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A shipping location's address; see <see cref="ILocationGrain"/>.</summary>
[GrainType("location")]
public sealed class LocationGrain(
    [PersistentState("location", OrderActorsStorage.State)] IPersistentState<LocationState> location,
    TimeProvider timeProvider)
    : Grain, ILocationGrain
{
    public async Task<LocationView> SetAsync(SetLocation command)
    {
        ArgumentNullException.ThrowIfNull(command.Address);
        location.State.Address = command.Address;
        location.State.UpdatedAt = timeProvider.GetUtcNow();
        await location.WriteStateAsync();
        return View()!;
    }

    public Task<LocationView?> GetAsync() => Task.FromResult(View());

    private LocationView? View()
        => location.State.Address is { } address ? new LocationView(this.GetPrimaryKeyString(), address, location.State.UpdatedAt) : null;
}
