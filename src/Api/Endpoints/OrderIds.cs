using System.Security.Cryptography;
using System.Text;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// Order ids: <c>ord_</c> + 26 Crockford base-32 characters (cart and quote ids the same after <c>cart_</c>, <c>quo_</c>). A new order gets a
/// time-ordered random id; an order placed with an <c>Idempotency-Key</c> gets an id derived from (API key name,
/// idempotency key), so every retry reaches the same order grain, which recognises the repeat.
/// </summary>
internal static class OrderIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public const string OrderPrefix = "ord_";
    public const string CartPrefix = "cart_";
    public const string QuotePrefix = "quo_";

    public static string New(TimeProvider time, string prefix = OrderPrefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(ms & 0xff);
            ms >>= 8;
        }

        RandomNumberGenerator.Fill(bytes[6..]);
        return prefix + Encode(bytes);
    }

    public static string FromIdempotencyKey(string clientName, string idempotencyKey, string prefix = OrderPrefix)
        => prefix + Encode(SHA256.HashData(Encoding.UTF8.GetBytes($"{clientName}\n{idempotencyKey}")).AsSpan(0, 16));

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        var value = new System.Numerics.BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var chars = new char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value % 32)];
            value /= 32;
        }

        return new string(chars);
    }
}
