using System.Security.Cryptography;
using System.Text;

namespace OrderActors.Grains.Orders;

/// <summary>
/// An order a cart or a quote is placing, written into its state before the order grain is asked, so that a retry
/// sends the same request to the same order (which recognises it) and one cart or quote never becomes two orders.
/// </summary>
/// <param name="OrderId">The order's id: <see cref="OrderIdFor"/> of the cart or quote and the attempt.</param>
/// <param name="Command">The placement request, sent again as it is by a retry.</param>
public sealed record PendingPlacement(string OrderId, PlaceOrder Command)
{
    /// <summary>
    /// The order id of the n-th placement attempt of a cart or quote: derived, so a retry reaches the same order grain;
    /// a new attempt after a refusal gets a new id (a refused order id stays refused).
    /// </summary>
    public static string OrderIdFor(string sourceId, int attempt)
        => "ord_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{sourceId}\n{attempt}")))[..26];
}
