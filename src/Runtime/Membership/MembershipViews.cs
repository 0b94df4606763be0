using Microsoft.Extensions.Logging;
using OrderActors.Runtime.Diagnostics;

namespace OrderActors.Runtime.Membership;

/// <summary>The latest view of a silo or client, published only forward (a higher table version), and the loop that polls the table.</summary>
internal sealed class MembershipViews(IMembershipTable table, string clusterId, ILogger logger)
{
    private readonly object _publishing = new();
    private MembershipView _current = MembershipView.Empty;
    private CancellationTokenSource? _polling;
    private Task _loop = Task.CompletedTask;

    public MembershipView Current => Volatile.Read(ref _current);

    public event Action<MembershipView>? Changed;

    /// <summary>Reads the table and publishes its view if it is newer.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken) => Publish(await table.ReadAsync(clusterId, cancellationToken));

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

    /// <summary>Starts running <paramref name="round"/> every <paramref name="period"/> until it returns false or <see cref="StopPollingAsync"/>; a failed round is logged and retried.</summary>
    public void StartPolling(TimeSpan period, TimeProvider time, Func<CancellationToken, Task<bool>> round)
    {
        var polling = new CancellationTokenSource();
        if (Interlocked.CompareExchange(ref _polling, polling, null) is not null)
        {
            polling.Dispose();
            throw new InvalidOperationException("Membership polling is already running.");
        }

        _loop = Task.Run(() => PollAsync(period, time, round, polling.Token), CancellationToken.None);
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

    private async Task PollAsync(TimeSpan period, TimeProvider time, Func<CancellationToken, Task<bool>> round, CancellationToken stopping)
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
