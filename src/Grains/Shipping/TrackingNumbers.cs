using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrderActors.Grains.Shipping;

/// <summary>
/// Tracking numbers of the built-in carriers: the carrier's prefix, 12 digits derived from the SHA-256 of the
/// shipment id, and a Luhn check digit over those 12 digits. The same shipment always gets the same number, so a
/// retried label purchase does not create a second parcel.
/// </summary>
/// <remarks>
/// Twelve hashed digits make it even odds that two shipments share a number once a carrier has printed about
/// 1.2 million labels: enough for built-in test carriers, not for a real one.
/// </remarks>
public static class TrackingNumbers
{
    private const int Digits = 12;
    private const ulong Modulus = 1_000_000_000_000;

    /// <summary>The tracking number for a shipment.</summary>
    public static string Create(string prefix, string shipmentId)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentException.ThrowIfNullOrEmpty(shipmentId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(shipmentId));
        var body = (BinaryPrimitives.ReadUInt64BigEndian(hash) % Modulus).ToString("D12", CultureInfo.InvariantCulture);
        return prefix + body + LuhnCheckDigit(body);
    }

    /// <summary>Whether a tracking number's digits end with a valid Luhn check digit.</summary>
    public static bool HasValidCheckDigit(string trackingNumber)
    {
        ArgumentNullException.ThrowIfNull(trackingNumber);
        var digitsStart = trackingNumber.Length - (Digits + 1);
        if (digitsStart < 0 || trackingNumber.AsSpan(digitsStart).ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        return LuhnCheckDigit(trackingNumber.Substring(digitsStart, Digits)) == trackingNumber[^1];
    }

    /// <summary>The Luhn digit that makes <paramref name="digits"/> followed by it pass the Luhn check.</summary>
    internal static char LuhnCheckDigit(string digits)
    {
        var sum = 0;
        var doubled = true; // The rightmost payload digit is doubled, since the check digit will follow it.
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return (char)('0' + ((10 - (sum % 10)) % 10));
    }
}
