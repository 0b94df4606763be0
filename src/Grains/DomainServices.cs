using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Payments;
using OrderActors.Grains.Shipping;
using OrderActors.Grains.Webhooks;

namespace OrderActors.Grains;

/// <summary>Registers the services the domain grains depend on.</summary>
public static class DomainServices
{
    /// <summary>
    /// Adds order options (section <c>OrderActors:Orders</c>), return options (<c>OrderActors:Returns</c>), report options (<c>OrderActors:Reports</c>), cart options (<c>OrderActors:Carts</c>) and webhook
    /// options (<c>OrderActors:Webhooks</c>), all validated at start-up; the payment processor over the built-in test
    /// payment gateway, the built-in carriers, and outgoing webhooks sent over HTTP. Register a real
    /// <see cref="IPaymentGateway"/>, <see cref="ICarrier"/> or <see cref="IWebhookSender"/> before calling this to
    /// replace the built-in ones.
    /// </summary>
    public static IServiceCollection AddOrderActorsDomain(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OrderOptions>().Bind(configuration.GetSection(OrderOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OrderOptions>, OrderOptionsValidator>();
        services.AddOptions<ReturnOptions>().Bind(configuration.GetSection(ReturnOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReturnOptions>, ReturnOptionsValidator>();
        services.AddOptions<ReportOptions>().Bind(configuration.GetSection(ReportOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReportOptions>, ReportOptionsValidator>();
        services.AddOptions<CartOptions>().Bind(configuration.GetSection(CartOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CartOptions>, CartOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddTestPaymentGateway();
        services.AddBuiltInCarriers();
        services.TryAddSingleton<PaymentProcessor>();
        services.AddWebhooks(configuration);
        return services;
    }
}
