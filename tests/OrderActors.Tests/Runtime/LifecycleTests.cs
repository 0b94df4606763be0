using OrderActors.Runtime;
using OrderActors.Runtime.Persistence;
using OrderActors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace OrderActors.Tests.Runtime;

public sealed class LifecycleTests
{
    [Fact]
    public async Task An_idle_activation_is_collected_after_the_collection_age_and_reactivates_with_its_state()
    {
        var time = new ManualTimeProvider();
        await using var silo = await StartWithTenMinuteCollectionAsync(time);
        var key = Guid.NewGuid().ToString();
        var counter = silo.Grains.GetGrain<ICounterGrain>(key);
        await counter.IncrementAsync(3);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, CounterLifecycle.Of(key).Deactivations);

        time.Advance(TimeSpan.FromMinutes(6));
        await Eventually.TrueAsync(() => CounterLifecycle.Of(key).Deactivations == 1, "the idle counter was collected");
        Assert.Equal(DeactivationReason.Idle, CounterLifecycle.Of(key).Last);
        // Only the counter: the silo's stream subscriptions may activate their consumers at any time.
        var catalog = silo.Services.GetRequiredService<OrderActors.Runtime.Activation.Catalog>();
        await Eventually.TrueAsync(() => !catalog.TryGetActivation(new GrainId("test-counter", key), out _), "the counter left the catalog");

        Assert.Equal(3, await counter.GetAsync());
        Assert.Equal(2, CounterLifecycle.Of(key).Activations);
    }

    [Fact]
    public async Task A_busy_activation_is_not_collected()
    {
        var time = new ManualTimeProvider();
        await using var silo = await StartWithTenMinuteCollectionAsync(time);
        var key = Guid.NewGuid().ToString();
        var counter = silo.Grains.GetGrain<ICounterGrain>(key);
        for (var minute = 0; minute < 30; minute++)
        {
            await counter.IncrementAsync(1);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(0, CounterLifecycle.Of(key).Deactivations);
    }

    private static Task<TestSilo> StartWithTenMinuteCollectionAsync(ManualTimeProvider time)
        => TestSilo.StartAsync(time: time, configure: o =>
        {
            o.CollectionAge = TimeSpan.FromMinutes(10);
            o.CollectionQuantum = TimeSpan.FromMinutes(1);
        });

    [Fact]
    public async Task Shutdown_deactivates_every_activation()
    {
        var silo = await TestSilo.StartAsync();
        var keys = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid().ToString()).ToArray();
        await Task.WhenAll(keys.Select(k => silo.Grains.GetGrain<ICounterGrain>(k).IncrementAsync(1)));
        await silo.DisposeAsync();
        Assert.All(keys, k => Assert.Equal(DeactivationReason.ShuttingDown, CounterLifecycle.Of(k).Last));
    }

    [Fact]
    public async Task Shutdown_while_calls_are_in_flight_finishes_and_every_call_completes()
    {
        var silo = await TestSilo.StartAsync();
        var calls = Enumerable.Range(0, 2000)
            .Select(i => Task.Run(() => silo.Grains.GetGrain<ICounterGrain>($"{Guid.NewGuid()}-{i}").IncrementAsync(1)))
            .ToArray();
        await silo.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        await Task.WhenAny(Task.WhenAll(calls), Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.All(calls, c => Assert.True(c.IsCompleted, "every call either completed or failed; none hangs after shutdown"));
        Assert.All(calls.Where(c => c.IsFaulted), c => Assert.Contains("shutting down", c.Exception!.InnerException!.Message, StringComparison.Ordinal));
        Assert.Equal(0, silo.Silo.ActivationCount);
    }

    [Fact]
    public async Task A_stale_write_throws_deactivates_and_the_next_call_sees_the_stored_state()
    {
        await using var silo = await TestSilo.StartAsync();
        var key = Guid.NewGuid().ToString();
        var counter = silo.Grains.GetGrain<ICounterGrain>(key);
        await counter.IncrementAsync(1);
        Assert.Equal("1", await counter.GetEtagAsync());

        // Another writer (a duplicate activation elsewhere) commits version 2 behind this activation's back.
        var storage = silo.Services.GetRequiredService<IGrainStorage>();
        await storage.WriteAsync(new GrainId("test-counter", key), "counter", """{"value":100}"""u8.ToArray(), expectedVersion: 1);

        await Assert.ThrowsAsync<InconsistentStateException>(() => counter.IncrementAsync(1));
        await Eventually.TrueAsync(() => CounterLifecycle.Of(key).Deactivations == 1, "the stale activation deactivated");
        Assert.Equal(DeactivationReason.InconsistentState, CounterLifecycle.Of(key).Last);

        Assert.Equal(100, await counter.GetAsync());
        Assert.Equal(101, await counter.IncrementAsync(1));
        Assert.Equal("3", await counter.GetEtagAsync());
    }

    [Fact]
    public async Task Clearing_state_resets_it_and_later_writes_continue_the_version()
    {
        await using var silo = await TestSilo.StartAsync();
        var counter = silo.Grains.GetGrain<ICounterGrain>(Guid.NewGuid().ToString());
        await counter.IncrementAsync(7);
        await counter.ClearAsync();
        Assert.Equal(0, await counter.GetAsync());
        Assert.Equal(1, await counter.IncrementAsync(1));
        Assert.Equal("3", await counter.GetEtagAsync());
    }

    [Fact]
    public async Task Options_are_validated_at_start_up_with_a_message_naming_the_value()
    {
        var ex = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => TestSilo.StartAsync(configure: o => o.CallTimeout = TimeSpan.Zero));
        Assert.Contains("CallTimeout", ex.Message, StringComparison.Ordinal);
    }
}
