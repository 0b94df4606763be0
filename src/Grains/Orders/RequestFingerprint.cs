using System.Security.Cryptography;
using System.Text.Json;

namespace OrderActors.Grains.Orders;

/// <summary>
/// What tells a retry from another request: a hash of the request's JSON with amounts written canonically
/// (<see cref="CanonicalDecimalConverter"/>), so <c>19.9</c> and <c>19.90</c> are the same request. Callers leave out what
/// is not the request's body (the actor, the key itself).
/// </summary>
internal static class RequestFingerprint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new CanonicalDecimalConverter() } };

    /// <summary>The fingerprint of a request (its runtime type's JSON).</summary>
    public static string Of(object request) => Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, request.GetType(), Json)));

    /// <summary>Where an <c>Idempotency-Key</c> is remembered: scoped by the kind of request and the client that sent it.</summary>
    public static string KeyOf(string key, Actor actor, string kind) => $"{kind}\n{actor.Id}\n{key}";
}
