using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// Keeps webhooks off the network the silos run in: unless <see cref="WebhookOptions.AllowPrivateTargets"/>, a url whose
/// host is or resolves to a non-public address is refused at registration and update (<see cref="CheckAsync"/>), and
/// the sender connects only to public addresses (<see cref="ConnectAsync"/>), because DNS can answer differently at
/// send time than it did at registration (DNS rebinding).
/// </summary>
public sealed class WebhookTargetPolicy(IOptions<WebhookOptions> options)
{
    // IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are mapped back to IPv4 before they are looked up here.
    private static readonly (IPNetwork Network, string Kind)[] NonPublic =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared (CGNAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local (cloud metadata)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignment"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "local-use NAT64"),
        (IPNetwork.Parse("fc00::/7"), "private (unique local)"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    /// <summary>Whether deliveries may go to any address (local receivers in development and tests).</summary>
    public bool AllowPrivateTargets => options.Value.AllowPrivateTargets;

    /// <summary>What kind of non-public address <paramref name="address"/> is (e.g. <c>loopback</c>), or null for a public one.</summary>
    public static string? NonPublicKind(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var unmapped = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var (network, kind) in NonPublic)
        {
            if (network.Contains(unmapped))
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>
    /// Null if deliveries may go to <paramref name="url"/>; otherwise why not. A host that does not resolve is not
    /// refused (it may be registered before its DNS exists): <see cref="ConnectAsync"/> checks what it resolves to later.
    /// </summary>
    public async Task<string?> CheckAsync(Uri url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (AllowPrivateTargets)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(url.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }

        return addresses.Select(a => (Address: a, Kind: NonPublicKind(a))).FirstOrDefault(a => a.Kind is not null) is { Kind: { } kind } refused
            ? Refusal(url.IdnHost, refused.Address, kind)
            : null;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the host itself and connects only to its public
    /// addresses, so a name that resolves to a private address at send time is refused like one at registration.
    /// </summary>
    /// <exception cref="WebhookTargetRefusedException">Every address of the host is non-public.</exception>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = await ResolveAsync(host, cancellationToken);
        var allowed = addresses.Where(a => NonPublicKind(a) is null).ToArray();
        if (allowed.Length == 0)
        {
            throw addresses.Length == 0
                ? new SocketException((int)SocketError.HostNotFound)
                : new WebhookTargetRefusedException(Refusal(host, addresses[0], NonPublicKind(addresses[0])!));
        }

        for (var i = 0; ; i++)
        {
            var socket = new Socket(allowed[i].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed[i], context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException) when (i < allowed.Length - 1)
            {
                socket.Dispose(); // the next address
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        => IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);

    private static string Refusal(string host, IPAddress address, string kind)
        => $"'{host}' is or resolves to {address}, a {kind} address; webhooks go only to public addresses " +
           $"unless {WebhookOptions.SectionName}:{nameof(WebhookOptions.AllowPrivateTargets)} is true.";
}

/// <summary>The sender refused to connect to a webhook target: every address its host resolved to is non-public.</summary>
public sealed class WebhookTargetRefusedException(string message) : IOException(message);
