using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Messaging.Transport;
using OrderActors.Runtime.Placement;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrderActors.Runtime.Hosting;

/// <summary>
/// A cluster-mode silo's transport: the listener, the connections to other silos and the router, and what happens
/// to activations when the membership view changes. The <see cref="Silo"/> drives it.
/// </summary>
internal sealed class SiloTransport(
    IServiceProvider services, Catalog catalog, MessageCodec codec, GrainTypeRegistry types, IOptions<ClusterOptions> options,
    TimeProvider timeProvider, ILoggerFactory loggers)
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly ClusterOptions _options = options.Value;
    private readonly ILogger _logger = loggers.CreateLogger<SiloTransport>();
    private TransportListener? _listener;
    private ClusterRouter? _router;
    private IMembershipOracle? _oracle;
    private bool _killed;

    /// <summary>The bound address, once <see cref="StartAsync"/> has bound the listener.</summary>
    public SiloAddress? Address { get; private set; }

    internal ClusterRouter Router => _router ?? throw new InvalidOperationException("The silo transport has not started.");

    /// <summary>
    /// Binds the listener (so the address is known), then resolves the <see cref="IMembershipOracle"/> (which may need
    /// the address: it is read from <see cref="Silo.Address"/>), and starts accepting. Returns where calls go.
    /// </summary>
    public Task<IMessageTarget> StartAsync(CancellationToken cancellationToken)
    {
        var idleTimeout = _options.EffectiveConnectionIdleTimeout;
        var listener = new TransportListener(_options.ClusterId, codec, loggers.CreateLogger<TransportListener>(), HandshakeTimeout, idleTimeout);
        listener.Bind(_options.AdvertisedHost, _options.SiloPort);
        Address = new SiloAddress(_options.AdvertisedHost, listener.Port, timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        _oracle = services.GetService<IMembershipOracle>() ?? throw new InvalidOperationException(
            "OrderActors:Cluster:Enabled is true but no IMembershipOracle is registered; add the membership services (or a StaticMembershipOracle in tests).");
        var router = new ClusterRouter(_oracle, codec, types, catalog, _options, loggers.CreateLogger<ClusterRouter>()) { Self = Address };
        router.Connections = new SiloConnections(
            new HandshakeFrame(PeerRole.Silo, _options.ClusterId, Address.ToString()), codec, router, loggers.CreateLogger<SiloConnections>(), HandshakeTimeout, idleTimeout);
        catalog.Router = router;
        _router = router;
        _listener = listener;
        _oracle.ViewChanged += OnViewChanged;
        listener.Start(Address.ToString(), router);
        _logger.LogInformation("Silo {Silo} listens for silo and client connections.", Address);
        return Task.FromResult<IMessageTarget>(router);
    }

    /// <summary>Stops accepting connections and requests, then waits (bounded by <paramref name="cancellationToken"/>) for the requests in progress.</summary>
    public async Task StopAcceptingAsync(CancellationToken cancellationToken)
    {
        if (_router is null || _killed)
        {
            return;
        }

        _listener!.StopAccepting();
        _router.StopServing();
        try
        {
            while (_router.Inflight > 0)
            {
                await Task.Delay(10, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Silo {Silo} stopped with {Count} requests of other silos unanswered.", Address, _router.Inflight);
        }
    }

    /// <summary>Closes every connection after the catalog has deactivated (queued responses are still sent).</summary>
    public async Task CloseAsync()
    {
        if (_router is null)
        {
            return;
        }

        _oracle!.ViewChanged -= OnViewChanged;
        await _listener!.CloseAsync(graceful: true, CloseTimeout);
        await _router.Connections.CloseAsync(graceful: true, CloseTimeout);
    }

    /// <summary>Stops as a crash would: sockets closed at once, activations dropped without deactivating (tests).</summary>
    internal async Task KillAsync()
    {
        if (_router is null)
        {
            return;
        }

        _killed = true;
        _oracle!.ViewChanged -= OnViewChanged;
        _router.StopServing();
        catalog.Abandon();
        await _listener!.CloseAsync(graceful: false, TimeSpan.Zero);
        await _router.Connections.CloseAsync(graceful: false, TimeSpan.Zero);
    }

    /// <summary>Closes every connection at once but keeps serving (a network blip, for tests); peers reconnect on their next send.</summary>
    internal void DropConnections()
    {
        foreach (var connection in _listener!.Accepted.Concat(_router!.Connections.Open).ToArray())
        {
            connection.Close(new IOException("Dropped by a test."));
        }
    }

    // Handlers must not block: the scan of every activation runs on the thread pool.
    private void OnViewChanged(MembershipView view)
    {
        _router!.Connections.OnViewChanged(view, _options.EffectiveConnectionIdleTimeout);
        ThreadPool.QueueUserWorkItem(static s => s.transport.DeactivateMoved(s.view), (transport: this, view), preferLocal: false);
    }

    private void DeactivateMoved(MembershipView changed)
    {
        var (self, view) = (Address, _oracle!.CurrentView); // the latest: handlers of quick successive changes may run out of order
        var moved = catalog.DeactivateNotOwned(id => Equals(RendezvousPlacement.PickOwner(id, view), self));
        if (moved > 0)
        {
            _logger.LogInformation("View {View}: {Count} activations belong to other silos now and deactivate here.", view, moved);
        }
    }
}
