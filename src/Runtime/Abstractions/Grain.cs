using OrderActors.Runtime.Activation;

namespace OrderActors.Runtime;

/// <summary>Why an activation is being deactivated.</summary>
public enum DeactivationReason
{
    /// <summary>It was idle for longer than the collection age.</summary>
    Idle,

    /// <summary>The grain asked for it with <see cref="Grain.DeactivateOnIdle"/>.</summary>
    Requested,

    /// <summary>A state write found a newer version in storage.</summary>
    InconsistentState,

    /// <summary>The silo is shutting down.</summary>
    ShuttingDown,

    /// <summary>Activation failed.</summary>
    ActivationFailed,

    /// <summary>The cluster's membership changed and another silo owns the grain now; it activates there on its next call.</summary>
    OwnerChanged,
}

/// <summary>
/// Base class of grain implementations. One activation handles one request at a time, to completion
/// (turn-based), on its own single-threaded scheduler.
/// </summary>
public abstract class Grain
{
    private readonly ActivationData _activation;

    /// <summary>Binds the grain to the activation being created (the runtime constructs grains).</summary>
    protected Grain()
    {
        _activation = ActivationData.Constructing
            ?? throw new InvalidOperationException("Grains are created by the runtime, not with 'new'.");
    }

    /// <summary>Creates references to other grains.</summary>
    protected IGrainFactory GrainFactory => _activation.Runtime;

    /// <summary>This grain's identity.</summary>
    public GrainId GrainId => _activation.Id;

    /// <summary>This grain's primary key.</summary>
    public string GetPrimaryKeyString() => _activation.Id.Key;

    /// <summary>Called once before the activation handles its first call; state has been read already.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called before the activation is collected or the silo stops (not when it crashes).</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation once the current request completes.</summary>
    protected void DeactivateOnIdle() => _activation.RequestDeactivation(DeactivationReason.Requested);

    /// <summary>
    /// Starts an in-memory timer whose ticks run as requests of this activation (never concurrently with
    /// another request). The timer dies with the activation; use reminders for anything durable.
    /// </summary>
    /// <param name="callback">What runs on each tick.</param>
    /// <param name="dueTime">Delay before the first tick.</param>
    /// <param name="period">Period between ticks; <see cref="Timeout.InfiniteTimeSpan"/> for a single tick.</param>
    /// <returns>A handle that stops the timer when disposed.</returns>
    protected IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
        => _activation.RegisterTimer(callback, dueTime, period);

    /// <summary>Registers or updates a durable reminder; the grain must implement <see cref="IRemindable"/>.</summary>
    protected Task<GrainReminder> RegisterOrUpdateReminderAsync(string name, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken = default)
        => _activation.Runtime.Reminders.RegisterOrUpdateAsync(_activation, name, dueTime, period, cancellationToken);

    /// <summary>Removes a durable reminder; does nothing if it does not exist.</summary>
    protected Task UnregisterReminderAsync(string name, CancellationToken cancellationToken = default)
        => _activation.Runtime.Reminders.UnregisterAsync(_activation.Id, name, cancellationToken);

    /// <summary>Returns a reminder of this grain, or null.</summary>
    protected Task<GrainReminder?> GetReminderAsync(string name, CancellationToken cancellationToken = default)
        => _activation.Runtime.Reminders.GetAsync(_activation.Id, name, cancellationToken);

    /// <summary>The silo's clock; tests control it.</summary>
    protected TimeProvider TimeProvider => _activation.Runtime.TimeProvider;
}
