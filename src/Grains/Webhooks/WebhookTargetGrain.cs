using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// Answers whether a url is an allowed webhook target with the silo's <see cref="WebhookTargetPolicy"/>. A stateless
/// worker: the DNS lookup of one request delays neither another request nor the dispatcher.
/// </summary>
[StatelessWorker]
[GrainType("webhook-target")]
public sealed class WebhookTargetGrain(WebhookTargetPolicy policy, IOptions<WebhookOptions> options) : Grain, IWebhookTargetGrain
{
    public async Task<string?> CheckAsync(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return $"'{url}' is not an absolute url.";
        }

        using var lookup = new CancellationTokenSource(options.Value.Timeout);
        try
        {
            return await policy.CheckAsync(uri, lookup.Token);
        }
        catch (OperationCanceledException) when (lookup.IsCancellationRequested)
        {
            return null; // DNS did not answer in time: like a host that does not resolve, it is checked when sending
        }
    }
}
