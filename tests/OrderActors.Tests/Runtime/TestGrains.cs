using OrderActors.Runtime;

namespace OrderActors.Tests.Runtime;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync(int by);

    Task<int> GetAsync();

    Task<string?> GetEtagAsync();

    Task<Guid> GetActivationIdAsync();

    Task ClearAsync();

    Task DeactivateAsync();
}

public sealed record CounterState
{
    public int Value { get; set; }
}

/// <summary>Tracks activations and deactivations across all counter grains, for lifecycle tests.</summary>
public static class CounterLifecycle
{
    private static readonly Dictionary<string, (int Activations, int Deactivations, DeactivationReason? Last)> Counts = [];

    public static void Activated(string key)
    {
        lock (Counts)
        {
            var c = Counts.GetValueOrDefault(key);
            Counts[key] = (c.Activations + 1, c.Deactivations, c.Last);
        }
    }

    public static void Deactivated(string key, DeactivationReason reason)
    {
        lock (Counts)
        {
            var c = Counts.GetValueOrDefault(key);
            Counts[key] = (c.Activations, c.Deactivations + 1, reason);
        }
    }

    public static (int Activations, int Deactivations, DeactivationReason? Last) Of(string key)
    {
        lock (Counts)
        {
            return Counts.GetValueOrDefault(key);
        }
    }
}

[GrainType("test-counter")]
public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> counter) : Grain, ICounterGrain
{
    private readonly Guid _activationId = Guid.NewGuid();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        CounterLifecycle.Activated(GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        CounterLifecycle.Deactivated(GetPrimaryKeyString(), reason);
        return Task.CompletedTask;
    }

    public async Task<int> IncrementAsync(int by)
    {
        counter.State.Value += by;
        await counter.WriteStateAsync();
        return counter.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(counter.State.Value);

    public Task<string?> GetEtagAsync() => Task.FromResult(counter.Etag);

    public Task<Guid> GetActivationIdAsync() => Task.FromResult(_activationId);

    public Task ClearAsync() => counter.ClearStateAsync();

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public interface IProbeGrain : IGrainWithStringKey
{
    /// <summary>Does work with awaits and parallel continuations; returns the highest number of threads seen inside at once.</summary>
    Task<int> WorkAsync(int delayMs);

    [AlwaysInterleave]
    Task<int> PeekAsync();

    Task<int> HoldAsync(int delayMs);

    Task ThrowAsync(string message);

    Task<int> SlowAsync(int delayMs);
}

[GrainType("test-probe")]
public sealed class ProbeGrain : Grain, IProbeGrain
{
    private int _inside;
    private int _maxInside;
    private int _held;

    public async Task<int> WorkAsync(int delayMs)
    {
        // Four continuations become ready on four thread-pool threads at about the same time; on the
        // activation's scheduler their synchronous parts must still run one after another.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await Task.Run(() => Thread.SpinWait(delayMs * 1000));
            Enter();
            Thread.SpinWait(20_000);
            Exit();
        }));
        return _maxInside;
    }

    public Task<int> PeekAsync() => Task.FromResult(_held);

    public async Task<int> HoldAsync(int delayMs)
    {
        _held++;
        await Task.Delay(delayMs);
        return _held;
    }

    public Task ThrowAsync(string message) => throw new ArgumentException(message, nameof(message));

    public async Task<int> SlowAsync(int delayMs)
    {
        await Task.Delay(delayMs);
        return delayMs;
    }

    // Not Interlocked on purpose: the activation's scheduler must make this safe.
    private void Enter()
    {
        var now = _inside + 1;
        Thread.SpinWait(100);
        _inside = now;
        _maxInside = Math.Max(_maxInside, _inside);
    }

    private void Exit()
    {
        var now = _inside - 1;
        Thread.SpinWait(100);
        _inside = now;
    }
}

public interface IPingGrain : IGrainWithStringKey
{
    Task<int> PingAsync(string other, int depth);

    Task<int> PingInterleavedAsync(string other, int depth);

