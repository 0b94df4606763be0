using OrderActors.Runtime.Activation;
using OrderActors.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Reminders;

/// <summary>
/// Fires durable reminders: keeps one in-memory timer per stored reminder and delivers each tick as a
/// <see cref="IRemindable.ReceiveReminderAsync"/> call, activating the grain if needed.
/// </summary>
/// <remarks>
/// Ticks follow the grid <c>StartAt + n × Period</c>. A reminder that fell due while no silo ran fires once
/// as soon as the silo starts, then follows the grid; missed ticks are not replayed one by one.
/// </remarks>
internal sealed class ReminderService(IReminderTable table, RuntimeClient runtime, GrainTypeRegistry types, ILogger<ReminderService> logger) : IDisposable
{
    /// <summary>Longest a reminder's timer sleeps; a reminder due later wakes up, finds it is early and sleeps again.</summary>
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(1);

    /// <summary>Longest due time or period a reminder may have.</summary>
    private static readonly TimeSpan MaxReminderSpan = TimeSpan.FromDays(366);

    private readonly Dictionary<(GrainId, string), ScheduledReminder> _scheduled = [];
    private bool _stopped;

    private TimeProvider Time => runtime.TimeProvider;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
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
        Schedule(entry, entry.StartAt);
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
        var reminder = new ScheduledReminder(entry, due);
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

            // The next tick is scheduled before this one is delivered, so a slow grain never shifts the grid.
            ScheduleLocked(reminder.Entry, NextTickAfter(reminder.Entry, now));
        }

        try
        {
            await runtime.SendSystemRequest(reminder.Entry.GrainId, typeof(IRemindable), nameof(IRemindable.ReceiveReminderAsync),
                [reminder.Entry.Name, new TickStatus(reminder.Entry.StartAt, reminder.Entry.Period, now)]);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reminder {Reminder} of {Grain} failed; it fires again at its next tick.", reminder.Entry.Name, reminder.Entry.GrainId);
        }
    }

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

    private sealed class ScheduledReminder(ReminderEntry entry, DateTimeOffset due)
    {
        public ReminderEntry Entry { get; } = entry;

        public DateTimeOffset Due { get; } = due;

        public ITimer Timer { get; set; } = null!;
    }
}
