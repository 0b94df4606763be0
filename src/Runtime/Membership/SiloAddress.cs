using System.Globalization;

namespace OrderActors.Runtime.Membership;

/// <summary>One incarnation of a silo: where it listens for silo and client connections, and when it started.</summary>
/// <param name="Host">The host name or IP address peers and clients connect to.</param>
/// <param name="Port">The TCP port of the silo's transport listener.</param>
/// <param name="Generation">Distinguishes restarts on the same endpoint (the start time in Unix milliseconds).</param>
public sealed record SiloAddress(string Host, int Port, long Generation)
{
    /// <summary>The <c>host:port</c> the silo listens on.</summary>
    public string Endpoint => $"{Host}:{Port}";

    /// <summary>Writes <c>host:port@generation</c>.</summary>
    public override string ToString() => $"{Host}:{Port}@{Generation.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses the <c>host:port@generation</c> form written by <see cref="ToString"/>.</summary>
    /// <param name="value">The text to parse.</param>
    /// <returns>The address.</returns>
    public static SiloAddress Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var at = value.LastIndexOf('@');
        var colon = at < 0 ? -1 : value.LastIndexOf(':', at);
        if (colon <= 0
            || !int.TryParse(value.AsSpan(colon + 1, at - colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || !long.TryParse(value.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            throw new FormatException($"'{value}' is not a silo address of the form host:port@generation.");
        }

        return new SiloAddress(value[..colon], port, generation);
    }
}
