using OrderActors.Runtime;

namespace OrderActors.Tests.Runtime;

public interface IStreamWriterGrain : IGrainWithStringKey
{
    /// <summary>Writes its state and appends one event per type, in one transaction.</summary>
    Task WriteAsync(IReadOnlyList<string> eventTypes);
}

public sealed record StreamWriterState
{
    public int Writes { get; set; }
}

public sealed record TestEvent(string Writer, int Write, string Type);

[GrainType("test-stream-writer")]
public sealed class StreamWriterGrain([PersistentState("writer")] IPersistentState<StreamWriterState> writer) : Grain, IStreamWriterGrain
{
    public const string Namespace = "test-stream";

    public async Task WriteAsync(IReadOnlyList<string> eventTypes)
    {
        writer.State.Writes++;
        foreach (var type in eventTypes)
        {
            writer.AppendEvent(new StreamId(Namespace, GetPrimaryKeyString()), type, new TestEvent(GetPrimaryKeyString(), writer.State.Writes, type));
        }

        await writer.WriteStateAsync();
    }
}

public interface ICountingProjectionGrain : IStreamConsumer
{
    Task<CountingModel> GetAsync();
}

public sealed record CountingModel
{
    public Dictionary<string, int> ByType { get; set; } = [];

    public List<long> Positions { get; set; } = [];
}

/// <summary>Counts every event it applies; an event of type "poison" always fails.</summary>
[GrainType("test-counting-projection")]
[StreamSubscription(StreamWriterGrain.Namespace)]
public sealed class CountingProjectionGrain([PersistentState("projection")] IPersistentState<ProjectionState<CountingModel>> projection)
    : ProjectionGrain<CountingModel>(projection), ICountingProjectionGrain
{
    public Task<CountingModel> GetAsync() => Task.FromResult(Model);

    protected override void Apply(StreamEvent streamEvent)
    {
        Model.Positions.Add(streamEvent.Position);
        Model.ByType[streamEvent.Type] = Model.ByType.GetValueOrDefault(streamEvent.Type) + 1;
        if (streamEvent.Type == "poison")
        {
            throw new InvalidOperationException("This event can never be applied.");
        }
    }
}

public interface ITolerantProjectionGrain : IStreamConsumer
{
    Task<int> CountAsync();
}

/// <summary>Another consumer of the same namespace that never fails: it must not be held up by the first.</summary>
[GrainType("test-tolerant-projection")]
[StreamSubscription(StreamWriterGrain.Namespace)]
public sealed class TolerantProjectionGrain([PersistentState("projection")] IPersistentState<ProjectionState<CountingModel>> projection)
    : ProjectionGrain<CountingModel>(projection), ITolerantProjectionGrain
{
    public Task<int> CountAsync() => Task.FromResult(Model.Positions.Count);

    protected override void Apply(StreamEvent streamEvent) => Model.Positions.Add(streamEvent.Position);
}

public interface IStreamFollowerGrain : IGrainWithStringKey
{
    /// <summary>Subscribes to the stream of writer <paramref name="writer"/>.</summary>
    Task FollowAsync(string writer, StreamStart start);

    Task UnfollowAsync(string writer);

    Task<FollowerModel> GetAsync();

    /// <summary>Deactivates once this call completes, so the next delivery reactivates it from storage.</summary>
    Task DeactivateAsync();
}

public sealed record FollowerModel
{
    /// <summary>Every event applied, as <c>writer:sequence:type</c>, in the order applied.</summary>
    public List<string> Applied { get; set; } = [];
}

/// <summary>Follows writers' streams by explicit subscription; an event of type <c>fail-for-{its key}</c> always fails.</summary>
[GrainType("test-stream-follower")]
public sealed class StreamFollowerGrain([PersistentState("follower")] IPersistentState<StreamSubscriberState<FollowerModel>> follower)
    : StreamSubscriberGrain<FollowerModel>(follower), IStreamFollowerGrain
{
    public static StreamId Stream(string writer) => new(StreamWriterGrain.Namespace, writer);

    public static string Name(string follower, string writer) => $"test-stream-follower:{follower}@{StreamWriterGrain.Namespace}:{writer}";

    public Task FollowAsync(string writer, StreamStart start) => SubscribeAsync(Stream(writer), start);

    public Task UnfollowAsync(string writer) => UnsubscribeAsync(Stream(writer));

    public Task<FollowerModel> GetAsync() => Task.FromResult(Model);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    protected override void Apply(StreamEvent streamEvent)
    {
        if (streamEvent.Type == $"fail-for-{GetPrimaryKeyString()}")
        {
            throw new InvalidOperationException($"{GetPrimaryKeyString()} can never apply this event.");
        }

        Model.Applied.Add($"{streamEvent.Stream.Key}:{streamEvent.Sequence}:{streamEvent.Type}");
    }
}
