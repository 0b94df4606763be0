namespace OrderActors.Grains.Webhooks;

/// <summary>
/// Whether the silos would send webhooks to a url (key 0; a stateless worker on each silo). The silos own the rule
/// (<c>OrderActors:Webhooks:AllowPrivateTargets</c>), so an API in client mode asks them rather than read it itself.
/// </summary>
[Alias("OrderActors.Grains.Webhooks.IWebhookTargetGrain")]
public interface IWebhookTargetGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Null if deliveries may go to <paramref name="url"/> (an absolute http or https url, already validated); otherwise
    /// why not: its host is, or resolves to, a loopback, private, link-local, unspecified, shared (CGNAT) or other
    /// non-public address while private targets are not allowed. A host that does not resolve now is not refused here:
    /// the sender checks every address it connects to.
    /// </summary>
    [Alias("CheckAsync")]
    Task<string?> CheckAsync(string url);
}
