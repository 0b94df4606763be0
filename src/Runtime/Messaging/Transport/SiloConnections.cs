using System.Collections.Concurrent;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Messaging.Transport;

/// <summary>
/// The outgoing connections of a silo or client, one per remote silo, opened on first use. A connection that
/// failed, closed or is draining is replaced by the next send to that silo (reconnect on demand, no background retry
/// loop). When a silo leaves the membership view its connection leaves the pool and drains (see
/// <see cref="OnViewChanged"/>).
/// </summary>
internal sealed class SiloConnections(
    HandshakeFrame hello, MessageCodec codec, IInboundRequestHandler? handler, ILogger logger, TimeSpan connectTimeout, TimeSpan idleTimeout)
{
    private readonly ConcurrentDictionary<SiloAddress, Task<TransportConnection>> _connections = new();
    private readonly Lock _connecting = new();
    private volatile bool _closed;

    /// <summary>Sends a request to a silo; a failure to connect fails the request with <see cref="SiloUnavailableException"/> (not sent).</summary>
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
        if (_connections.TryGetValue(silo, out var existing) && (!existing.IsCompleted || (existing.IsCompletedSuccessfully && existing.Result.AcceptsRequests)))
        {
            return existing;
        }

        lock (_connecting)
        {
            if (_closed)
            {
                return Task.FromException<TransportConnection>(new SiloUnavailableException("This silo or client is shutting down; it opens no connections."));
            }

            if (_connections.TryGetValue(silo, out existing) && (!existing.IsCompleted || (existing.IsCompletedSuccessfully && existing.Result.AcceptsRequests)))
            {
                return existing;
            }

            var connecting = TransportConnection.ConnectAsync(silo.Host, silo.Port, hello, silo.ToString(), codec, handler, logger, connectTimeout, idleTimeout);
            _connections[silo] = connecting;
            return connecting;
        }
    }

    /// <summary>The connections currently open.</summary>
    public IEnumerable<TransportConnection> Open
        => _connections.Values.Where(t => t.IsCompletedSuccessfully && t.Result.IsOpen).Select(t => t.Result);

    /// <summary>
    /// Drops from the pool the connections to silos that are no longer active in <paramref name="view"/> and drains
    /// them: no new request goes on them, and they close once the calls in progress have their answers, or after
    /// <paramref name="drainTimeout"/>, failing what is left (outcome unknown). A silo that left gracefully answers
    /// its calls in progress; one declared dead that is still connected is hung or cut off, which the keepalive
    /// detects within the idle timeout anyway.
    /// </summary>
    public void OnViewChanged(MembershipView view, TimeSpan drainTimeout)
    {
        var active = view.ActiveSilos.ToHashSet();
        foreach (var silo in _connections.Keys)
        {
            if (!active.Contains(silo) && _connections.TryRemove(silo, out var departed))
            {
                _ = DrainAsync(silo, departed, drainTimeout);
            }
        }
    }

    /// <summary>Closes every connection: gracefully (drained, queued frames sent) or at once (as a crash would).</summary>
    public async Task CloseAsync(bool graceful, TimeSpan timeout)
    {
        lock (_connecting)
        {
            _closed = true;
        }

        var all = _connections.Values.ToArray();
        _connections.Clear();
        await Task.WhenAll(all.Select(async task =>
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
            catch (Exception ex) when (ex is SiloUnavailableException or ConnectionRefusedException)
            {
                // never connected
            }
        }));
    }

    private async Task DrainAsync(SiloAddress silo, Task<TransportConnection> departed, TimeSpan drainTimeout)
    {
        try
        {
            var connection = await departed;
            logger.LogInformation("Silo {Silo} left the view: its connection drains ({Count} calls in progress) and closes.", silo, connection.OutstandingCount);
            await connection.CloseGracefullyAsync(drainTimeout);
        }
        catch (Exception ex) when (ex is SiloUnavailableException or ConnectionRefusedException)
        {
            // never connected
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
            message.Sink?.Fail(ex is SiloUnavailableException or ConnectionRefusedException ? ex : new SiloUnavailableException(ex.Message, ex));
            return;
        }

        connection.SendRequest(message, hops);
    }
}
