using System.Text;
using OrderActors.Runtime.Membership;

namespace OrderActors.Runtime.Placement;

/// <summary>
/// Rendezvous (highest random weight) hashing: a grain's owner is the active silo with the highest hash of
/// (grain id, silo). Every silo and client computes the same owner from the same view without a lookup, and a
/// view change moves only the grains of the silos that came or went.
/// </summary>
public static class RendezvousPlacement
{
    /// <summary>The owner of a grain among the silos, or null if there are none.</summary>
    /// <param name="grain">The grain.</param>
    /// <param name="silos">The active silos.</param>
    /// <returns>The owner.</returns>
    public static SiloAddress? PickOwner(GrainId grain, IReadOnlyList<SiloAddress> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        if (silos.Count <= 1)
        {
            return silos.Count == 0 ? null : silos[0];
        }

        var grainHash = Hash(Fnv1a(Fnv1a(Offset, grain.Type), "/" + grain.Key));
        SiloAddress? best = null;
        var bestWeight = 0UL;
        foreach (var silo in silos)
        {
            var weight = Hash(grainHash ^ SiloHash(silo));
            if (best is null || weight > bestWeight || (weight == bestWeight && string.CompareOrdinal(silo.ToString(), best.ToString()) > 0))
            {
                best = silo;
                bestWeight = weight;
            }
        }

        return best;
    }

    /// <summary>The owner of a grain in a view, or null if the view has no silos.</summary>
    /// <param name="grain">The grain.</param>
    /// <param name="view">The membership view.</param>
    /// <returns>The owner.</returns>
    public static SiloAddress? PickOwner(GrainId grain, MembershipView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return PickOwner(grain, view.ActiveSilos);
    }

    private const ulong Offset = 14695981039346656037UL;

    private static ulong SiloHash(SiloAddress silo) => Hash(Fnv1a(Offset, silo.ToString()));

    private static ulong Fnv1a(ulong hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    // SplitMix64's finalizer: spreads FNV's weak low bits so weights are uniform.
    private static ulong Hash(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
