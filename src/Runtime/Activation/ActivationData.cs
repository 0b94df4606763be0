using System.Diagnostics;
using OrderActors.Runtime.Diagnostics;
using OrderActors.Runtime.Messaging;
using OrderActors.Runtime.Persistence;
using OrderActors.Runtime.Scheduling;
using Microsoft.Extensions.Logging;

namespace OrderActors.Runtime.Activation;

internal enum ActivationStatus
{
    Created,
    Activating,
    Valid,
    Deactivating,
    Invalid,
}

/// <summary>
/// One activation of a grain: its instance, its mailbox and its single-threaded scheduler.
/// </summary>
/// <remarks>
/// Invariant: at most one non-interleaving request runs at a time, and none runs before activation
/// completes or after deactivation starts. Messages that arrive while the activation deactivates are
/// handed back to the catalog afterwards, which creates a fresh activation for them.
/// </remarks>
internal sealed class ActivationData
{
    [ThreadStatic]
    private static ActivationData? _constructing;

    private readonly object _lock = new();
    private readonly Queue<Message> _mailbox = new();
    private readonly Queue<Message> _interleaving = new();
    private readonly Catalog _catalog;
    private readonly GrainClass _class;
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lifetime = new();
    private ActivationStatus _status;
    private bool _exclusiveRunning;
    private int _interleavedRunning;
    private DeactivationReason? _deactivationRequested;
    private List<GrainTimer>? _timers;
    private IActivationState[] _states = [];

    public ActivationData(Catalog catalog, GrainClass grainClass, GrainId id)
    {
        _catalog = catalog;
        _class = grainClass;
        Id = id;
        LastActive = catalog.TimeProvider.GetTimestamp();
    }

    /// <summary>The activation whose grain instance is being constructed on this thread.</summary>
    internal static ActivationData? Constructing => _constructing;

    public GrainId Id { get; }

    public RuntimeClient Runtime => _catalog.Runtime;

    /// <summary>The silo's services, for runtime-provided grain base classes.</summary>
    public IServiceProvider Services => _catalog.Services;

    public ActivationTaskScheduler Scheduler { get; } = new();

    public Grain? Instance { get; private set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last completed request.</summary>
    public long LastActive { get; private set; }

    /// <summary>Completes when the activation has deactivated.</summary>
    public Task Deactivated => _deactivated.Task;

    /// <summary>Queues a message; false when this activation is gone and the caller must look up a fresh one.</summary>
    public bool TryEnqueue(Message message)
    {
        var activate = false;
        Exception? rejection = null;
        lock (_lock)
        {
            switch (_status)
            {
                case ActivationStatus.Invalid:
                    return false;
                case ActivationStatus.Created when _catalog.IsStopping:
                    // Created by a sender that checked the stop flag just before it was set: it never starts.
                    _status = ActivationStatus.Invalid;
                    _catalog.Remove(this);
                    return false;
                case ActivationStatus.Created:
                    _status = ActivationStatus.Activating;
                    activate = true;
                    break;
            }

            if (message.Method is not null && !message.IsInterleaving && message.Chain is not null
                && (_exclusiveRunning || _interleavedRunning > 0 || _status is ActivationStatus.Activating or ActivationStatus.Deactivating)
                && message.Chain.Contains(Id))
            {
                rejection = new DeadlockException(
                    $"Deadlock: {message.Describe()} was called from its own call chain ({message.Chain} -> {Id}) " +
                    "while the grain is busy with that chain's request. Break the cycle or mark the method [AlwaysInterleave].");
            }
            else if (_status == ActivationStatus.Valid && message.IsInterleaving && _deactivationRequested is null)
            {
                _interleavedRunning++;
                Start(message);
            }
            else
            {
                (message.IsInterleaving ? _interleaving : _mailbox).Enqueue(message);
                if (_status == ActivationStatus.Valid)
                {
                    PumpLocked();
                }
            }
        }

        if (rejection is not null)
        {
            message.Sink?.Fail(rejection);
        }

        if (activate)
        {
            RunOnScheduler(static s => ((ActivationData)s!).ActivateAsync(), this);
        }

        return true;
    }

    /// <summary>Asks the activation to deactivate once no request is running.</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        lock (_lock)
        {
            if (_status == ActivationStatus.Created)
            {
                // Never activated: nothing to run; a sender that races this finds it invalid and looks again.
                _status = ActivationStatus.Invalid;
                _catalog.Remove(this);
                _deactivated.TrySetResult();
                return;
            }

            if (_status is not (ActivationStatus.Valid or ActivationStatus.Activating))
            {
                return;
            }

            _deactivationRequested ??= reason;
            if (_status != ActivationStatus.Valid || _exclusiveRunning || _interleavedRunning > 0)
            {
                return;
            }

            _status = ActivationStatus.Deactivating;
        }

        StartDeactivation(reason);
    }

