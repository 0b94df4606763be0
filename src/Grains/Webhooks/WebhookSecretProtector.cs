using Microsoft.AspNetCore.DataProtection;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// Encrypts webhook signing secrets for storage with ASP.NET Core Data Protection, under a purpose of their own
/// (<see cref="Purpose"/>), so an endpoint's state holds only the protected form.
/// </summary>
/// <remarks>
/// Every silo of a cluster must unprotect what another protected: they share the key ring on the database and the
/// application name (see <c>AddOrderActors</c>). A secret whose key is gone cannot be unprotected; the attempt that
/// needed it fails with the reason in the delivery log.
/// </remarks>
public sealed class WebhookSecretProtector(IDataProtectionProvider provider)
{
    /// <summary>The Data Protection purpose of webhook signing secrets; changing it makes every stored secret unreadable.</summary>
    public const string Purpose = "OrderActors.Webhooks.SigningSecret.v1";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    /// <summary>The protected form of <paramref name="secret"/>, for storage.</summary>
    public string Protect(string secret) => _protector.Protect(secret);

    /// <summary>The secret <see cref="Protect"/> protected.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The key it was protected with is not in the key ring, or the text was altered.</exception>
    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
