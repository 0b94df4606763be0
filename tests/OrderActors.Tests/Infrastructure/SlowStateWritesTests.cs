using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrderActors.Tests.Infrastructure;

/// <summary>The grain storage decorator tests use to make projections fall behind the log.</summary>
public sealed class SlowStateWritesTests
{
    private sealed class RecordingStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public List<string> Calls { get; } = [];

        public bool Participated { get; private set; }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Record("read", grainId);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Record("write", grainId);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Record("clear", grainId);

        public void Participate(ISiloLifecycle lifecycle) => Participated = true;

        private Task Record(string operation, GrainId grainId)
        {
            lock (Calls)
            {
                Calls.Add($"{operation} {grainId}");
            }

            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task The_registered_provider_is_wrapped_and_only_the_chosen_grain_types_wait_before_writing()
    {
        var inner = new RecordingStorage();
        var services = new ServiceCollection();
        services.AddKeyedSingleton<IGrainStorage>("state", (_, _) => inner);
        SlowStateWrites.Decorate(services, "state", storage => new SlowStateWrites(storage, ["pick-queue"], TimeSpan.FromMilliseconds(300)));
        await using var provider = services.BuildServiceProvider();
        var storage = provider.GetRequiredKeyedService<IGrainStorage>("state");
        var (slow, other) = (GrainId.Create("pick-queue", "all"), GrainId.Create("order", "o-1"));
        var state = new GrainState<int>(1);

        var delayed = storage.WriteStateAsync("pick-queue", slow, state);
        Assert.False(delayed.IsCompleted);
        await storage.WriteStateAsync("order", other, state);
        await storage.ReadStateAsync("pick-queue", slow, state);
        Assert.Equal(["write order/o-1", "read pick-queue/all"], inner.Calls);

        await delayed;
        Assert.Equal("write pick-queue/all", inner.Calls[^1]);
        ((ILifecycleParticipant<ISiloLifecycle>)storage).Participate(null!);
        Assert.True(inner.Participated); // Orleans initializes the provider through the decorator
    }
}
