using Microsoft.Extensions.Logging;
using OrderActors.Runtime.Diagnostics;

namespace OrderActors.Runtime.Membership;

/// <summary>The latest view of a silo or client, published only forward (a higher table version), and the loop that polls the table.</summary>
/// <param name="table">The membership table.</param>
/// <param name="clusterId">The cluster.</param>
/// <param name="minRefreshInterval">How long after a refresh's read completed another refresh reuses its view instead of reading.</param>
/// <param name="time">The clock of that interval.</param>
/// <param name="logger">The logger.</param>
internal sealed class MembershipViews(IMembershipTable table, string clusterId, TimeSpan minRefreshInterval, TimeProvider time, ILogger logger)
{
    private readonly object _publishing = new();
    private readonly object _refreshing = new();
    private MembershipView _current = MembershipView.Empty;
    private SiloAddress? _fenced;
    private Task? _refresh;
    private long _refreshedAt;
    private CancellationTokenSource? _polling;
    private Task _loop = Task.CompletedTask;

    public MembershipView Current => Volatile.Read(ref _current);

    public event Action<MembershipView>? Changed;

    /// <summary>
    /// Reads the table and publishes its view if it is newer. Callers share reads: one that arrives while a read runs
    /// awaits that read, and one that arrives less than the minimum interval after a read completed gets its view
    /// without reading. Every call retry refreshes, so during a failover this keeps a process to one read at a time
    /// instead of one per retry (which could starve the database and delay heartbeats).
    /// </summary>
    public Task RefreshAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource? mine = null;
        Task read;
        lock (_refreshing)
        {
            if (_refresh is { IsCompleted: false } running)
            {
                read = running;
            }
            else if (_refresh is { IsCompletedSuccessfully: true } && time.GetElapsedTime(_refreshedAt) < minRefreshInterval)
            {
                return Task.CompletedTask;
            }
            else
            {
                mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _refresh = read = mine.Task;
            }
        }

        if (mine is not null)
        {
            _ = ReadSharedAsync(mine); // the read outlives a caller that gives up: others may be waiting on it
        }

        return read.WaitAsync(cancellationToken);
    }

    /// <summary>Reads the table and publishes its view, unshared (the polling round).</summary>
    public async Task ReadAsync(CancellationToken cancellationToken) => Publish(await table.ReadAsync(clusterId, cancellationToken));

    /// <summary>
    /// Publishes the current view without <paramref name="self"/>, and keeps it out of every view until
    /// <see cref="Unfence"/>: the silo gives up every grain, reminder and subscription loop while it cannot heartbeat.
    /// </summary>
    public void Fence(SiloAddress self)
    {
        lock (_publishing)
        {
            _fenced = self;
            var current = Current;
            Set(new MembershipView(current.Version, current.ActiveSilos.Where(s => s != self)));
        }
    }

    /// <summary>Ends a fence and publishes the snapshot's view, even at the version the fenced view had.</summary>
    public void Unfence(MembershipSnapshot snapshot)
    {
        var view = snapshot.ToView();
        lock (_publishing)
        {
            _fenced = null;
            if (view.Version >= Current.Version)
            {
                Set(view);
            }
        }
    }

    /// <summary>
    /// Publishes the snapshot's view if it is newer than the current one (reads finishing out of order never move the
    /// view back). Handlers run under a lock, in version order.
    /// </summary>
    public void Publish(MembershipSnapshot snapshot)
    {
        var view = snapshot.ToView();
        lock (_publishing)
        {
            if (view.Version <= Current.Version)
            {
                return;
            }

            if (_fenced is { } fenced && view.IsActive(fenced))
            {
                view = new MembershipView(view.Version, view.ActiveSilos.Where(s => s != fenced));
            }

            Set(view);
        }
    }

    private void Set(MembershipView view)
    {
        lock (_publishing)
        {
            Volatile.Write(ref _current, view);
            RuntimeMetrics.RecordMembershipView(view);
            logger.LogInformation("Membership view {View}.", view);
            try
            {
                Changed?.Invoke(view);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "A membership view handler failed on {View}.", view);
            }
        }
    }

    private async Task ReadSharedAsync(TaskCompletionSource read)
    {
        try
        {
            // Not cancellable by one caller; the membership data source's command timeout bounds it.
            Publish(await table.ReadAsync(clusterId, CancellationToken.None));
            lock (_refreshing)
            {
                _refreshedAt = time.GetTimestamp();
            }

            read.SetResult();
        }
        catch (Exception ex)
        {
            read.SetException(ex);
        }
    }

    /// <summary>Starts running <paramref name="round"/> every <paramref name="period"/> until it returns false or <see cref="StopPollingAsync"/>; a failed round is logged and retried.</summary>
    public void StartPolling(TimeSpan period, Func<CancellationToken, Task<bool>> round)
    {
        var polling = new CancellationTokenSource();
        if (Interlocked.CompareExchange(ref _polling, polling, null) is not null)
        {
            polling.Dispose();
            throw new InvalidOperationException("Membership polling is already running.");
        }

        _loop = Task.Run(() => PollAsync(period, round, polling.Token), CancellationToken.None);
    }

    /// <summary>Stops polling and waits for a running round; does nothing if polling is not running.</summary>
    public async Task StopPollingAsync()
    {
        var polling = Interlocked.Exchange(ref _polling, null);
        if (polling is null)
        {
            return;
        }

        await polling.CancelAsync();
        await _loop;
        polling.Dispose();
    }

    private async Task PollAsync(TimeSpan period, Func<CancellationToken, Task<bool>> round, CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                await Task.Delay(period, time, stopping);
                if (!await round(stopping))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "The membership table could not be reached; trying again in {Period}.", period);
            }
        }
    }
}
