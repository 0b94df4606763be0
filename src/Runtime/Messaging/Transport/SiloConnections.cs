using System.Collections.Concurrent;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Messaging.Transport;

/// <summary>
/// The outgoing connections of a silo or client, one per remote silo, opened on first use. A connection that
/// failed or closed is replaced by the next send to that silo (reconnect on demand, no background retry loop).
/// </summary>
internal sealed class SiloConnections(HandshakeFrame hello, MessageCodec codec, IInboundRequestHandler? handler, ILogger logger, TimeSpan connectTimeout)
{
    private readonly ConcurrentDictionary<SiloAddress, Task<TransportConnection>> _connections = new();
    private readonly Lock _connecting = new();
    private volatile bool _closed;

    /// <summary>Sends a request to a silo; a failure to connect fails the request with <see cref="SiloUnavailableException"/>.</summary>
    public void SendRequest(SiloAddress silo, Message message, int hops = 0)
    {
        var connecting = GetAsync(silo);
        if (connecting.IsCompletedSuccessfully)
        {
            connecting.Result.SendRequest(message, hops);
            return;
        }

        _ = SendWhenConnectedAsync(connecting, message, hops);
    }

    /// <summary>The open connection to a silo, connecting if there is none.</summary>
    public Task<TransportConnection> GetAsync(SiloAddress silo)
    {
        if (_connections.TryGetValue(silo, out var existing) && (!existing.IsCompleted || (existing.IsCompletedSuccessfully && existing.Result.IsOpen)))
        {
            return existing;
        }

        lock (_connecting)
        {
            if (_closed)
            {
                return Task.FromException<TransportConnection>(new SiloUnavailableException("This silo or client is shutting down; it opens no connections."));
            }

            if (_connections.TryGetValue(silo, out existing) && (!existing.IsCompleted || (existing.IsCompletedSuccessfully && existing.Result.IsOpen)))
            {
                return existing;
            }

            var connecting = TransportConnection.ConnectAsync(silo.Host, silo.Port, hello, silo.ToString(), codec, handler, logger, connectTimeout);
            _connections[silo] = connecting;
            return connecting;
        }
    }

    /// <summary>The connections currently open.</summary>
    public IEnumerable<TransportConnection> Open
        => _connections.Values.Where(t => t.IsCompletedSuccessfully && t.Result.IsOpen).Select(t => t.Result);

    /// <summary>Closes every connection: gracefully (queued frames are sent) or at once (as a crash would).</summary>
    public async Task CloseAsync(bool graceful, TimeSpan timeout)
    {
        lock (_connecting)
        {
            _closed = true;
        }

        var all = _connections.Values.ToArray();
        _connections.Clear();
        foreach (var task in all)
        {
            try
            {
                var connection = await task;
                if (graceful)
                {
                    await connection.CloseGracefullyAsync(timeout);
                }
                else
                {
                    connection.Close();
                }
            }
            catch (SiloUnavailableException)
            {
                // never connected
            }
        }
    }

    private static async Task SendWhenConnectedAsync(Task<TransportConnection> connecting, Message message, int hops)
    {
        TransportConnection connection;
        try
        {
            connection = await connecting;
        }
        catch (Exception ex)
        {
            message.Sink?.Fail(ex as SiloUnavailableException ?? new SiloUnavailableException(ex.Message, ex));
            return;
        }

        connection.SendRequest(message, hops);
    }
}
