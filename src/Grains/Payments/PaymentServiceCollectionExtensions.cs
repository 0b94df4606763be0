using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OrderActors.Grains.Payments;

/// <summary>Registers payment gateways in a host.</summary>
public static class PaymentServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="TestPaymentGateway"/> as the <see cref="IPaymentGateway"/> unless a gateway is already
    /// registered, so a host that registers a real gateway first keeps it.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddTestPaymentGateway(this IServiceCollection services)
    {
        services.TryAddSingleton<IPaymentGateway, TestPaymentGateway>();
        return services;
    }
}
