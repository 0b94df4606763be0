using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OrderActors.Grains.Shipping;

/// <summary>Registers carriers in a host.</summary>
public static class ShippingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the built-in carriers (<c>ground-co</c>, <c>swift-express</c>, <c>nightowl</c>, every location in the
    /// US) as <see cref="ICarrier"/>s, and <see cref="CarrierSelector"/> as the <see cref="ICarrierSelector"/>
    /// unless one is already registered. Calling it twice adds each carrier once.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddBuiltInCarriers(this IServiceCollection services)
    {
        // Factories pick the parameterless default explicitly rather than letting the container decide whether
        // some registered dictionary is meant as the location-country table.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICarrier, GroundCoCarrier>(_ => new GroundCoCarrier()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICarrier, SwiftExpressCarrier>(_ => new SwiftExpressCarrier()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICarrier, NightOwlCarrier>(_ => new NightOwlCarrier()));
        services.TryAddSingleton<ICarrierSelector, CarrierSelector>();
        return services;
    }
}
