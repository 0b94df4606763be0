using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrderActors.Tests.Infrastructure;

/// <summary>
/// Wraps an Orleans grain storage provider and delays the writes of the given grain types, e.g. the projections on
/// <see cref="OrderActors.Grains.OrderActorsStorage.State"/>, so that they fall behind the event log.
/// </summary>
public sealed class SlowStateWrites(IGrainStorage inner, IReadOnlyCollection<string> grainTypes, TimeSpan delay)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainTypes.Contains(grainId.Type.ToString()!))
        {
            await Task.Delay(delay);
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => inner.ClearStateAsync(stateName, grainId, grainState);

    // Orleans initializes a storage provider through its lifecycle (the ADO.NET one reads its queries there).
    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    /// <summary>
    /// Replaces the grain storage provider registered as <paramref name="name"/> by <c>decorate</c> of it; call after the
    /// provider was added (e.g. in the <c>silo</c> callback of <see cref="OrderActorsTestCluster.StartAsync"/>).
    /// </summary>
    public static void Decorate(IServiceCollection services, string name, Func<IGrainStorage, IGrainStorage> decorate)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name));
        var create = registered.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"Grain storage '{name}' is not registered by a factory.");
        services.Remove(registered);
        services.AddKeyedSingleton(name, (sp, key) => decorate((IGrainStorage)create(sp, key)));
    }
}
