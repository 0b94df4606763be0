using System.Security.Cryptography;
using System.Text;

namespace OrderActors.Grains.Webhooks;

/// <summary>The headers every webhook request carries.</summary>
public static class WebhookHeaders
{
    /// <summary>The event id (<c>{namespace}/{key}:{sequence}</c>): the same on every attempt, for de-duplication.</summary>
    public const string EventId = "X-OrderActors-Event-Id";

    /// <summary>The event type, e.g. <c>order.confirmed</c>.</summary>
    public const string EventType = "X-OrderActors-Event-Type";

    /// <summary>When this attempt was signed, in Unix seconds.</summary>
    public const string Timestamp = "X-OrderActors-Timestamp";

    /// <summary>
    /// <c>v1=</c> and the lower-case hex HMAC-SHA256 of <c>{timestamp}.{body}</c> keyed with the endpoint's secret; during
    /// a secret rotation's overlap one such signature per valid secret, newest first, separated by commas.
    /// </summary>
    public const string Signature = "X-OrderActors-Signature";

    /// <summary>The delivery id, as in the delivery log (for redeliver).</summary>
    public const string DeliveryId = "X-OrderActors-Delivery-Id";
}

/// <summary>
/// Signs webhook bodies like Stripe does: <c>v1=hex(HMAC-SHA256(key: UTF-8 of the secret, message: "{timestamp}.{body}"))</c>.
/// The timestamp is signed with the body, so a receiver that rejects old timestamps also rejects replays. While a
/// rotated secret is still valid, the header carries one <c>v1=</c> signature per secret, comma-separated (as Stripe's
/// does during a roll): a receiver accepts the request if any of them matches a secret it holds.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The scheme prefix of the signature header value.</summary>
    public const string Scheme = "v1";

    /// <summary>Computes the <see cref="WebhookHeaders.Signature"/> header value.</summary>
    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + "."));
        hmac.AppendData(body);
        return $"{Scheme}={Convert.ToHexStringLower(hmac.GetHashAndReset())}";
    }

    /// <summary>
    /// The <see cref="WebhookHeaders.Signature"/> header value for <paramref name="secrets"/> (the current one first):
    /// <c>v1=…</c> per secret, separated by commas; with one secret the same as <see cref="Compute(string, long, ReadOnlySpan{byte})"/>.
    /// </summary>
    public static string Compute(IReadOnlyList<string> secrets, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentOutOfRangeException.ThrowIfZero(secrets.Count);
        var header = new StringBuilder();
        foreach (var secret in secrets)
        {
            header.Append(header.Length == 0 ? "" : ",").Append(Compute(secret, timestamp, body));
        }

        return header.ToString();
    }

    /// <summary>A new endpoint secret: <c>whsec_</c> and 64 hex digits (256 random bits).</summary>
    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new webhook id: <c>wh_</c> and 32 hex digits.</summary>
    public static string NewWebhookId() => "wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
