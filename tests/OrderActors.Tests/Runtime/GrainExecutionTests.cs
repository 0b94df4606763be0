using OrderActors.Runtime;
using OrderActors.Tests.Infrastructure;

namespace OrderActors.Tests.Runtime;

[Collection(SharedSiloCollection.Name)]
public sealed class GrainExecutionTests(SharedSiloFixture cluster)
{
    private readonly IGrainFactory _grains = cluster.Grains;

    [Fact]
    public async Task A_grain_activates_on_first_call_and_keeps_its_activation()
    {
        var key = Guid.NewGuid().ToString();
        var counter = _grains.GetGrain<ICounterGrain>(key);
        var first = await counter.GetActivationIdAsync();
        Assert.Equal(first, await _grains.GetGrain<ICounterGrain>(key).GetActivationIdAsync());
        Assert.Equal(1, CounterLifecycle.Of(key).Activations);
    }

    [Fact]
    public async Task Requests_run_one_at_a_time_including_their_continuations()
    {
        var probe = _grains.GetGrain<IProbeGrain>(Guid.NewGuid().ToString());
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => probe.WorkAsync(2)));
        Assert.All(results, max => Assert.Equal(1, max));
    }

    [Fact]
    public async Task Concurrent_increments_are_not_lost()
    {
        var counter = _grains.GetGrain<ICounterGrain>(Guid.NewGuid().ToString());
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => counter.IncrementAsync(1)));
        Assert.Equal(100, await counter.GetAsync());
    }

    [Fact]
    public async Task An_always_interleave_method_runs_while_a_request_waits()
    {
        var probe = _grains.GetGrain<IProbeGrain>(Guid.NewGuid().ToString());
        var hold = probe.HoldAsync(1000);
        await Eventually.TrueAsync(async () => await probe.PeekAsync() == 1, "the interleaving peek sees the held request");
        Assert.False(hold.IsCompleted, "the peek must not have waited for the held request");
        Assert.Equal(1, await hold);
    }

    [Fact]
    public async Task A_grain_exception_reaches_the_caller_with_its_type_and_message()
    {
        var probe = _grains.GetGrain<IProbeGrain>(Guid.NewGuid().ToString());
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => probe.ThrowAsync("bad input 42"));
        Assert.StartsWith("bad input 42", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await probe.PeekAsync()); // the activation survives a failed request
    }

    [Fact]
    public async Task A_call_cycle_fails_fast_with_a_deadlock_error_naming_the_cycle()
    {
        var a = Guid.NewGuid().ToString();
        var b = Guid.NewGuid().ToString();
        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<DeadlockException>(() => _grains.GetGrain<IPingGrain>(a).PingAsync(b, 3));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "a deadlock must not wait for the call timeout");
        Assert.Contains($"test-ping/{a}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"test-ping/{b}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_back_into_a_grain_busy_with_an_interleaving_request_fails_fast()
    {
        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<DeadlockException>(
            () => _grains.GetGrain<IPingGrain>(Guid.NewGuid().ToString()).InterleavedThenExclusiveAsync(Guid.NewGuid().ToString()));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the cycle must not wait for the call timeout");
    }

    [Fact]
    public async Task A_call_back_into_a_grain_that_is_still_activating_fails_fast()
    {
        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<DeadlockException>(
            () => _grains.GetGrain<IActivationCycleGrain>("a-" + Guid.NewGuid()).NameAsync());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the cycle must not wait for the call timeout");
    }

    [Fact]
    public async Task A_call_cycle_through_interleaving_methods_completes()
    {
        var a = Guid.NewGuid().ToString();
        var b = Guid.NewGuid().ToString();
        Assert.Equal(4, await _grains.GetGrain<IPingGrain>(a).PingInterleavedAsync(b, 4));
    }

    [Fact]
    public async Task A_grain_asked_to_deactivate_comes_back_as_a_new_activation_with_its_state()
    {
        var key = Guid.NewGuid().ToString();
        var counter = _grains.GetGrain<ICounterGrain>(key);
        await counter.IncrementAsync(5);
        var first = await counter.GetActivationIdAsync();
        await counter.DeactivateAsync();
        await Eventually.TrueAsync(() => CounterLifecycle.Of(key).Deactivations == 1, "the counter deactivated");
        Assert.Equal(DeactivationReason.Requested, CounterLifecycle.Of(key).Last);
        Assert.NotEqual(first, await counter.GetActivationIdAsync());
        Assert.Equal(5, await counter.GetAsync());
    }

    [Fact]
    public async Task Messages_sent_while_an_activation_deactivates_reach_the_next_activation()
    {
        var key = Guid.NewGuid().ToString();
        var counter = _grains.GetGrain<ICounterGrain>(key);
        await counter.IncrementAsync(1);
        var deactivate = counter.DeactivateAsync();
        var increments = Enumerable.Range(0, 50).Select(_ => counter.IncrementAsync(1)).ToArray();
        await deactivate;
        await Task.WhenAll(increments);
        Assert.Equal(51, await counter.GetAsync());
    }
}

public sealed class CallTimeoutTests
{
    [Fact]
    public async Task A_call_that_outlives_the_timeout_fails_naming_the_grain_and_method()
    {
        await using var silo = await TestSilo.StartAsync(configure: o => o.CallTimeout = TimeSpan.FromMilliseconds(300));
        var key = Guid.NewGuid().ToString();
        var ex = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => silo.Grains.GetGrain<IProbeGrain>(key).SlowAsync(3000));
        Assert.Contains("IProbeGrain.SlowAsync", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"test-probe/{key}", ex.Message, StringComparison.Ordinal);
    }
}