    [AlwaysInterleave]
    Task<int> InterleavedPingAsync(string other, int depth);

    [AlwaysInterleave]
    Task<int> InterleavedThenExclusiveAsync(string other);
}

[GrainType("test-ping")]
public sealed class PingGrain : Grain, IPingGrain
{
    public async Task<int> PingAsync(string other, int depth)
        => depth == 0 ? 0 : 1 + await GrainFactory.GetGrain<IPingGrain>(other).PingAsync(GetPrimaryKeyString(), depth - 1);

    public async Task<int> PingInterleavedAsync(string other, int depth)
        => depth == 0 ? 0 : 1 + await GrainFactory.GetGrain<IPingGrain>(other).InterleavedPingAsync(GetPrimaryKeyString(), depth - 1);

    public Task<int> InterleavedThenExclusiveAsync(string other)
        => GrainFactory.GetGrain<IPingGrain>(other).PingAsync(GetPrimaryKeyString(), 2);

    public Task<int> InterleavedPingAsync(string other, int depth)
        => depth == 0 ? Task.FromResult(0) : GrainFactory.GetGrain<IPingGrain>(other).InterleavedPingAsync(GetPrimaryKeyString(), depth - 1).ContinueWith(t => t.Result + 1, TaskScheduler.Current);
}

public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task StartReminderAsync(TimeSpan due, TimeSpan period);

    Task StopReminderAsync();

    Task<int> TicksAsync();

    Task<bool> HasReminderAsync();

    Task StartTimerAsync(TimeSpan due, TimeSpan period);

    Task<int> TimerTicksAsync();

    Task HoldAsync(int delayMs);
}

public sealed record ReminderProbeState
{
    public int Ticks { get; set; }
}

[GrainType("test-reminder")]
public sealed class ReminderProbeGrain([PersistentState("probe")] IPersistentState<ReminderProbeState> probe) : Grain, IReminderProbeGrain, IRemindable
{
    private int _timerTicks;
    private bool _inTimer;

    public Task StartReminderAsync(TimeSpan due, TimeSpan period) => RegisterOrUpdateReminderAsync("tick", due, period);

    public Task StopReminderAsync() => UnregisterReminderAsync("tick");

    public Task<int> TicksAsync() => Task.FromResult(probe.State.Ticks);

    public async Task<bool> HasReminderAsync() => await GetReminderAsync("tick") is not null;

    public async Task ReceiveReminderAsync(string reminderName, TickStatus status)
    {
        probe.State.Ticks++;
        await probe.WriteStateAsync();
    }

    public Task StartTimerAsync(TimeSpan due, TimeSpan period)
    {
        RegisterTimer(async _ =>
        {
            if (_inTimer)
            {
                throw new InvalidOperationException("Timer ticks overlapped.");
            }

            _inTimer = true;
            await Task.Yield();
            _timerTicks++;
            _inTimer = false;
        }, due, period);
        return Task.CompletedTask;
    }

    public Task<int> TimerTicksAsync() => Task.FromResult(_timerTicks);

    public Task HoldAsync(int delayMs) => Task.Delay(delayMs);
}

public interface IActivationCycleGrain : IGrainWithStringKey
{
    Task<string> NameAsync();

    Task<string> CallBackAsync(string caller);
}

/// <summary>Grains keyed "a-…" call "b-…" while activating, and "b-…" calls the activating grain back.</summary>
[GrainType("test-activation-cycle")]
public sealed class ActivationCycleGrain : Grain, IActivationCycleGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = GetPrimaryKeyString();
        if (key.StartsWith("a-", StringComparison.Ordinal))
        {
            await GrainFactory.GetGrain<IActivationCycleGrain>("b-" + key[2..]).CallBackAsync(key);
        }
    }

    public Task<string> NameAsync() => Task.FromResult(GetPrimaryKeyString());

    public Task<string> CallBackAsync(string caller) => GrainFactory.GetGrain<IActivationCycleGrain>(caller).NameAsync();
}
