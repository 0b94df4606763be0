using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrderActors.Grains.Webhooks;

/// <summary>Registers outgoing webhooks.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="WebhookOptions"/> (section <c>OrderActors:Webhooks</c>, validated at start-up), Data Protection
    /// with the <see cref="WebhookSecretProtector"/> that encrypts stored secrets (persist its key ring where every silo
    /// finds it: <c>AddOrderActors</c> does), the <see cref="WebhookTargetPolicy"/>, and the HTTP sender, unless an <see cref="IWebhookSender"/> was registered before.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.AddDataProtection();
        services.TryAddSingleton<WebhookSecretProtector>();
        services.TryAddSingleton<WebhookTargetPolicy>();
        services.TryAddSingleton<IWebhookSender, HttpWebhookSender>();
        return services;
    }
}
