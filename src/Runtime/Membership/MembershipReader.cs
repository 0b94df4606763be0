using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Runtime.Hosting;

namespace OrderActors.Runtime.Membership;

/// <summary>
/// A client's membership: reads the membership table every <see cref="ClusterOptions.HeartbeatPeriod"/> and publishes
/// the view of the active silos. It never writes: clients are not members.
/// </summary>
public sealed class MembershipReader : IMembershipOracle, IHostedService, IAsyncDisposable
{
    private readonly ClusterOptions _options;
    private readonly ILogger<MembershipReader> _logger;
    private readonly MembershipViews _views;
    private int _started;

    /// <summary>Creates the reader; it polls once started.</summary>
    /// <param name="table">The membership table.</param>
    /// <param name="options">The cluster options (cluster id, period).</param>
    /// <param name="time">The clock of the polling period.</param>
    /// <param name="logger">The logger.</param>
    public MembershipReader(IMembershipTable table, IOptions<ClusterOptions> options, TimeProvider time, ILogger<MembershipReader> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_options, _logger) = (options.Value, logger);
        _views = new MembershipViews(table, _options.ClusterId, _options.HeartbeatPeriod / 4, time, logger);
    }

    /// <summary>Always null: a client is not a silo.</summary>
    public SiloAddress? LocalSilo => null;

    /// <inheritdoc />
    public MembershipView CurrentView => _views.Current;

    /// <inheritdoc />
    public event Action<MembershipView>? ViewChanged
    {
        add => _views.Changed += value;
        remove => _views.Changed -= value;
    }

    /// <inheritdoc />
    public Task RefreshAsync(CancellationToken cancellationToken = default) => _views.RefreshAsync(cancellationToken);

    /// <summary>Reads the table once (a failure is logged: silos may not have created it yet) and starts polling.</summary>
    /// <param name="cancellationToken">Cancels the first read.</param>
    /// <returns>A task that completes after the first read.</returns>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        try
        {
            await RefreshAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "The membership table of cluster '{Cluster}' could not be read; polling goes on.", _options.ClusterId);
        }

        _views.StartPolling(_options.HeartbeatPeriod, async ct =>
        {
            await _views.ReadAsync(ct);
            return true;
        });
    }

    /// <summary>Stops polling.</summary>
    /// <param name="cancellationToken">Unused: stopping does not wait for the table.</param>
    /// <returns>A task that completes once polling stopped.</returns>
    public Task StopAsync(CancellationToken cancellationToken) => _views.StopPollingAsync();

    /// <summary>Stops polling.</summary>
    /// <returns>A task that completes once polling stopped.</returns>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
