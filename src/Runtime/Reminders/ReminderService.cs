using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Membership;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Placement;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Reminders;

/// <summary>
/// Fires durable reminders: keeps one in-memory timer per stored reminder and delivers each tick as a
/// <see cref="IRemindable.ReceiveReminderAsync"/> call, activating the grain if needed.
/// </summary>
/// <remarks>
/// Ticks follow the grid <c>StartAt + n × Period</c>. A reminder that fell due while no silo ran fires once
/// as soon as the silo starts, then follows the grid; missed ticks are not replayed one by one.
/// In a cluster (an <see cref="IMembershipOracle"/> is registered) a silo schedules only the reminders of the grains it
/// owns in its current view, claims each tick before delivering it, and re-evaluates on every view change
/// (see the invariants in <see cref="MembershipService"/>).
/// </remarks>
internal sealed class ReminderService(
    IReminderTable table, RuntimeClient runtime, GrainTypeRegistry types, ILogger<ReminderService> logger, IMembershipOracle? oracle = null) : IDisposable
{
    /// <summary>How often a clustered silo re-reads the table for reminders it owns but was not told about (registered through a stale view).</summary>
    internal static readonly TimeSpan ClusterRefreshPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Longest a reminder's timer sleeps; a reminder due later wakes up, finds it is early and sleeps again.</summary>
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(1);

    /// <summary>Longest due time or period a reminder may have.</summary>
    private static readonly TimeSpan MaxReminderSpan = TimeSpan.FromDays(366);

    private readonly Dictionary<(GrainId, string), ScheduledReminder> _scheduled = [];
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private ITimer? _refresh;
    private long _scheduleStamp;
    private bool _stopped;

    private TimeProvider Time => runtime.TimeProvider;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (oracle is not null)
        {
            // --- cluster (membership): schedule what this silo owns, follow the view ---
            oracle.ViewChanged += OnViewChanged;
            _refresh = Time.CreateTimer(static s => ((ReminderService)s!).OnViewChanged(null), this, ClusterRefreshPeriod, ClusterRefreshPeriod);
            await ReconcileAsync(cancellationToken);
            return;
        }

        foreach (var entry in await table.ReadAllAsync(cancellationToken))
        {
            if (entry.Period <= TimeSpan.Zero || entry.Period > MaxReminderSpan)
            {
                logger.LogWarning("Reminder {Reminder} of {Grain} has period {Period}; it is not scheduled.", entry.Name, entry.GrainId, entry.Period);
                continue;
            }

            var now = Time.GetUtcNow();
            Schedule(entry, entry.StartAt > now ? entry.StartAt : now);
        }
    }

    public void Stop()
    {
        if (oracle is not null)
        {
            oracle.ViewChanged -= OnViewChanged;
        }

        _refresh?.Dispose();
        lock (_scheduled)
        {
            _stopped = true;
            foreach (var reminder in _scheduled.Values)
            {
                reminder.Timer.Dispose();
            }

            _scheduled.Clear();
        }
    }

    public async Task<GrainReminder> RegisterOrUpdateAsync(ActivationData activation, string name, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dueTime, MaxReminderSpan);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(period, MaxReminderSpan);
        if (activation.Instance is not IRemindable)
        {
            throw new InvalidOperationException($"Grain {activation.Id} registers reminder '{name}' but does not implement IRemindable.");
        }

        var entry = new ReminderEntry(activation.Id, name, Time.GetUtcNow() + dueTime, period);
        await table.UpsertAsync(entry, cancellationToken);
        if (Owns(entry.GrainId))
        {
            Schedule(entry, entry.StartAt);
        }

        return new GrainReminder(name, entry.StartAt, period);
    }

    public async Task UnregisterAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        await table.RemoveAsync(grainId, name, cancellationToken);
        lock (_scheduled)
        {
            if (_scheduled.Remove((grainId, name), out var reminder))
            {
                reminder.Timer.Dispose();
            }
        }
    }

    public async Task<GrainReminder?> GetAsync(GrainId grainId, string name, CancellationToken cancellationToken)
        => await table.ReadAsync(grainId, name, cancellationToken) is { } entry
            ? new GrainReminder(entry.Name, entry.StartAt, entry.Period)
            : null;

    private void Schedule(ReminderEntry entry, DateTimeOffset due)
    {
        if (!IsKnownGrainType(entry.GrainId))
        {
            logger.LogWarning("Reminder {Reminder} of {Grain} names an unknown grain type; it is not scheduled.", entry.Name, entry.GrainId);
            return;
        }

        lock (_scheduled)
        {
            ScheduleLocked(entry, due);
        }
    }

    private void ScheduleLocked(ReminderEntry entry, DateTimeOffset due)
    {
        if (_stopped)
        {
            return;
        }

        if (_scheduled.Remove((entry.GrainId, entry.Name), out var previous))
        {
            previous.Timer.Dispose();
        }

        var delay = due - Time.GetUtcNow();
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxTimerDelay ? MaxTimerDelay : delay;
        var reminder = new ScheduledReminder(entry, due, ++_scheduleStamp);
        reminder.Timer = Time.CreateTimer(
            static s =>
            {
                var (service, r) = ((ReminderService, ScheduledReminder))s!;
                _ = service.FireAsync(r);
            },
            (this, reminder), delay, Timeout.InfiniteTimeSpan);
        _scheduled[(entry.GrainId, entry.Name)] = reminder;
    }

    /// <summary>The first tick of the reminder's grid strictly after <paramref name="after"/>.</summary>
    private static DateTimeOffset NextTickAfter(ReminderEntry entry, DateTimeOffset after)
    {
        if (entry.StartAt > after)
        {
            return entry.StartAt;
        }

        var elapsedPeriods = (after - entry.StartAt).Ticks / entry.Period.Ticks + 1;
        return entry.StartAt + TimeSpan.FromTicks(entry.Period.Ticks * elapsedPeriods);
    }

    private async Task FireAsync(ScheduledReminder reminder)
    {
        // A tick starts no call chain: the timer may have captured the context of the request that registered it.
        RequestContext.Chain = null;
        var now = Time.GetUtcNow();
        lock (_scheduled)
        {
            // Checked and rescheduled under one lock, so an unregister or update during a tick is never undone.
            if (_stopped || !_scheduled.TryGetValue((reminder.Entry.GrainId, reminder.Entry.Name), out var current) || current != reminder)
            {
                return;
            }

            if (reminder.Due > now)
            {
                ScheduleLocked(reminder.Entry, reminder.Due); // a long sleep capped at MaxTimerDelay: not due yet
                return;
            }

            if (!Owns(reminder.Entry.GrainId))
            {
                // Cluster: the view moved the grain away before the reconciliation did; the new owner fires it.
                _scheduled.Remove((reminder.Entry.GrainId, reminder.Entry.Name));
                reminder.Timer.Dispose();
                return;
            }

            // The next tick is scheduled before this one is delivered, so a slow grain never shifts the grid.
            ScheduleLocked(reminder.Entry, NextTickAfter(reminder.Entry, now));
        }

        try
        {
            if (oracle is not null && !await table.TryClaimTickAsync(reminder.Entry.GrainId, reminder.Entry.Name, reminder.Due))
            {
                return; // another silo delivered this tick (it owned the grain in its view), or the reminder is gone
            }

            await runtime.SendSystemRequest(reminder.Entry.GrainId, typeof(IRemindable), nameof(IRemindable.ReceiveReminderAsync),
                [reminder.Entry.Name, new TickStatus(reminder.Entry.StartAt, reminder.Entry.Period, now)]);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reminder {Reminder} of {Grain} failed; it fires again at its next tick.", reminder.Entry.Name, reminder.Entry.GrainId);
        }
    }

    // --- cluster (membership) ---

    /// <summary>True if this silo fires the grain's reminders: always standalone; in a cluster, if it owns the grain in its current view.</summary>
    private bool Owns(GrainId id)
        => oracle is null || (oracle.LocalSilo is { } self && RendezvousPlacement.PickOwner(id, oracle.CurrentView) == self);

    /// <summary>True if this silo has the reminder scheduled (tests of ownership).</summary>
    internal bool IsScheduled(GrainId grainId, string name)
    {
        lock (_scheduled)
        {
            return _scheduled.ContainsKey((grainId, name));
        }
    }

    private void OnViewChanged(MembershipView? view) => _ = ReconcileAsync(CancellationToken.None);

    /// <summary>Cancels the reminders this silo no longer owns and schedules those it gained, at their latest tick at or before now.</summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _reconciling.WaitAsync(cancellationToken);
        try
        {
            long stamp;
            lock (_scheduled)
            {
                stamp = _scheduleStamp;
            }

            var entries = (await table.ReadAllAsync(cancellationToken)).ToDictionary(e => (e.GrainId, e.Name));
            var now = Time.GetUtcNow();
            lock (_scheduled)
            {
                foreach (var (key, scheduled) in _scheduled.ToArray())
                {
                    // Scheduled after the read began: newer than what was read, keep it.
                    var stale = scheduled.Stamp <= stamp && (!entries.TryGetValue(key, out var stored) || !SameGrid(stored, scheduled.Entry));
                    if (stale || !Owns(key.Item1))
                    {
                        scheduled.Timer.Dispose();
                        _scheduled.Remove(key);
                    }
                }

                foreach (var (key, entry) in entries)
                {
                    if (!_scheduled.ContainsKey(key) && Owns(entry.GrainId) && entry.Period > TimeSpan.Zero && entry.Period <= MaxReminderSpan && IsKnownGrainType(entry.GrainId))
                    {
                        ScheduleLocked(entry, entry.StartAt > now ? entry.StartAt : LatestTickAtOrBefore(entry, now));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Reminders could not be re-read after a membership change; they are re-read within {Period}.", ClusterRefreshPeriod);
        }
        finally
        {
            _reconciling.Release();
        }
    }

    // The table keeps milliseconds.
    private static bool SameGrid(ReminderEntry a, ReminderEntry b)
        => a.StartAt.ToUnixTimeMilliseconds() == b.StartAt.ToUnixTimeMilliseconds() && (long)a.Period.TotalMilliseconds == (long)b.Period.TotalMilliseconds;

    private static DateTimeOffset LatestTickAtOrBefore(ReminderEntry entry, DateTimeOffset now)
        => entry.StartAt + TimeSpan.FromTicks(entry.Period.Ticks * ((now - entry.StartAt).Ticks / entry.Period.Ticks));

    private bool IsKnownGrainType(GrainId id)
    {
        try
        {
            return typeof(IRemindable).IsAssignableFrom(types.GetClass(id.Type).ClassType);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public void Dispose() => Stop();

    private sealed class ScheduledReminder(ReminderEntry entry, DateTimeOffset due, long stamp)
    {
        /// <summary>Orders schedulings, so a reconciliation never undoes one made after its read.</summary>
        public long Stamp { get; } = stamp;

        public ReminderEntry Entry { get; } = entry;

        public DateTimeOffset Due { get; } = due;

        public ITimer Timer { get; set; } = null!;
    }
}
