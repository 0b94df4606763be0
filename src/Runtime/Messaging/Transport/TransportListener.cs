using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Messaging.Transport;

/// <summary>
/// A silo's TCP listener: accepts silo and client connections, checks their handshake (same cluster id) and hands
/// their requests to the router. It owns the connections it accepted and closes them when the silo stops.
/// </summary>
internal sealed class TransportListener(string clusterId, MessageCodec codec, ILogger logger, TimeSpan handshakeTimeout, TimeSpan idleTimeout)
{
    private readonly ConcurrentDictionary<TransportConnection, byte> _accepted = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _socket;
    private string _identity = "";
    private IInboundRequestHandler? _handler;

    /// <summary>The bound port (the chosen one when 0 was asked for).</summary>
    public int Port { get; private set; }

    /// <summary>The connections accepted and still open.</summary>
    public IEnumerable<TransportConnection> Accepted => _accepted.Keys;

    /// <summary>Binds the port; nothing is accepted until <see cref="Start"/>.</summary>
    public void Bind(string host, int port)
    {
        var address = IPAddress.TryParse(host, out var ip) ? ip : IPAddress.Any;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Starts accepting; <paramref name="identity"/> (the silo address) goes back in every handshake answer.</summary>
    public void Start(string identity, IInboundRequestHandler handler)
    {
        _identity = identity;
        _handler = handler;
        _ = AcceptLoopAsync(_socket ?? throw new InvalidOperationException("Bind the listener before starting it."));
    }

    /// <summary>Accepts no more connections; the ones accepted stay open.</summary>
    public void StopAccepting()
    {
        _stopping.Cancel();
        _socket?.Dispose();
    }

    /// <summary>Closes every accepted connection: gracefully (drained, queued responses sent) or at once.</summary>
    public async Task CloseAsync(bool graceful, TimeSpan timeout)
    {
        StopAccepting();
        if (graceful)
        {
            await Task.WhenAll(_accepted.Keys.Select(c => c.CloseGracefullyAsync(timeout)));
            return;
        }

        foreach (var connection in _accepted.Keys)
        {
            connection.Close();
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = HandshakeAsync(socket);
        }
    }

    private async Task HandshakeAsync(Socket socket)
    {
        var connection = await TransportConnection.AcceptAsync(socket, _identity, Validate, codec, _handler!, logger, handshakeTimeout, idleTimeout, _stopping.Token);
        if (connection is null)
        {
            return;
        }

        _accepted[connection] = 0;
        if (_stopping.IsCancellationRequested)
        {
            connection.Close(); // raced with StopAccepting
        }

        await connection.Closed;
        _accepted.TryRemove(connection, out _);
    }

    private string? Validate(HandshakeFrame hello)
        => hello.ClusterId == clusterId ? null : $"cluster id '{hello.ClusterId}' is not this silo's cluster id '{clusterId}'";
}
