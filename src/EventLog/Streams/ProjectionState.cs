using Orleans.Concurrency;

namespace OrderActors.EventLog;

/// <summary>What a projection stores: its model, how far along its stream it has applied, and why it stopped, if it did.</summary>
/// <typeparam name="TModel">The read model.</typeparam>
[GenerateSerializer, Alias("OrderActors.EventLog.ProjectionState`1")]
public sealed class ProjectionState<TModel> where TModel : new()
{
    /// <summary>
    /// The last event applied or skipped (0: none yet): its stream sequence for a projection of one stream, its global
    /// position for a <see cref="NamespaceProjectionGrain{TModel}"/>.
    /// </summary>
    [Id(0)]
    public long Checkpoint { get; set; }

    /// <summary>
    /// The global position the model is complete through (0: none yet): that event's, or for a namespace projection a
    /// later one when the log holds only other namespaces' events up to it.
    /// </summary>
    [Id(1)]
    public long Position { get; set; }

    /// <summary>The model built from the events.</summary>
    [Id(2)]
    public TModel Model { get; set; } = new();

    /// <summary>The event the projection stopped at because applying it kept failing, until an admin retries or skips it.</summary>
    [Id(3)]
    public ParkedEvent? Parked { get; set; }

    /// <summary>Events an admin skipped, with why.</summary>
    [Id(4)]
    public List<SkippedEvent> Skipped { get; set; } = [];

    /// <summary>The version of the model's shape it was built with (<see cref="NamespaceProjectionGrain{TModel}"/> rebuilds a model of another version).</summary>
    [Id(5)]
    public int ModelVersion { get; set; }
}

/// <summary>The event a projection is parked at.</summary>
/// <param name="Sequence">Its stream sequence.</param>
/// <param name="Position">Its global position.</param>
/// <param name="EventType">Its type.</param>
/// <param name="Error">The last error applying it.</param>
/// <param name="Attempts">How many times applying it was tried.</param>
/// <param name="At">When the projection parked.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.EventLog.ParkedEvent")]
public sealed record ParkedEvent(
    [property: Id(0)] long Sequence,
    [property: Id(1)] long Position,
    [property: Id(2)] string EventType,
    [property: Id(3)] string Error,
    [property: Id(4)] int Attempts,
    [property: Id(5)] DateTimeOffset At);

/// <summary>An event a projection did not apply because an admin skipped it.</summary>
/// <param name="Sequence">Its stream sequence.</param>
/// <param name="Position">Its global position.</param>
/// <param name="Reason">Why, as the admin said.</param>
/// <param name="At">When.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.EventLog.SkippedEvent")]
public sealed record SkippedEvent(
    [property: Id(0)] long Sequence,
    [property: Id(1)] long Position,
    [property: Id(2)] string Reason,
    [property: Id(3)] DateTimeOffset At);

/// <summary>How a projection stands, for admins.</summary>
/// <param name="Checkpoint">The last event applied or skipped (see <see cref="ProjectionState{TModel}.Checkpoint"/>).</param>
/// <param name="Position">The global position the model is complete through.</param>
/// <param name="Parked">The event it is parked at, if any.</param>
/// <param name="Skipped">The events an admin skipped.</param>
[GenerateSerializer, Immutable, Alias("OrderActors.EventLog.ProjectionStatus")]
public sealed record ProjectionStatus(
    [property: Id(0)] long Checkpoint,
    [property: Id(1)] long Position,
    [property: Id(2)] ParkedEvent? Parked,
    [property: Id(3)] IReadOnlyList<SkippedEvent> Skipped);

/// <summary>What admins can do to a projection grain, in silos and through clients alike.</summary>
[Alias("OrderActors.EventLog.IEventLogProjection")]
public interface IEventLogProjection : IGrainWithStringKey
{
    /// <summary>Where the projection stands; answers at once, even while the projection is catching up.</summary>
    [Alias("GetStatus")]
    [AlwaysInterleave]
    Task<ProjectionStatus> GetStatusAsync();

    /// <summary>Unparks the projection and applies its stream from its checkpoint on, the parked event first.</summary>
    [Alias("Retry")]
    Task<ProjectionStatus> RetryAsync();

    /// <summary>Moves past the parked event without applying it, records why, and applies the rest of the stream.</summary>
    [Alias("Skip")]
    Task<ProjectionStatus> SkipAsync(string reason);

    /// <summary>Forgets the model and applies the whole stream again from its first event.</summary>
    [Alias("Rebuild")]
    Task<ProjectionStatus> RebuildAsync();
}
