using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Messaging.Transport;
using OrderActors.Runtime.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrderActors.Runtime.Hosting;

/// <summary>
/// The lifetime of a cluster client: routes the <see cref="IGrainFactory"/>'s calls over the transport by the
/// oracle's view, opens connections to the silos it knows at start (more open on first use), and closes them on stop.
/// </summary>
public sealed class ClusterClient : IHostedService
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly RuntimeClient _runtime;
    private readonly IMembershipOracle _oracle;
    private readonly ClusterRouter _router;
    private readonly ILogger<ClusterClient> _logger;
    private readonly TimeSpan _drainTimeout;

    internal ClusterClient(
        RuntimeClient runtime, IMembershipOracle oracle, MessageCodec codec, GrainTypeRegistry types, IOptions<ClientOptions> client,
        IOptions<ClusterOptions> cluster, ILoggerFactory loggers)
    {
        _runtime = runtime;
        _oracle = oracle;
        _logger = loggers.CreateLogger<ClusterClient>();
        _router = new ClusterRouter(oracle, codec, types, catalog: null, cluster.Value, loggers.CreateLogger<ClusterRouter>());
        _drainTimeout = cluster.Value.EffectiveConnectionIdleTimeout;
        _router.Connections = new SiloConnections(
            new HandshakeFrame(PeerRole.Client, cluster.Value.ClusterId, client.Value.ClientId), codec, handler: null,
            loggers.CreateLogger<SiloConnections>(), ConnectTimeout, _drainTimeout);
    }

    /// <summary>Silos this client holds an open connection to.</summary>
    public int OpenConnections => _router.Connections.Open.Count();

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _runtime.Attach(_router, reminders: null);
        _oracle.ViewChanged += OnViewChanged;
        foreach (var silo in _oracle.CurrentView.ActiveSilos)
        {
            try
            {
                await _router.Connections.GetAsync(silo).WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is SiloUnavailableException or ConnectionRefusedException)
            {
                _logger.LogWarning("Could not connect to silo {Silo} yet: {Reason}", silo, ex.Message);
            }
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _oracle.ViewChanged -= OnViewChanged;
        return _router.Connections.CloseAsync(graceful: true, TimeSpan.FromSeconds(5));
    }

    private void OnViewChanged(MembershipView view) => _router.Connections.OnViewChanged(view, _drainTimeout);
}