    /// <summary>Deactivates the activation if it has been idle since <paramref name="idleSince"/>.</summary>
    public bool TryCollect(long idleSince)
    {
        lock (_lock)
        {
            if (_status != ActivationStatus.Valid || _exclusiveRunning || _interleavedRunning > 0 || _mailbox.Count > 0
                || _interleaving.Count > 0 || LastActive > idleSince)
            {
                return false;
            }

            _status = ActivationStatus.Deactivating;
        }

        StartDeactivation(DeactivationReason.Idle);
        return true;
    }

    /// <summary>Deactivates for shutdown and waits for it.</summary>
    public Task ShutdownAsync()
    {
        RequestDeactivation(DeactivationReason.ShuttingDown);
        return Deactivated;
    }

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new GrainTimer(this, callback);
        lock (_lock)
        {
            (_timers ??= []).Add(timer);
        }

        timer.Start(_catalog.TimeProvider, dueTime, period);
        return timer;
    }

    internal void RemoveTimer(GrainTimer timer)
    {
        lock (_lock)
        {
            _timers?.Remove(timer);
        }
    }

    // Interleaving messages start at once; the next exclusive one only when nothing else runs.
    private void PumpLocked()
    {
        if (_deactivationRequested is not null)
        {
            return; // what is queued goes to the next activation
        }

        while (_interleaving.TryDequeue(out var interleaved))
        {
            _interleavedRunning++;
            Start(interleaved);
        }

        while (!_exclusiveRunning && _interleavedRunning == 0 && _mailbox.TryDequeue(out var next))
        {
            if (next.Sink is not null && Environment.TickCount64 > next.Deadline)
            {
                continue; // the caller has been told it timed out; running it now would surprise everyone
            }

            _exclusiveRunning = true;
            Start(next);
        }
    }

    private void Start(Message message)
        => RunOnScheduler(
            static s =>
            {
                var (activation, message) = ((ActivationData, Message))s!;
                return activation.RunAsync(message);
            },
            (this, message));

    // Work starts on the activation's scheduler in a clean execution context: nothing of the sender's async
    // flow (its call chain, activities, HTTP context) leaks into the grain; each request sets its own chain.
    private void RunOnScheduler(Func<object?, Task> work, object state)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            Task.Factory.StartNew(work, state, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler);
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            Task.Factory.StartNew(work, state, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler);
        }
    }

    private async Task RunAsync(Message message)
    {
        RequestContext.Chain = new CallChain(Id, message.Chain);
        object? result = null;
        Exception? failure = null;
        try
        {
            if (message.TimerCallback is { } callback)
            {
                await callback(_lifetime.Token);
            }
            else
            {
                var method = message.Method!;
                var task = method.Invoke(Instance!, message.Arguments);
                await task;
                result = method.GetResult(task);
            }
        }
        catch (Exception ex)
        {
            failure = ex;
            if (ex is InconsistentStateException)
            {
                RequestDeactivation(DeactivationReason.InconsistentState);
            }
        }

        // Book-keeping first: once the caller has its response, the activation already counts as idle.
        OnRequestCompleted(message);
        if (failure is null)
        {
            message.Sink?.Complete(result);
        }
        else if (message.Sink is null)
        {
            _catalog.Logger.LogError(failure, "{Work} failed.", message.Describe());
        }
        else
        {
            message.Sink.Fail(failure);
        }
    }

    private void OnRequestCompleted(Message message)
    {
        DeactivationReason reason;
        lock (_lock)
        {
            if (message.IsInterleaving)
            {
                _interleavedRunning--;
            }
            else
            {
                _exclusiveRunning = false;
            }

            LastActive = _catalog.TimeProvider.GetTimestamp();
            if (_deactivationRequested is null || _exclusiveRunning || _interleavedRunning > 0 || _status != ActivationStatus.Valid)
            {
                if (_status == ActivationStatus.Valid)
                {
                    PumpLocked();
                }

                return;
            }

            reason = _deactivationRequested.Value;
            _status = ActivationStatus.Deactivating;
        }

        StartDeactivation(reason);
    }

    private async Task ActivateAsync()
    {
        var started = Stopwatch.GetTimestamp();
        RequestContext.Chain = new CallChain(Id, null); // calls made by OnActivateAsync belong to this grain's chain
        try
        {
            _states = _class.States.Select(s => _catalog.CreateState(this, s)).ToArray();
            _constructing = this;
            try
            {
                Instance = (Grain)_class.Factory(_catalog.Services, _states.Cast<object>().ToArray());
            }
            finally
            {
                _constructing = null;
            }

            foreach (var state in _states)
            {
                await state.ReadStateAsync(_lifetime.Token);
            }

            using var timeout = new CancellationTokenSource(Runtime.CallTimeout);
            await Instance.OnActivateAsync(timeout.Token);
            RuntimeMetrics.ActivationCreated(started);
        }
        catch (Exception ex)
        {
            _catalog.Logger.LogWarning(ex, "Activation of {Grain} failed.", Id);
            Message[] queued;
            lock (_lock)
            {
                _status = ActivationStatus.Invalid;
                queued = [.. _mailbox, .. _interleaving];
                _mailbox.Clear();
                _interleaving.Clear();
            }

            _catalog.Remove(this);
            _deactivated.TrySetResult();
            foreach (var message in queued)
            {
                message.Sink?.Fail(ex);
            }

            return;
        }

        DeactivationReason? pending;
        lock (_lock)
        {
            _status = ActivationStatus.Valid;
            pending = _deactivationRequested;
            if (pending is null)
            {
                PumpLocked();
            }
            else
            {
                _status = ActivationStatus.Deactivating;
            }
        }

        if (pending is { } reason)
        {
            StartDeactivation(reason);
        }
    }

    private void StartDeactivation(DeactivationReason reason)
        => RunOnScheduler(
            static s =>
            {
                var (activation, reason) = ((ActivationData, DeactivationReason))s!;
                return activation.DeactivateAsync(reason);
            },
            (this, reason));

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        RequestContext.Chain = new CallChain(Id, null);
        GrainTimer[] timers;
        lock (_lock)
        {
            timers = _timers?.ToArray() ?? [];
        }

        Message[] leftovers = [];
        try
        {
            foreach (var timer in timers)
            {
                timer.Dispose();
            }

            if (Instance is not null)
            {
                using var timeout = new CancellationTokenSource(Runtime.CallTimeout);
                await Instance.OnDeactivateAsync(reason, timeout.Token);
            }
        }
        catch (Exception ex)
        {
            _catalog.Logger.LogWarning(ex, "OnDeactivateAsync of {Grain} failed.", Id);
        }
        finally
        {
            lock (_lock)
            {
                _status = ActivationStatus.Invalid;
                leftovers = [.. _mailbox, .. _interleaving];
                _mailbox.Clear();
                _interleaving.Clear();
            }

            try
            {
                _lifetime.Cancel();
            }
            catch (AggregateException ex)
            {
                _catalog.Logger.LogWarning(ex, "A cancellation callback of {Grain} failed.", Id);
            }

            _catalog.Remove(this);
            RuntimeMetrics.ActivationRemoved();
            _deactivated.TrySetResult();
        }

        foreach (var message in leftovers.Where(m => m.TimerCallback is null))
        {
            _catalog.Redeliver(message); // a fresh activation (here or on the grain's new owner) serves what arrived while this one deactivated
        }
    }

    /// <summary>An in-memory timer whose ticks are requests of the activation; a tick is skipped while the previous one waits.</summary>
    internal sealed class GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback) : IDisposable
    {
        private ITimer? _timer;
        private int _pending;
        private bool _oneShot;
        private volatile bool _disposed;

        public void Start(TimeProvider timeProvider, TimeSpan dueTime, TimeSpan period)
        {
            _oneShot = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero;
            // Created stopped and started once assigned, so a tick that comes at once can always dispose it.
            _timer = timeProvider.CreateTimer(static s => ((GrainTimer)s!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(dueTime, _oneShot ? Timeout.InfiniteTimeSpan : period);
        }

        private void Tick()
        {
            if (_disposed || Interlocked.Exchange(ref _pending, 1) == 1)
            {
                return;
            }

            var message = new Message(activation.Id, null, [], null, null, long.MaxValue)
            {
                TimerCallback = async cancellationToken =>
                {
                    Volatile.Write(ref _pending, 0);
                    if (!_disposed)
                    {
                        await callback(cancellationToken);
                    }
                },
            };
            if (!activation.TryEnqueue(message))
            {
                Dispose();
            }
            else if (_oneShot)
            {
                Release(); // its only tick is queued and must still run
            }
        }

        /// <summary>Stops the timer; a tick already queued does not run its callback.</summary>
        public void Dispose()
        {
            _disposed = true;
            Release();
        }

        private void Release()
        {
            _timer?.Dispose();
            activation.RemoveTimer(this);
        }
    }
}
