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
